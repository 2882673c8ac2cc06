"""/siting/new/: observatory members set up a scenario, it is solved and saved; bad input is
refused with the message on the field to change, and nothing is saved."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from observatory.accounts.roles import MODERATOR, OBSERVATORY
from observatory.reports.models import Area
from observatory.siting.models import Scenario

from .test_demand import add_reports, scene_rows

# Candidates near the scene: Stalingrad, Porte d'Aubervilliers, Éole, and one far away (Bastille).
SITES = "STAL,48.8840,2.3680\nAUBER,48.8980,2.3700\nEOLE,48.8875,2.3645\nBAST,48.8530,2.3690"


@pytest.fixture
def member(client, make_user):
    user = make_user("analyste", OBSERVATORY)
    client.force_login(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # messages are asserted in their English source
    return user


@pytest.fixture
def scene(db):
    """Half a year of published reports around the scene (demo-like), ending yesterday."""
    return add_reports(scene_rows(600, seed=7, end=timezone.now() - timedelta(days=1)))


def form_data(**overrides) -> dict:
    today = timezone.localdate()
    data = {
        "name": "Three rooms near the scene",
        "demand_source": "reports",
        "since": (today - timedelta(days=180)).isoformat(),
        "until": today.isoformat(),
        "resolution": "9",
        "weight_drug_use": "2",
        "weight_dealing": "1",
        "weight_litter": "0",
        "weight_gathering": "1",
        "sites_text": SITES,
        "grid_spacing": "400",
        "model": "mclp",
        "p": "2",
        "radius": "800",
        "detour": "1.3",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def create(client, **overrides) -> Scenario:
    response = client.post(reverse("siting:new"), form_data(**overrides))
    assert response.status_code == 302, response.content.decode()[:3000]
    return Scenario.objects.get(pk=int(response.url.rstrip("/").split("/")[-1]))


def test_members_only(client, make_user):
    url = reverse("siting:new")
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(make_user("moderatrice", MODERATOR))
    assert client.get(url).status_code == 403


def test_form_offers_every_choice(client, member, scene, paris_areas):
    page = client.get(reverse("siting:new")).content.decode()
    fields = ("weight_drug_use", "sites_text", "sites_file", "grid_areas", "demand_file", "fixed", "excluded")
    for name in fields:
        assert f'name="{name}"' in page
    # The quartiers of a grid are boxes to tick (no ctrl-click list), each named by its quartier.
    box = r'<label><input type="checkbox" name="grid_areas" value="\d+"[^>]*> ([^<]+)</label>'
    boxes = re.findall(box, page)
    assert '<select name="grid_areas"' not in page and "La Chapelle" in boxes
    assert 'id="siting-pick-map"' in page and "<script>" not in page  # static scripts only


def test_scenario_on_the_scene_opens_the_sites_near_it(client, member, scene):
    scenario = create(client)
    result = scenario.result
    assert result["status"] == "optimal"
    opened = {scenario.sites[j]["id"] for j in result["open"]}
    assert len(opened) == 2 and "BAST" not in opened  # Bastille is far from every report
    assert 0 < result["coverage_share"] <= 1
    assert scenario.inputs["demand"]["weights"]["litter"] == 0
    page = client.get(reverse("siting:scenario", args=[scenario.pk])).content.decode()
    for site in opened:
        assert f'data-site="{site}"' in page


def test_grid_over_chosen_quartiers(client, member, scene, paris_areas):
    areas = Area.objects.filter(level="quartier", name__in=["La Chapelle", "Villette"])
    assert areas.count() == 2
    grid = [str(a.pk) for a in areas]
    scenario = create(client, sites_text="", grid_areas=grid, grid_spacing="500", model="pmedian", p="2")
    assert len(scenario.sites) >= 4 and all(s["id"].startswith("G") for s in scenario.sites)
    assert len(scenario.result["open"]) == 2
    assert scenario.result["mean_cost"] > 0
    # The page names a grid point by its number and quartier, never by its internal id.
    page = client.get(reverse("siting:scenario", args=[scenario.pk])).content.decode()
    rows = re.findall(r'<tr data-site="(G\d+)"><td>([^<]*)', page)
    assert len(rows) == 2
    for site_id, label in rows:
        assert label.startswith(f"Grid point {site_id[1:]}, ")
        assert label.split(", ")[1] in ("La Chapelle", "Villette")


def test_sites_and_demand_from_files(client, member):
    demand = SimpleUploadedFile("demand.csv", b"id,weight,lat,lon\nd1,5,48.884,2.368\nd2,1,48.899,2.371\n")
    sites = SimpleUploadedFile("sites.csv", b"id,lat,lon\nA,48.8845,2.3675\nB,48.8990,2.3700\n")
    files = {"demand_file": demand, "sites_file": sites}
    scenario = create(client, demand_source="file", sites_text="", model="lscp", p=None, **files)
    assert scenario.inputs["demand"] == {"source": "file", "file": "demand.csv"}
    assert sorted(scenario.sites[j]["id"] for j in scenario.result["open"]) == ["A", "B"]
    assert scenario.result["coverage_share"] == 1.0


def refused(client, field: str, **overrides) -> str:
    before = Scenario.objects.count()
    response = client.post(reverse("siting:new"), form_data(**overrides))
    assert response.status_code == 400
    assert Scenario.objects.count() == before  # nothing half-written
    errors = response.context["form"].errors
    assert field in errors, errors
    return " ".join(errors[field])


def test_forced_sites_that_are_also_excluded(client, member, scene):
    message = refused(client, "fixed", fixed="STAL, EOLE", excluded="EOLE")
    assert message == "site(s) EOLE are both forced open and excluded"


def test_bad_input_on_its_field(client, member, scene):
    assert "UNKNOWN" in refused(client, "fixed", fixed="UNKNOWN")
    assert "needs a radius" in refused(client, "radius", radius="")
    assert "larger than the 1 candidate sites left" in refused(client, "p", p="4", excluded="STAL,AUBER,EOLE")
    assert "smaller than the 2 sites forced open" in refused(client, "p", p="1", fixed="STAL,EOLE")
    assert "Line 2" in refused(client, "sites_text", sites_text="A,48.88,2.36\nnot a site")
    assert "outside the city" in refused(client, "sites_text", sites_text="48.0,2.36")
    assert "at least one candidate" in refused(client, "sites_text", sites_text="")
    assert "No published report" in refused(client, "since", since="2001-01-01", until="2001-02-01")
    assert "comes before" in refused(client, "until", since="2026-02-01", until="2026-01-01")
    assert "at least one category" in refused(
        client, "weight_drug_use", weight_drug_use="0", weight_dealing="0", weight_gathering="0"
    )
    assert "p-median" in refused(client, "capacity", capacity="10")
    assert "no candidate site within the radius" in refused(client, "radius", model="lscp", radius="50")


def test_bad_demand_file_names_line_and_field(client, member):
    bad = SimpleUploadedFile("mes-besoins.csv", b"id,weight,lat,lon\nd1,5,48.884,2.368\nd2,-3,48.899,2.371\n")
    message = refused(client, "demand_file", demand_source="file", demand_file=bad)
    assert message.startswith("mes-besoins.csv, line 3: field 'weight'")


def test_candidates_near_sensitive_places_are_excluded(client, member, scene):
    from observatory.consultation.models import SensitivePlace

    SensitivePlace.objects.create(name="École Tandou", kind="school", lat=48.8842, lon=2.3683)
    message = refused(client, "fixed", fixed="STAL", exclude_distance="100")
    assert message == "site(s) STAL forced open lie within 100 m of a sensitive place"
    scenario = create(client, exclude_distance="100")
    opened = {scenario.sites[j]["id"] for j in scenario.result["open"]}
    assert "STAL" not in opened and scenario.result["excluded"] == [0]


def test_time_limit_reported_with_its_gap(client, member, scene, monkeypatch):
    from observatory.siting import services, views

    real = services.solve_model

    def stopped_early(*args, **kwargs):
        assert kwargs["time_limit"] == views.TIME_LIMIT_S  # a worker waits no longer
        result = real(*args, **kwargs)
        result.status, result.gap = "time_limit", 0.042
        return result

    monkeypatch.setattr(services, "solve_model", stopped_early)  # on the worker
    response = client.post(reverse("siting:new"), form_data(), follow=True)
    scenario = Scenario.objects.get()
    assert scenario.result["status"] == "time_limit" and scenario.result["gap"] == 0.042
    page = response.content.decode()
    assert 'data-status="time_limit"' in page and "at most 4.2 % better" in page
    assert "time limit was reached" in page and "best sites found within the time limit" in page
    assert "(time_limit)" not in page
