"""Published reports as an analysis EventTable."""

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from observatory.analysis.services.events_from_reports import published_events

pytestmark = pytest.mark.django_db


def test_only_published_reports_with_utc_times_and_local_dates(make_report):
    when = datetime(2026, 3, 28, 23, 30, tzinfo=UTC)  # 00:30 on the 29th in Paris (CET, UTC+1)
    make_report(observed_at=when, status="published", category="dealing")
    make_report(observed_at=when + timedelta(hours=1), status="pending")
    events = published_events()
    assert len(events) == 1
    assert events.times[0] == np.datetime64("2026-03-28T23:30:00")
    assert str(events.dates[0]) == "2026-03-29"
    assert list(events.category) == ["dealing"]


def test_category_and_window_filters(make_report):
    base = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)
    make_report(observed_at=base, status="published", category="dealing")
    make_report(observed_at=base + timedelta(days=5), status="published", category="litter")
    assert len(published_events(categories=["litter"])) == 1
    assert len(published_events(since=base + timedelta(days=1))) == 1
    assert len(published_events(until=base + timedelta(days=1))) == 1


def test_date_only_reports_remove_the_times(make_report):
    from observatory.reports.models import Report

    r = make_report(observed_at=datetime(2026, 1, 10, tzinfo=UTC), status="published")
    Report.objects.filter(pk=r.pk).update(time_precision="day")
    make_report(observed_at=datetime(2026, 1, 11, 12, tzinfo=UTC), status="published")
    assert published_events().times is None
    assert len(published_events(time_of_day_only=True)) == 1
