"""The plan (/fieldwork/plan/ and /api/v1/fieldwork/plan): indicators computed from the data, charts."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from observatory.accounts.roles import OBSERVATORY
from observatory.fieldwork.core.plan import monday
from observatory.fieldwork.models import CarePlace, Indicator, IndicatorValue, PlaceCount
from observatory.fieldwork.services import indicators

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")


def housing(organisation, capacity, opened_on, closed_on=None):
    return CarePlace.objects.create(
        name=f"Logement {capacity}",
        kind="housing_care",
        organisation=organisation,
        lat=48.88,
        lon=2.37,
        capacity=capacity,
        opened_on=opened_on,
        closed_on=closed_on,
    )


def test_housing_places_open_is_the_sum_of_open_capacities(organisation):
    today = date(2026, 3, 11)  # a Wednesday
    housing(organisation, 20, date(2026, 1, 5))
    housing(organisation, 30, date(2026, 2, 2))
    housing(organisation, 10, date(2026, 1, 5), closed_on=date(2026, 2, 16))
    indicator = Indicator.objects.create(
        code="housing", name="Housing places", source="housing_places_open", target=80,
        start=date(2026, 1, 5), deadline=date(2026, 12, 31),
    )  # fmt: skip
    view = indicators.view(indicator, today=today)
    values = dict(view.series)
    assert values[date(2026, 1, 5)] == 30  # 20 + 10
    assert values[date(2026, 2, 2)] == 60  # + 30
    assert values[date(2026, 2, 16)] == 50  # the 10 closed
    assert view.progress.latest == 50 and view.progress.share == pytest.approx(50 / 80)


def test_weekly_indicators_from_rounds_and_room_visits(organisation, make_round, quartiers):
    this_week = monday(timezone.localdate())
    last_week = this_week - timedelta(days=7)
    for days in (0, 2):
        start = datetime.combine(last_week + timedelta(days=days), datetime.min.time(), PARIS) + timedelta(
            hours=20
        )
        make_round(organisation, started_at=start, new_contacts=4)
    room = CarePlace.objects.create(
        name="SCMR", kind="consumption_room", organisation=organisation, lat=48.88, lon=2.35,
        capacity=12, opened_on=date(2016, 10, 17),
    )  # fmt: skip
    PlaceCount.objects.create(place=room, date=last_week, visits=150)
    PlaceCount.objects.create(place=room, date=last_week + timedelta(days=1), visits=170)
    start = last_week - timedelta(days=14)
    contacts = Indicator.objects.create(
        code="contacts", name="Contacts", source="contacts_week", target=20, start=start,
        deadline=this_week + timedelta(days=300),
    )  # fmt: skip
    visits = Indicator.objects.create(
        code="visits", name="Visits", source="room_visits_week", target=2000, start=start,
        deadline=this_week + timedelta(days=300),
    )  # fmt: skip
    assert indicators.series(contacts)[-1] == (last_week, 8.0)  # the current week is left out
    assert indicators.series(visits)[-1] == (last_week, 320.0)
    assert indicators.series(visits)[0] == (start, 0.0)


def test_the_public_plan_page_and_its_charts(client, make_user, organisation):
    indicator = Indicator.objects.create(
        code="beds", name="Shelter beds", source="manual", target=100,
        start=date(2025, 1, 1), deadline=date(2026, 12, 31), unit="beds",
    )  # fmt: skip
    IndicatorValue.objects.create(indicator=indicator, date=date(2025, 6, 1), value=40)
    html = client.get("/fieldwork/plan/").content.decode()
    assert "Shelter beds" in html and "/fieldwork/plan/beds.svg" in html
    svg = client.get("/fieldwork/plan/beds.svg")
    assert svg["Content-Type"] == "image/svg+xml" and b"<svg" in svg.content
    api = client.get("/api/v1/fieldwork/plan").json()
    assert api[0]["latest"] == 40 and api[0]["series"] == [{"date": "2025-06-01", "value": 40.0}]
    # Manual values: observatory members only, never in the future.
    url = "/api/v1/fieldwork/plan/beds/values"
    body = {"date": str(timezone.localdate()), "value": 55}
    assert client.post(url, body, content_type="application/json").status_code == 401
    client.force_login(make_user("observer", OBSERVATORY))
    assert client.post(url, body, content_type="application/json").status_code == 201
    future = {"date": str(timezone.localdate() + timedelta(days=3)), "value": 99}
    assert client.post(url, future, content_type="application/json").status_code == 422
    assert indicators.view(indicator).progress.latest == 55


def test_counts_of_people_are_for_members_the_public_sees_target_and_status(client, make_user, organisation):
    """Room visits per week are an exact count of people: not on the public plan page, chart, API or
    bulletin, where only the release engine's noisy numbers go; members see them."""
    from observatory.accounts.roles import ORGANISATION

    this_week = monday(timezone.localdate())
    last_week = this_week - timedelta(days=7)
    room = CarePlace.objects.create(
        name="SCMR", kind="consumption_room", organisation=organisation, lat=48.88, lon=2.35,
        capacity=12, opened_on=date(2016, 10, 17),
    )  # fmt: skip
    PlaceCount.objects.create(place=room, date=last_week, visits=1373)
    Indicator.objects.create(
        code="visits", name="Room visits per week", source="room_visits_week", target=2000,
        start=last_week - timedelta(days=14), deadline=this_week + timedelta(days=300),
    )  # fmt: skip

    page = client.get("/fieldwork/plan/").content.decode()
    assert "Room visits per week" in page and "1373" not in page and "1,373" not in page
    assert "values-private" in page and "/fieldwork/plan/visits.svg" not in page
    assert client.get("/fieldwork/plan/visits.svg").status_code == 404
    public = client.get("/api/v1/fieldwork/plan").json()[0]
    assert public["latest"] is None and public["series"] == [] and public["on_track"] is not None
    # Subscribers' digests and feeds: the same rule.
    from observatory.subscriptions.services import plan_lines

    (line,) = plan_lines()
    assert line.latest is None and line.target == 2000 and line.on_track is not None

    client.force_login(make_user("maraude", ORGANISATION))
    page = client.get("/fieldwork/plan/").content.decode()
    assert "1373" in page.replace("\u202f", "").replace(",", "").replace("\xa0", "")
    assert client.get("/fieldwork/plan/visits.svg").status_code == 200
    assert client.get("/api/v1/fieldwork/plan").json()[0]["latest"] == 1373
