"""/panel/<id>/quotas/: members set a minimum and a maximum of seats for every feature value."""

from __future__ import annotations

import pytest
from django.urls import reverse

from observatory.accounts.models import AuditEntry
from observatory.accounts.roles import ORGANISATION
from observatory.panel.models import FeatureValue

from .test_views_new import QUOTAS, create_panel, member, set_quotas  # noqa: F401 (fixture)


@pytest.fixture
def panel(client, member):  # noqa: F811
    return create_panel(client)


def test_quotas_are_saved_and_shown(client, panel):
    page = client.get(reverse("panel:quotas", args=[panel.pk])).content.decode()
    assert "Woman" in page and "40 and over" in page
    set_quotas(client, panel)
    saved = {(v.feature.key, v.key): (v.min_seats, v.max_seats) for v in FeatureValue.objects.all()}
    assert saved == QUOTAS
    assert AuditEntry.objects.filter(action="panel.quotas").exists()


def test_empty_maximum_means_up_to_the_panel_size(client, panel):
    set_quotas(client, panel, {**QUOTAS, ("gender", "other"): (0, None)})
    assert FeatureValue.objects.get(key="other").max_seats is None
    from observatory.panel.services import current_quotas_csv

    assert "gender,other,0,4" in current_quotas_csv(panel)


@pytest.mark.parametrize(
    "change, bound, message",
    [
        ({("gender", "woman"): (3, 2)}, "max", "Below the minimum 3"),
        ({("gender", "woman"): (5, 5)}, "min", "More than the 4 seats"),
        ({("age-bracket", "16-39"): (3, 3), ("age-bracket", "40-and-over"): (3, 3)}, "min", "add up to 6"),
        ({("age-bracket", "16-39"): (1, 1), ("age-bracket", "40-and-over"): (1, 1)}, "max", "add up to 2"),
    ],
)
def test_impossible_bounds_are_refused_on_their_field(client, panel, change, bound, message):
    response = set_quotas(client, panel, {**QUOTAS, **change}, expect=400)
    errors = " ".join(
        " ".join(e) for name, e in response.context["form"].errors.items() if name.startswith(bound)
    )
    assert message in errors
    assert not FeatureValue.objects.filter(min_seats__gt=0).exists()  # nothing half-written


def test_only_observatory_members(client, panel, make_user):
    client.force_login(make_user("outreach", ORGANISATION))
    assert client.get(reverse("panel:quotas", args=[panel.pk])).status_code == 403
