"""/siting/<id>/: a saved scenario's summary, map, open sites and coverage by quartier."""

from __future__ import annotations

import pytest
from django.urls import reverse

from observatory.accounts.roles import ORGANISATION

from .test_views_new import create, member, scene  # noqa: F401 (fixtures)


def test_members_only(client, make_user, member, scene):  # noqa: F811
    scenario = create(client)
    url = reverse("siting:scenario", args=[scenario.pk])
    client.logout()
    assert client.get(url).status_code == 302
    client.force_login(make_user("asso", ORGANISATION))
    assert client.get(url).status_code == 403


def test_coverage_by_quartier_sums_to_the_total(client, member, scene, paris_areas):  # noqa: F811
    scenario = create(client)
    response = client.get(reverse("siting:scenario", args=[scenario.pk]))
    assert response.status_code == 200
    rows = response.context["result"]["quartiers"]
    named = [r for r in rows if r["name"]]
    assert len(named) >= 2 and rows[: len(named)] == named  # cells beyond the city's edge: one last row
    result = scenario.result
    assert sum(r["weight"] for r in rows) == pytest.approx(result["total_weight"])
    assert sum(r["covered"] for r in rows) == pytest.approx(result["covered_weight"])
    page = response.content.decode()
    assert 'id="quartiers"' in page and rows[0]["name"] in page


def test_map_and_open_sites_are_shown(client, member, scene):  # noqa: F811
    scenario = create(client, name="Deux salles")
    page = client.get(reverse("siting:scenario", args=[scenario.pk])).content.decode()
    assert "Deux salles" in page
    assert 'id="siting-result-map"' in page
    assert reverse("siting:geojson", args=[scenario.pk]) in page
    assert page.count('<tr data-site="') == 2
    assert 'data-status="optimal"' in page


def test_unknown_scenario(client, member):  # noqa: F811
    assert client.get(reverse("siting:scenario", args=[999])).status_code == 404
