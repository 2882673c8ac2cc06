"""/simulation/scenarios/<id>/: add, move and remove operations and rooms; errors on their fields."""

import re

import pytest

from observatory.accounts.roles import OBSERVATORY
from observatory.simulation.core.scenario import scenario_from_dict
from observatory.simulation.forms import builtin_data
from observatory.simulation.models import SavedScenario

pytestmark = pytest.mark.django_db


def saved_paris(days: float = 8, **changes) -> SavedScenario:
    """The built-in Paris scenario, shortened, saved by a member (changes: top-level fields)."""
    data = scenario_from_dict(builtin_data()).with_overrides(days=days).model_dump(mode="json")
    data.update(changes)
    return SavedScenario.objects.create(name="Paris short", base="paris", data=data)


ROOM = {
    "room-name": "R",
    "room-kind": "consumption_room",
    "room-lat": "48.8878",
    "room-lon": "2.3642",
    "room-opening_hours": "10:00-22:00",
    "room-share": "0.4",
    "room-walk_m": "800",
    "room-capacity_per_step": "15",
}


@pytest.fixture
def member_client(client, make_user):
    client.force_login(make_user("member", OBSERVATORY))
    return client


def test_page_lists_operations_and_rooms(member_client):
    saved = saved_paris()
    page = member_client.get(f"/simulation/scenarios/{saved.pk}/").content.decode()
    assert "SCMR Lariboisière" in page and "clearance of the colline" in page


def test_the_places_label_takes_its_colon_in_each_language(member_client):
    # "Places: ..." in English, "Lieux : ..." in French (a no-break space before the colon).
    saved = saved_paris()
    page = member_client.get(f"/simulation/scenarios/{saved.pk}/").content.decode()
    assert "Places: " in page
    french = member_client.get(
        f"/simulation/scenarios/{saved.pk}/", HTTP_ACCEPT_LANGUAGE="fr"
    ).content.decode()
    assert re.search("Lieux[\u00a0\u202f ]: ", french), "no French colon after Lieux"


def test_add_then_move_then_remove_an_operation(member_client):
    saved = saved_paris(operations=[])
    url = f"/simulation/scenarios/{saved.pk}/operations/"
    data = {
        "prefix": "op",
        "op-place": "stalingrad",
        "op-start": "2019-06-03",
        "op-days": "2",
        "op-label": "x",
    }
    assert member_client.post(url, data).status_code == 302
    saved.refresh_from_db()
    assert saved.data["operations"] == [
        {"place": "stalingrad", "start": "2019-06-03", "days": 2.0, "label": "x"}
    ]
    move = {
        "prefix": "op0",
        "op0-index": "0",
        "op0-place": "colline",
        "op0-start": "2019-06-04",
        "op0-days": "",
    }
    assert member_client.post(url, move).status_code == 302
    saved.refresh_from_db()
    assert saved.data["operations"][0]["place"] == "colline" and saved.data["operations"][0]["days"] is None
    assert len(saved.data["operations"]) == 1
    member_client.post(f"/simulation/scenarios/{saved.pk}/operations/0/delete/")
    saved.refresh_from_db()
    assert saved.data["operations"] == []


@pytest.mark.parametrize(
    ("field", "value"),
    [("start", "2030-01-01"), ("start", "soon"), ("place", "nowhere"), ("days", "-1"), ("index", "7")],
)
def test_bad_operation_is_an_error_on_its_field(member_client, field, value):
    saved = saved_paris()
    before = SavedScenario.objects.get(pk=saved.pk).data
    data = {"prefix": "op", "op-place": "stalingrad", "op-start": "2019-06-03", "op-days": "2"}
    data[f"op-{field}"] = value
    response = member_client.post(f"/simulation/scenarios/{saved.pk}/operations/", data)
    assert response.status_code == 400
    assert response.context["operation_form"].errors[field]
    assert SavedScenario.objects.get(pk=saved.pk).data == before


def test_add_and_move_a_room(member_client):
    saved = saved_paris()
    url = f"/simulation/scenarios/{saved.pk}/rooms/"
    room = {"prefix": "room", **ROOM, "room-name": "Salle Éole"}
    assert member_client.post(url, room).status_code == 302
    saved.refresh_from_db()
    added = saved.data["rooms"][-1]
    assert added["id"] == "room-1" and added["opening_hours"] == ["10:00-22:00"] and added["walk_m"] == 800
    moved = {k.replace("room-", "room1-"): v for k, v in room.items() if k != "prefix"}
    moved.update({"prefix": "room1", "room1-index": "1", "room1-lat": "48.8900"})
    assert member_client.post(url, moved).status_code == 302
    saved.refresh_from_db()
    assert saved.data["rooms"][1]["lat"] == 48.89 and saved.data["rooms"][1]["id"] == "room-1"


@pytest.mark.parametrize(
    ("field", "value"), [("lat", "91"), ("opening_hours", "all day"), ("opening_hours", "25:00-26:00"),
                         ("share", "1.5"), ("name", "")],
)  # fmt: skip
def test_bad_room_is_an_error_on_its_field(member_client, field, value):
    saved = saved_paris()
    room = {"prefix": "room", **ROOM, "room-kind": "care"}
    room[f"room-{field}"] = value
    response = member_client.post(f"/simulation/scenarios/{saved.pk}/rooms/", room)
    assert response.status_code == 400
    assert response.context["room_form"].errors[field]
    assert len(SavedScenario.objects.get(pk=saved.pk).data["rooms"]) == 1
