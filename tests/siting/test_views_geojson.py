"""/siting/<id>/scenario.geojson: a valid GeoJSON document of the sites and demand cells."""

from __future__ import annotations

import json

import h3
import pytest
from django.urls import reverse
from shapely.geometry import shape

from .test_views_new import create, member, scene  # noqa: F401 (fixtures)


def test_export_is_valid_geojson(client, member, scene):  # noqa: F811
    scenario = create(client)
    response = client.get(reverse("siting:geojson", args=[scenario.pk]) + "?download=1")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    assert "attachment" in response["Content-Disposition"]
    doc = json.loads(response.content)
    assert doc["type"] == "FeatureCollection"
    assert doc["scenario"]["model"] == "mclp" and doc["scenario"]["status"] == "optimal"
    kinds: dict[str, int] = {}
    for f in doc["features"]:
        assert f["type"] == "Feature" and set(f) == {"type", "geometry", "properties"}
        geom = shape(f["geometry"])
        assert geom.is_valid and not geom.is_empty
        lon, lat = geom.centroid.x, geom.centroid.y  # RFC 7946: longitude first
        assert 48.8 < lat < 48.95 and 2.2 < lon < 2.5
        kinds[f["properties"]["kind"]] = kinds.get(f["properties"]["kind"], 0) + 1
    assert kinds == {"open_site": 2, "candidate": 2, "demand": len(scenario.demand["ids"])}
    opened = {f["properties"]["id"] for f in doc["features"] if f["properties"]["kind"] == "open_site"}
    demand = [f for f in doc["features"] if f["properties"]["kind"] == "demand"]
    # demand cells are hexagons, never a report's point; each names the site serving it
    assert all(f["geometry"]["type"] == "Polygon" and h3.is_valid_cell(f["properties"]["id"]) for f in demand)
    assert {f["properties"]["site"] for f in demand} <= opened
    assert sum(f["properties"]["weight"] for f in demand) == pytest.approx(scenario.result["total_weight"])
    ring = next(f for f in doc["features"] if f["properties"]["kind"] == "open_site")["properties"]["ring_m"]
    assert ring == pytest.approx(800 / 1.3)  # the radius on the ground, detour taken out


def test_members_only(client, member, scene):  # noqa: F811
    scenario = create(client)
    client.logout()
    assert client.get(reverse("siting:geojson", args=[scenario.pk])).status_code == 302
