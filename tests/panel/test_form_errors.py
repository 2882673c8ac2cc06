"""The panel's forms open with the site's error summary (issue 19): each problem one sentence,
a link to its field, above the form; the solver's conflict links to the first bound it names."""

from __future__ import annotations

import re

from django.urls import reverse

from .test_views_new import QUOTAS, create_panel, member, panel_data, pool_panel, set_quotas  # noqa: F401


def _summary(html: str) -> str:
    start = html.index('id="error-summary"')
    return html[start : html.index("</div>", start)]


def _above(html: str, form_id: str) -> None:
    assert html.index("<h1>") < html.index('id="error-summary"') < html.index(f'id="{form_id}"')


def test_the_new_panel_form_lists_its_errors_at_the_top_with_links(client, member):  # noqa: F811
    response = client.post(reverse("panel:new"), panel_data(size="0", seed_source=""))
    assert response.status_code == 400
    html = response.content.decode()
    _above(html, "panel-form")
    summary = _summary(html)
    assert "There are 2 problems to fix" in summary
    assert re.search(r'<a href="#id_size">Panel size \(seats\): [A-Z][^<]*\.</a>', summary), summary
    assert (
        '<a href="#id_seed_source">Where the seed numbers will come from: This field is required.</a>'
        in summary
    )


def test_the_quota_form_names_the_question_and_the_answer_of_each_bad_bound(client, member):  # noqa: F811
    panel = create_panel(client)
    woman = panel.features.get(key="gender").values.get(key="woman")
    response = set_quotas(client, panel, {**QUOTAS, ("gender", "woman"): (3, 2)}, expect=400)
    html = response.content.decode()
    _above(html, "quota-form")
    assert f'<a href="#id_max_{woman.pk}">Gender, Woman: at most: Below the minimum 3.</a>' in _summary(html)
    assert f'id="id_max_{woman.pk}"' in html


def test_infeasible_quotas_link_the_summary_to_the_first_conflicting_bound(client, pool_panel):  # noqa: F811
    set_quotas(
        client,
        pool_panel,
        {**QUOTAS, ("gender", "other"): (3, 4), ("gender", "woman"): (0, 1), ("gender", "man"): (0, 1)},
    )
    response = client.post(reverse("panel:compute", args=[pool_panel.pk]), {"methods": ["leximin"]})
    assert response.status_code == 400
    html = response.content.decode()
    _above(html, "quota-form")
    summary = _summary(html)
    first = re.search(r'<li><a href="#(id_m(?:in|ax)_\d+)">No panel of 4 volunteers from this pool', summary)
    assert first, summary
    conflicting = {
        f"id_{name}"
        for name, errors in response.context["form"].errors.items()
        if any("In conflict" in e for e in errors)
    }
    assert first.group(1) in conflicting
