"""/simulation/: observatory members start a what-if from the built-in scenario or a saved one."""

import pytest

from observatory.accounts.roles import OBSERVATORY, ORGANISATION
from observatory.simulation.models import SavedScenario

pytestmark = pytest.mark.django_db
URL = "/simulation/"


def test_only_observatory_members(client, make_user):
    assert client.get(URL)["Location"].startswith("/accounts/login/")
    client.force_login(make_user("worker", ORGANISATION))
    assert client.get(URL).status_code == 403
    client.force_login(make_user("member", OBSERVATORY))
    page = client.get(URL)
    assert page.status_code == 200 and "Built-in: Paris 2019-2021" in page.content.decode()


def test_start_from_the_built_in_scenario_then_from_the_saved_one(client, make_user):
    client.force_login(make_user("member", OBSERVATORY))
    response = client.post(URL, {"name": "Colline kept", "base": "builtin:paris", "days": "30", "seed": "4"})
    saved = SavedScenario.objects.get()
    assert response["Location"] == f"/simulation/scenarios/{saved.pk}/"
    assert saved.data["duration_days"] == 30 and saved.data["seed"] == 4 and saved.base == "paris"
    assert saved.data["name"] == "Colline kept" and len(saved.data["operations"]) == 3
    client.post(URL, {"name": "Copy", "base": f"saved:{saved.pk}"})
    copy = SavedScenario.objects.get(name="Copy")
    assert copy.base == "Colline kept" and copy.data["duration_days"] == 30


@pytest.mark.parametrize(
    ("field", "value"), [("days", "0"), ("days", "many"), ("base", "saved:999"), ("name", ""), ("seed", "-1")]
)
def test_bad_input_is_an_error_on_its_field_and_stores_nothing(client, make_user, field, value):
    client.force_login(make_user("member", OBSERVATORY))
    data = {"name": "x", "base": "builtin:paris", "days": "30", "seed": ""}
    data[field] = value
    response = client.post(URL, data)
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert not SavedScenario.objects.exists()
