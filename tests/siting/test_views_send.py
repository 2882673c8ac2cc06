"""/siting/<id>/send/: a scenario's open sites become options of a residents' consultation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from observatory.consultation.models import Option
from observatory.consultation.services import create_consultation

from .test_views_new import create, member, scene  # noqa: F401 (fixtures)


def consultation(starts_in_days: float):
    now = timezone.now()
    return create_consultation(
        question="Où ouvrir une salle de consommation ?",
        starts_at=now + timedelta(days=starts_in_days),
        ends_at=now + timedelta(days=starts_in_days + 14),
        eligibility="account",
    )


def test_open_sites_become_options_with_their_evidence(client, member, scene):  # noqa: F811
    target = consultation(starts_in_days=7)
    scenario = create(client, name="Deux salles")
    response = client.post(reverse("siting:send", args=[scenario.pk]), {"consultation": target.pk})
    assert response.status_code == 302
    assert response.url == reverse("consultation:detail", args=[target.pk])
    options = list(Option.objects.filter(consultation=target, source="scenario").order_by("position"))
    opened = scenario.open_sites
    assert [o.name for o in options] == [f"Deux salles · {s['id']}" for s in opened]
    for option, site in zip(options, opened, strict=True):
        assert (option.lat, option.lon) == (site["lat"], site["lon"])
        assert option.evidence["covered_weight"] == pytest.approx(site["covered_weight"])
        assert option.evidence["mean_cost_m"] == pytest.approx(site["mean_cost"])
    total_share = sum(o.evidence["coverage_share"] for o in options)
    assert total_share == pytest.approx(scenario.result["coverage_share"])


def test_a_consultation_whose_vote_opened_is_refused(client, member, scene):  # noqa: F811
    started = consultation(starts_in_days=-1)
    scenario = create(client)
    response = client.post(reverse("siting:send", args=[scenario.pk]), {"consultation": started.pk})
    assert response.status_code == 400
    assert "consultation" in response.context["send_form"].errors
    assert not Option.objects.filter(consultation=started, source="scenario").exists()
