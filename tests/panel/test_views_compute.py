"""/panel/<id>/compute/: every method's lottery on the current pool and quotas, stored.

Infeasible quotas come back on the quota form with the conflicting bounds on their fields.
"""

from __future__ import annotations

import math

from django.urls import reverse

from observatory.accounts.roles import MODERATOR
from observatory.panel.core.lottery import METHODS
from observatory.panel.models import Computation

from .test_views_new import QUOTAS, member, pool_panel, set_quotas  # noqa: F401 (fixtures)


def test_every_method_is_computed_and_probabilities_sum_to_k(client, pool_panel):  # noqa: F811
    response = client.post(reverse("panel:compute", args=[pool_panel.pk]), {"methods": list(METHODS)})
    assert response.status_code == 302 and response["Location"] == reverse(
        "panel:compare", args=[pool_panel.pk]
    )
    rows = {c.method: c for c in Computation.objects.filter(panel=pool_panel)}
    assert set(rows) == set(METHODS)
    ids = set(pool_panel.volunteers.values_list("public_id", flat=True))
    for c in rows.values():
        assert set(c.probabilities) == ids
        assert math.isclose(sum(c.probabilities.values()), 4, abs_tol=1e-6), c.method
        assert c.min_probability == min(c.probabilities.values())
    # the fair methods lift the smallest chance above the old greedy draw's
    assert rows["leximin"].min_probability >= rows["legacy"].min_probability - 1e-9
    # the 6 over-represented women over 40 share at most 2 seats: 1/3 at most each
    by_value = dict(pool_panel.volunteers.values_list("public_id", "values"))
    women_over_40 = [i for i, v in by_value.items() if v == {"gender": "woman", "age-bracket": "40-and-over"}]
    assert max(rows["leximin"].probabilities[i] for i in women_over_40) <= 2 / 6 + 1e-6


def test_infeasible_quotas_show_the_conflict_on_the_quota_form(client, pool_panel):  # noqa: F811
    # three seats for "other": the form cannot know there are only two such volunteers
    set_quotas(
        client,
        pool_panel,
        {**QUOTAS, ("gender", "other"): (3, 4), ("gender", "woman"): (0, 1), ("gender", "man"): (0, 1)},
    )
    response = client.post(reverse("panel:compute", args=[pool_panel.pk]), {"methods": ["leximin"]})
    assert response.status_code == 400
    form = response.context["form"]
    page = response.content.decode()
    assert "No panel of 4 volunteers from this pool meets these quotas together" in page
    flagged = {name for name, errors in form.errors.items() if any("In conflict" in e for e in errors)}
    other = pool_panel.features.get(key="gender").values.get(key="other")
    assert f"min_{other.pk}" in flagged  # each conflicting bound on its own field
    assert "gender=other: at least 3" in page
    assert not Computation.objects.exists()


def test_a_pool_smaller_than_the_panel_is_refused(client, member):  # noqa: F811
    from .test_views_new import create_panel

    panel = create_panel(client)
    response = client.post(reverse("panel:compute", args=[panel.pk]), {"methods": ["leximin"]})
    assert response.status_code == 400
    assert "fewer than the 4 seats" in response.content.decode()


def test_no_method_chosen(client, pool_panel):  # noqa: F811
    assert client.post(reverse("panel:compute", args=[pool_panel.pk]), {}).status_code == 400


def test_only_observatory_members(client, pool_panel, make_user):  # noqa: F811
    client.force_login(make_user("moderatrice", MODERATOR))
    assert (
        client.post(reverse("panel:compute", args=[pool_panel.pk]), {"methods": ["leximin"]}).status_code
        == 403
    )
    assert not Computation.objects.exists()
