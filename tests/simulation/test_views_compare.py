"""/simulation/compare/: two finished runs side by side, where the scene went, reports, rooms."""

import pytest

from observatory.accounts.roles import OBSERVATORY
from observatory.simulation import services
from observatory.simulation.core.scenario import scenario_from_dict
from observatory.simulation.forms import builtin_data
from observatory.simulation.models import Run, SavedScenario

pytestmark = pytest.mark.django_db
URL = "/simulation/compare/"


def saved_paris(days: float = 8, **changes) -> SavedScenario:
    """The built-in Paris scenario, shortened, saved by a member (changes: top-level fields)."""
    data = scenario_from_dict(builtin_data()).with_overrides(days=days).model_dump(mode="json")
    data.update(changes)
    return SavedScenario.objects.create(name="Paris short", base="paris", data=data)


def _run(label, **changes) -> Run:
    saved = saved_paris(**changes)
    run = Run.objects.create(label=label, scenario=saved, data=saved.data)
    services.execute(run.pk)
    run.refresh_from_db()
    return run


def test_clearing_the_colline_moves_the_scene_and_the_page_shows_it(client, make_user, paris_areas):
    client.force_login(make_user("member", OBSERVATORY))
    a = _run("as it was", operations=[])
    b = _run("colline cleared", operations=[{"place": "colline", "start": "2019-06-01", "label": "cleared"}])
    response = client.get(URL, {"a": a.pk, "b": b.pk})
    assert response.status_code == 200
    places = {p["name"]: p for p in response.context["places"]}
    colline = places["Colline du crack (Porte de la Chapelle)"]
    assert colline["uses"][0] > 1000 and colline["uses"][1] == 0
    aubervilliers = places["Porte d'Aubervilliers"]
    assert aubervilliers["change"] > 0  # the scene went next door
    page = response.content.decode()
    assert page.count("<svg") == 4 and 'id="place-table"' in page


@pytest.mark.parametrize("query", [{"a": "999", "b": "1"}, {"a": "x"}, {"b": ""}])
def test_bad_choice_is_an_error_on_its_field(client, make_user, query):
    client.force_login(make_user("member", OBSERVATORY))
    response = client.get(URL, query)
    assert response.status_code == 400 and response.context["form"].errors


def test_a_run_not_finished_cannot_be_compared(client, make_user):
    client.force_login(make_user("member", OBSERVATORY))
    queued = Run.objects.create(label="q", data={})
    response = client.get(URL, {"a": queued.pk, "b": queued.pk})
    assert response.status_code == 400 and "a" in response.context["form"].errors
