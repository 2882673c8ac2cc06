"""/siting/<id>/robustness/: re-solve on each of the last N months, count how often each site wins."""

from __future__ import annotations

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from .test_demand import add_reports
from .test_views_new import create, member  # noqa: F401 (fixtures)

STAL, AUBER = (48.8840, 2.3680), (48.8980, 2.3700)
THREE_SITES = "STAL,48.8840,2.3680\nAUBER,48.8980,2.3700\nBAST,48.8530,2.3690"


def moving_scene():
    """The scene sits at Stalingrad 70-110 days ago, then at the Porte d'Aubervilliers 5-55 days ago."""
    now = timezone.now()
    rows = [(*STAL, "drug_use", now - timedelta(days=70 + d)) for d in range(40)]
    rows += [(*AUBER, "drug_use", now - timedelta(days=5 + d)) for d in range(0, 50, 2)]
    add_reports(rows)


def test_counts_follow_the_scene_as_it_moves(client, member):  # noqa: F811
    moving_scene()
    scenario = create(client, sites_text=THREE_SITES, p="1", radius="500")
    response = client.post(reverse("siting:robustness", args=[scenario.pk]), {"months": "4"})
    assert response.status_code == 302 and response.url.endswith("#robustness")
    scenario.refresh_from_db()
    rob = scenario.robustness
    assert rob["runs"] == 4 and len(rob["periods"]) == 4
    counts = dict(zip([s["id"] for s in scenario.sites], rob["counts"], strict=True))
    assert counts == {"STAL": 2, "AUBER": 2, "BAST": 0}
    assert [p["open"] for p in rob["periods"]] == [["STAL"], ["STAL"], ["AUBER"], ["AUBER"]]
    page = client.get(reverse("siting:scenario", args=[scenario.pk])).content.decode()
    assert 'data-site="STAL" data-chosen="2"' in page and 'data-site="AUBER" data-chosen="2"' in page


def test_months_without_reports_are_not_runs(client, member):  # noqa: F811
    moving_scene()
    scenario = create(client, sites_text=THREE_SITES, p="1", radius="500")
    client.post(reverse("siting:robustness", args=[scenario.pk]), {"months": "6"})
    scenario.refresh_from_db()
    statuses = [p["status"] for p in scenario.robustness["periods"]]
    assert statuses[:2] == ["no_demand", "no_demand"] and scenario.robustness["runs"] == 4


def test_bad_months_and_file_demand_refused(client, member):  # noqa: F811
    moving_scene()
    scenario = create(client, sites_text=THREE_SITES, p="1", radius="500")
    url = reverse("siting:robustness", args=[scenario.pk])
    response = client.post(url, {"months": "1"})
    assert response.status_code == 400 and "months" in response.context["robustness_form"].errors
    demand = SimpleUploadedFile("demand.csv", b"id,weight,lat,lon\nd1,5,48.884,2.368\n")
    from_file = create(client, demand_source="file", demand_file=demand, sites_text=THREE_SITES, p="1")
    response = client.post(reverse("siting:robustness", args=[from_file.pk]), {"months": "3"})
    assert response.status_code == 400
    assert "a file has no months" in " ".join(response.context["robustness_form"].errors["months"])
    from_file.refresh_from_db()
    assert from_file.robustness is None
    assert client.get(url)["Location"].endswith("#robustness")  # GET only shows the section
