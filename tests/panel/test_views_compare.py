"""/panel/<id>/compare/: the methods side by side, one chart of everyone's probability, sorted."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from observatory.panel.core.lottery import METHODS
from observatory.panel.models import method_name

from .test_views_new import QUOTAS, member, pool_panel, set_quotas  # noqa: F401 (fixtures)


def test_chart_has_one_line_per_method(client, pool_panel):  # noqa: F811
    empty = client.get(reverse("panel:compare", args=[pool_panel.pk]))
    assert empty.status_code == 200 and "Nothing computed" in empty.content.decode()
    client.post(reverse("panel:compute", args=[pool_panel.pk]), {"methods": list(METHODS)})
    response = client.get(reverse("panel:compare", args=[pool_panel.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    svg = page[page.index("<svg") : page.index("</svg>")]
    for method in METHODS:
        name = method_name(method)  # "Leximin", "Legacy greedy draw": names, never the code
        assert f"{name} (min " in svg  # the legend names every line
        assert f'data-method="{method}"' in page and f"<th>{name}</th>" in page
        assert f"<th>{method}</th>" not in page
    assert "<script" not in svg.lower()
    assert svg.count("<path") >= len(METHODS)


def test_changed_quotas_make_results_outdated(client, pool_panel):  # noqa: F811
    client.post(reverse("panel:compute", args=[pool_panel.pk]), {"methods": ["leximin", "maximin"]})
    set_quotas(client, pool_panel, {**QUOTAS, ("gender", "other"): (1, 1)})
    page = client.get(reverse("panel:compare", args=[pool_panel.pk])).content.decode()
    assert "outdated" in page and "Nothing computed on the current pool" in page


def test_only_observatory_members(pool_panel):  # noqa: F811
    visitor = Client()
    response = visitor.get(reverse("panel:compare", args=[pool_panel.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
