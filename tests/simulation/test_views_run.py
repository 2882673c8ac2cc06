"""/simulation/scenarios/<id>/run/ and /simulation/runs/<id>/: a run with its progress and outputs."""

import re

import pytest

from observatory.accounts.roles import OBSERVATORY
from observatory.simulation import services
from observatory.simulation.core.scenario import scenario_from_dict
from observatory.simulation.forms import builtin_data
from observatory.simulation.models import Run, SavedScenario

pytestmark = pytest.mark.django_db


def saved_paris(days: float = 8, **changes) -> SavedScenario:
    """The built-in Paris scenario, shortened, saved by a member (changes: top-level fields)."""
    data = scenario_from_dict(builtin_data()).with_overrides(days=days).model_dump(mode="json")
    data.update(changes)
    return SavedScenario.objects.create(name="Paris short", base="paris", data=data)


@pytest.fixture
def member_client(client, make_user, settings):
    settings.SIMULATION_RUNS_IN_BACKGROUND = False  # deterministic: the runner works in the request
    client.force_login(make_user("member", OBSERVATORY))
    return client


def test_run_finishes_with_compact_outputs_maps_and_charts(member_client, paris_areas):
    saved = saved_paris()
    response = member_client.post(f"/simulation/scenarios/{saved.pk}/run/", {"label": "baseline"})
    run = Run.objects.get()
    assert response["Location"] == f"/simulation/runs/{run.pk}/"
    assert run.status == "done" and run.percent == 100 and run.label == "baseline"
    out = run.outputs
    assert out["days"] == 8 and len(out["uses_per_place_day"]) == 8 and len(out["places"]) == 5
    assert (
        sum(map(sum, out["uses_per_place_day"])) + out["summary"]["uses_in_rooms"]
        == out["summary"]["events"]["use"]
    )
    assert sum(map(sum, out["room_uses_per_day"])) == out["summary"]["uses_in_rooms"] > 0
    quartiers = out["reports_per_quartier"]
    total = sum(c for _name, c in quartiers["areas"].values()) + quartiers["outside"]
    assert total == sum(out["summary"]["reports"].values())
    assert any(name == "Villette" for name, _c in quartiers["areas"].values())  # Stalingrad's quartier
    page = member_client.get(f"/simulation/runs/{run.pk}/").content.decode()
    assert page.count("<svg") == 4 and "Colline du crack" in page
    assert member_client.get(f"/simulation/runs/{run.pk}/?format=json").json() == {
        "status": "done", "percent": 100, "error": ""}  # fmt: skip


def test_progress_is_saved_while_running(member_client, monkeypatch):
    saved = saved_paris()
    seen = []

    class Watched(services.Simulation):
        def run(self, progress=None):
            def watch(done, total):
                progress(done, total)
                seen.append(Run.objects.values_list("status", "percent").get())

            return super().run(progress=watch)

    monkeypatch.setattr(services, "Simulation", Watched)
    member_client.post(f"/simulation/scenarios/{saved.pk}/run/", {})
    assert {status for status, _p in seen} == {"running"}
    percents = [p for _s, p in seen]
    assert len(set(percents)) > 5 and percents == sorted(percents) and percents[-1] == 95
    assert Run.objects.get().percent == 100


def test_a_failing_run_shows_its_error(member_client, monkeypatch):
    saved = saved_paris()
    monkeypatch.setattr(services, "compact", lambda result: 1 / 0)
    member_client.post(f"/simulation/scenarios/{saved.pk}/run/", {})
    run = Run.objects.get()
    assert run.status == "failed" and "division by zero" in run.error
    assert "division by zero" in member_client.get(f"/simulation/runs/{run.pk}/").content.decode()


def test_too_many_runs_under_way_is_refused(member_client):
    saved = saved_paris()
    for i in range(services.MAX_ACTIVE_RUNS):
        Run.objects.create(label=f"r{i}", data=saved.data, status="running")
    response = member_client.post(f"/simulation/scenarios/{saved.pk}/run/", {})
    assert response.status_code == 429 and Run.objects.count() == services.MAX_ACTIVE_RUNS


def test_background_thread_runs_it(client, make_user, settings, transactional_db):
    """The real thing: the view returns at once, the thread finishes the run."""
    import time

    client.force_login(make_user("member", OBSERVATORY))
    saved = saved_paris(days=1)
    client.post(f"/simulation/scenarios/{saved.pk}/run/", {})
    run = Run.objects.get()
    deadline = time.monotonic() + 120  # generous: CI machines are shared
    while not run.finished and time.monotonic() < deadline:
        time.sleep(0.1)
        run.refresh_from_db()
    assert run.status == "done", run.error


def test_the_run_page_reads_as_french_with_grouped_numbers_and_readable_charts(member_client, paris_areas):
    """Issue 19: "Statut : terminée" and "19 414" in French, days in words under the charts."""
    saved = saved_paris()
    member_client.post(f"/simulation/scenarios/{saved.pk}/run/", {"label": "baseline"})
    run = Run.objects.get()
    page = member_client.get(f"/simulation/runs/{run.pk}/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Statut\u00a0: <strong" in page and "Scénario\u00a0: Paris short" in page
    assert "Statut:" not in page and "Scénario:" not in page
    assert "1er juin" in page and ">2019-06-01<" not in page  # the charts' days in words, not ISO
    assert re.search(r"<td class=\"num\">\d{1,3}\u00a0\d{3}</td>", page), "thousands grouped in French"
