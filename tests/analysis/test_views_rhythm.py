"""The hour-by-weekday page: the table and heat map, the CSV equal to rhythm(), date-only data refused."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from observatory.analysis.core.rhythm import WEEKDAYS, rhythm
from observatory.analysis.services import aggregates
from observatory.analysis.services.events_from_reports import published_events
from observatory.reports.models import Report

from .test_views_data import WINDOW, load_reports, member, read_csv

pytestmark = pytest.mark.django_db
URL = "/analysis/rhythm/"


def test_members_only(client):
    assert client.get(URL)["Location"].startswith("/accounts/login/")


def test_table_heatmap_and_csv_equal_to_rhythm(client, make_user):
    n = load_reports()
    c = member(client, make_user)
    r = c.get(URL, WINDOW, HTTP_ACCEPT_LANGUAGE="en")
    html = r.content.decode()
    assert r.status_code == 200 and 'id="rhythm-heatmap"' in html
    # A sentence in words first (the demo's reports come in the evening), the method in a fold.
    summary = html.split('id="rhythm-heatmap-summary">')[1].split("</p>")[0]
    assert summary.startswith("Reports come mostly in the evening, around ") and "The busiest hour" in summary
    method = html.split('<details class="method">')[1].split("</details>")[0]
    assert "How this was computed" in method and "Rayleigh test" in method and "Europe/Paris" in method
    # The tab's own form: no grid, no significance, no period.
    assert list(r.context["form"].fields) == ["days", "since", "until", "categories", "timed_only"]
    table = r.context["table"]
    assert [row["day"] for row in table] == list(WEEKDAYS) and r.context["total"] == n

    rows = read_csv(c.get(URL, {**WINDOW, "format": "csv"}))
    window = r.context["window"]
    expected = rhythm(published_events(since=window.since, until=window.until)).hour_of_week
    assert [[int(row[f"{h:02d}"]) for h in range(24)] for row in rows] == expected.tolist()
    assert [row["weekday"] for row in rows] == list(WEEKDAYS)
    # The demo's evening peak shows in the table: 21:00 beats 05:00.
    assert expected[:, 21].sum() > expected[:, 5].sum()


def test_date_only_reports_give_the_clear_message(client, make_user):
    load_reports(days=30, per_day=5.0)
    Report.objects.filter(observed_at__lt=datetime(2026, 1, 10, tzinfo=UTC)).update(time_precision="day")
    aggregates.rebuild()  # a bulk update behind publication's back: recount, as an operator would
    dated = Report.objects.filter(time_precision="day").count()
    c = member(client, make_user)
    r = c.get(URL, WINDOW, HTTP_ACCEPT_LANGUAGE="en")
    html = r.content.decode()
    assert r.status_code == 200 and "<svg" not in html
    assert "have a date only; they are not put at midnight" in html
    assert f"but {dated} published reports" in html
    csv_r = c.get(URL, {**WINDOW, "format": "csv"})
    assert csv_r.status_code == 400 and csv_r.content.decode().startswith("timed_only:")

    # Ticking "only reports with a time of day" analyses the others.
    r = c.get(URL, {**WINDOW, "timed_only": "on"})
    assert r.status_code == 200 and "<svg" in r.content.decode()
    assert r.context["total"] == Report.objects.filter(time_precision="minute").count()


def test_bad_window_is_an_error_on_the_field(client, make_user):
    r = member(client, make_user).get(URL, {"since": "2026-13-01", "days": "0"})
    assert r.status_code == 400 and {"since", "days"} <= set(r.context["form"].errors)
