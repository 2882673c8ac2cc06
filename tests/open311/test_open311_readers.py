"""Who reads what over Open311 GET: anyone, the reporter with the report's token, a city-service key.

Anyone (no key, a submit-only key, a token for another report) gets no free text, no report of a
category for people who use drugs, and the day instead of the minute. The reporter who presents
the token reads their own report in full; a key created with ``--role city-service`` reads every
public report in full.
"""

from __future__ import annotations

import io
from datetime import datetime, time, timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from open311_helpers import BASE, STALINGRAD, as_text, xml_items

from observatory.open311.public import ANONYMOUS, Reader, public_service_requests
from observatory.reports.models import ApiKey, Report

TEXT = "Seringues au pied de l'escalier"
PWUD_TEXT = "On m'a refusé l'entrée du centre"


def _local_midnight(value: datetime) -> datetime:
    local = timezone.localtime(value, timezone.get_default_timezone())
    return datetime.combine(local.date(), time(0), tzinfo=local.tzinfo)


def _minute(value: datetime) -> str:
    return (
        timezone.localtime(value, timezone.get_default_timezone())
        .replace(second=0, microsecond=0)
        .isoformat()
    )


def _observe_at(report: Report, when: datetime) -> Report:
    Report.objects.filter(pk=report.pk).update(observed_at=when)
    report.refresh_from_db()
    return report


@pytest.fixture
def scene(make_report) -> dict[str, Report]:
    """A published litter report with text, a published one for people who use drugs, a pending one."""
    return {
        "litter": make_report(description=TEXT),
        "pwud": make_report(category="care_refused", description=PWUD_TEXT),
        "pending": make_report("pending", description="pas encore modéré"),
    }


def by_id(response) -> dict[str, dict]:
    assert response.status_code == 200, response.content
    return {r["service_request_id"]: r for r in response.json()}


# --- anyone -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_anonymous_list_json_hides_text_pwud_and_minutes(client, scene, open311_schema):
    response = client.get(BASE + "requests.json")
    body = response.json()
    open311_schema(body, "requests.json")
    rows = by_id(response)
    assert list(rows) == [str(scene["litter"].pk)]  # neither the pwud report nor the pending one
    item = rows[str(scene["litter"].pk)]
    open311_schema(item, "request.json")
    assert item["description"] is None
    assert item["media_url"] is None
    assert item["updated_datetime"] is None
    requested = datetime.fromisoformat(item["requested_datetime"])
    assert requested == _local_midnight(scene["litter"].observed_at)
    assert (requested.hour, requested.minute, requested.second) == (0, 0, 0)
    assert TEXT not in response.content.decode()
    assert "care_refused" not in response.content.decode()


@pytest.mark.django_db
def test_anonymous_list_xml_hides_text_pwud_and_minutes(client, scene):
    response = client.get(BASE + "requests.xml")
    content = response.content.decode()
    items = xml_items(response, "service_requests", "request")
    assert [i["service_request_id"] for i in items] == [str(scene["litter"].pk)]
    [item] = items
    assert item["description"] == ""
    assert item["requested_datetime"] == _local_midnight(scene["litter"].observed_at).isoformat()
    assert items == as_text(client.get(BASE + "requests.json").json())
    for secret in (TEXT, "escalier", PWUD_TEXT, "care_refused", str(scene["pwud"].pk)):
        assert secret not in content


@pytest.mark.django_db
def test_anonymous_by_id_hides_text_and_minute_and_pwud_is_404(client, scene, open311_schema):
    litter = client.get(f"{BASE}requests/{scene['litter'].pk}.json")
    assert litter.status_code == 200
    open311_schema(litter.json(), "requests.json")
    [item] = litter.json()
    assert item["description"] is None
    assert item["requested_datetime"] == _local_midnight(scene["litter"].observed_at).isoformat()
    [xml_item] = xml_items(
        client.get(f"{BASE}requests/{scene['litter'].pk}.xml"), "service_requests", "request"
    )
    assert xml_item["description"] == ""
    assert xml_item["requested_datetime"] == item["requested_datetime"]
    for path in ("requests", "request"):
        for fmt in ("json", "xml"):
            response = client.get(f"{BASE}{path}/{scene['pwud'].pk}.{fmt}")
            assert response.status_code == 404, (path, fmt)
            assert PWUD_TEXT not in response.content.decode()
    unknown = client.get(f"{BASE}requests/5f0c8d4e-0000-4000-8000-000000000000.json")
    pwud = client.get(f"{BASE}requests/{scene['pwud'].pk}.json")
    # Exactly as if it did not exist: the same message but for the id it repeats.
    assert pwud.json()[0]["description"].replace(str(scene["pwud"].pk), "ID") == unknown.json()[0][
        "description"
    ].replace("5f0c8d4e-0000-4000-8000-000000000000", "ID")


@pytest.mark.django_db
def test_anonymous_filter_on_a_pwud_service_is_an_empty_list(client, scene):
    for code in ("care_refused", "violence_suffered"):
        response = client.get(BASE + "requests.json", {"service_code": code})
        assert response.status_code == 200
        assert response.json() == []
        assert (
            xml_items(
                client.get(BASE + "requests.xml", {"service_code": code}), "service_requests", "request"
            )
            == []
        )
    mixed = client.get(BASE + "requests.json", {"service_code": "litter,care_refused"})
    assert list(by_id(mixed)) == [str(scene["litter"].pk)]
    ids = f"{scene['litter'].pk},{scene['pwud'].pk}"
    assert list(by_id(client.get(BASE + "requests.json", {"service_request_id": ids}))) == [
        str(scene["litter"].pk)
    ]


@pytest.mark.django_db
def test_anonymous_date_filters_work_by_whole_days(client, make_report, role_key):
    """Bisecting start_date/end_date minute by minute does not give the minute back."""
    day = timezone.localdate() - timedelta(days=10)
    seen = timezone.make_aware(datetime.combine(day, time(14, 37)))
    report = _observe_at(make_report(), seen)
    after = {
        "start_date": (seen + timedelta(minutes=1)).isoformat(),
        "end_date": (seen + timedelta(minutes=2)).isoformat(),
    }
    before = {
        "start_date": (seen - timedelta(minutes=2)).isoformat(),
        "end_date": (seen - timedelta(minutes=1)).isoformat(),
    }
    for window in (after, before):
        assert list(by_id(client.get(BASE + "requests.json", window))) == [str(report.pk)]
        assert by_id(client.get(BASE + "requests.json", {**window, "api_key": role_key})) == {}
    next_day = {"start_date": (day + timedelta(days=1)).isoformat()}
    assert by_id(client.get(BASE + "requests.json", next_day)) == {}
    assert list(by_id(client.get(BASE + "requests.json", {"end_date": day.isoformat()}))) == [str(report.pk)]
    assert (
        by_id(client.get(BASE + "requests.json", {"end_date": (day - timedelta(days=1)).isoformat()})) == {}
    )


@pytest.mark.django_db
def test_anonymous_reads_see_a_report_only_once_its_whole_day_is_past_the_delay(make_report):
    """A report does not appear at observation + 24 h (which would give its minute), but at midnight."""
    day = timezone.localdate() - timedelta(days=5)
    seen = timezone.make_aware(datetime.combine(day, time(10, 0)))
    report = _observe_at(make_report(), seen)
    next_day = timezone.make_aware(datetime.combine(day + timedelta(days=1), time(11, 0)))
    full = Reader(full=True)
    assert [r["service_request_id"] for r in public_service_requests(reader=full, now=next_day)] == [
        str(report.pk)
    ]
    assert public_service_requests(reader=ANONYMOUS, now=next_day) == []
    after_midnight = timezone.make_aware(datetime.combine(day + timedelta(days=2), time(0, 30)))
    rows = public_service_requests(reader=ANONYMOUS, now=after_midnight)
    assert [r["service_request_id"] for r in rows] == [str(report.pk)]


@pytest.mark.django_db
def test_anonymous_order_within_a_day_is_not_the_time(make_report):
    day = timezone.localdate() - timedelta(days=4)
    reports = [
        _observe_at(make_report(), timezone.make_aware(datetime.combine(day, time(hour, 5))))
        for hour in (8, 12, 16, 20)
    ]
    older = _observe_at(
        make_report(), timezone.make_aware(datetime.combine(day - timedelta(days=1), time(23, 0)))
    )
    rows = [r["service_request_id"] for r in public_service_requests(reader=ANONYMOUS)]
    assert rows[:4] == sorted(str(r.pk) for r in reports)  # by id inside the day
    assert rows[4] == str(older.pk)  # days stay newest first


# --- keys ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_submit_only_key_reads_like_anyone(client, scene, api_key):
    assert ApiKey.objects.get(name="test-client").role == ApiKey.Role.SUBMIT
    for fmt in ("json", "xml"):
        anonymous = client.get(f"{BASE}requests.{fmt}")
        with_key = client.get(f"{BASE}requests.{fmt}", {"api_key": api_key})
        assert with_key.status_code == 200
        assert with_key.content == anonymous.content
    assert client.get(f"{BASE}requests/{scene['pwud'].pk}.json", {"api_key": api_key}).status_code == 404
    response = client.get(f"{BASE}requests.json", {"api_key": api_key, "service_code": "care_refused"})
    assert response.json() == []


@pytest.mark.django_db
def test_a_city_service_key_reads_the_full_record(client, scene, role_key, open311_schema):
    response = client.get(BASE + "requests.json", {"api_key": role_key})
    open311_schema(response.json(), "requests.json")
    rows = by_id(response)
    # Every published report, whatever its category; still not the pending one.
    assert set(rows) == {str(scene["litter"].pk), str(scene["pwud"].pk)}
    for name, text in (("litter", TEXT), ("pwud", PWUD_TEXT)):
        item = rows[str(scene[name].pk)]
        open311_schema(item, "request.json")
        assert item["description"] == text
        assert item["requested_datetime"] == _minute(scene[name].observed_at)
    assert rows[str(scene["pwud"].pk)]["service_code"] == "care_refused"
    assert response["Cache-Control"] and "private" in response["Cache-Control"]
    assert "no-store" in response["Cache-Control"]
    items = xml_items(client.get(BASE + "requests.xml", {"api_key": role_key}), "service_requests", "request")
    assert items == as_text(response.json())
    one = client.get(f"{BASE}requests/{scene['pwud'].pk}.xml", {"api_key": role_key})
    [item] = xml_items(one, "service_requests", "request")
    assert item["description"] == PWUD_TEXT
    assert item["service_code"] == "care_refused"
    assert item["requested_datetime"] == _minute(scene["pwud"].observed_at)
    filtered = client.get(BASE + "requests.json", {"api_key": role_key, "service_code": "care_refused"})
    assert list(by_id(filtered)) == [str(scene["pwud"].pk)]
    assert client.get(f"{BASE}requests/{scene['pending'].pk}.json", {"api_key": role_key}).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_wrong_or_revoked_key_on_get_is_403(client, scene, role_key, fmt):
    response = client.get(f"{BASE}requests.{fmt}", {"api_key": "not-a-key"})
    assert response.status_code == 403
    call_command("apikey", "revoke", "city-needles", stdout=io.StringIO())
    for url in (f"{BASE}requests.{fmt}", f"{BASE}requests/{scene['litter'].pk}.{fmt}"):
        response = client.get(url, {"api_key": role_key})
        assert response.status_code == 403
        assert TEXT not in response.content.decode()


# --- the reporter -------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("how", ["header", "parameter"])
def test_the_reporter_reads_their_report_in_full_with_its_token(client, scene, how, open311_schema):
    pwud = scene["pwud"]
    assert pwud.access_token

    def get(url, **params):
        if how == "header":
            return client.get(url, params, HTTP_X_REPORT_TOKEN=pwud.access_token)
        return client.get(url, {**params, "token": pwud.access_token})

    response = get(f"{BASE}requests/{pwud.pk}.json")
    assert response.status_code == 200
    open311_schema(response.json(), "requests.json")
    [item] = response.json()
    assert item["description"] == PWUD_TEXT
    assert item["service_code"] == "care_refused"
    assert item["requested_datetime"] == _minute(pwud.observed_at)
    assert "private" in response["Cache-Control"]
    assert "X-Report-Token" in response["Vary"]
    [xml_item] = xml_items(get(f"{BASE}requests/{pwud.pk}.xml"), "service_requests", "request")
    assert xml_item["description"] == PWUD_TEXT
    # In a list, the token opens its own report only: the others stay as anyone sees them.
    rows = by_id(get(BASE + "requests.json"))
    assert set(rows) == {str(scene["litter"].pk), str(pwud.pk)}
    assert rows[str(pwud.pk)]["description"] == PWUD_TEXT
    assert rows[str(scene["litter"].pk)]["description"] is None
    assert (
        rows[str(scene["litter"].pk)]["requested_datetime"]
        == _local_midnight(scene["litter"].observed_at).isoformat()
    )
    # Another report's token does not open this one.
    other = client.get(f"{BASE}requests/{pwud.pk}.json", HTTP_X_REPORT_TOKEN=scene["litter"].access_token)
    assert other.status_code == 404


@pytest.mark.django_db
def test_the_reporter_reads_back_a_pending_open311_post(client, api_key):
    """POST answers with a token; with it, the report can be read back at once, before moderation."""
    data = {
        "api_key": api_key,
        "service_code": "violence_suffered",
        "lat": STALINGRAD[0],
        "long": STALINGRAD[1],
        "description": PWUD_TEXT,
    }
    posted = client.post(BASE + "requests.json", data).json()[0]
    url = f"{BASE}requests/{posted['service_request_id']}.json"
    assert client.get(url).status_code == 404  # pending, recent and for pwud: nobody else sees it
    assert client.get(url, {"api_key": api_key}).status_code == 404
    [item] = client.get(url, HTTP_X_REPORT_TOKEN=posted["token"]).json()
    assert item["status"] == "open"
    assert item["description"] == PWUD_TEXT
    assert item["service_code"] == "violence_suffered"
    assert client.get(url, HTTP_X_REPORT_TOKEN="not-the-token").status_code == 404


@pytest.mark.django_db
def test_an_unknown_or_empty_token_reads_like_anyone(client, scene):
    anonymous = client.get(BASE + "requests.json").content
    for token in ("", "not-a-token", "x" * 500):
        assert client.get(BASE + "requests.json", {"token": token}).content == anonymous
        assert client.get(BASE + "requests.json", HTTP_X_REPORT_TOKEN=token).content == anonymous
    # Reports without a token (imports) are never opened by an empty one.
    Report.objects.filter(pk=scene["pwud"].pk).update(access_token="")
    assert client.get(f"{BASE}requests/{scene['pwud'].pk}.json", {"token": ""}).status_code == 404


# --- the command --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_apikey_command_roles():
    out = io.StringIO()
    call_command("apikey", "create", "needles", "--role", "city-service", stdout=out)
    key = out.getvalue().strip()
    assert ApiKey.lookup(key).can_read_full
    call_command("apikey", "create", "street-app", stdout=io.StringIO())
    assert not ApiKey.objects.get(name="street-app").can_read_full
    listing = io.StringIO()
    call_command("apikey", "list", stdout=listing)
    lines = dict(line.split("\t", 1) for line in listing.getvalue().splitlines())
    assert lines["needles"].startswith("active\tcity-service\t")
    assert lines["street-app"].startswith("active\tsubmit\t")
    with pytest.raises(CommandError):
        call_command("apikey", "revoke", "needles", "--role", "city-service", stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("apikey", "create", "x", "--role", "admin", stdout=io.StringIO())
