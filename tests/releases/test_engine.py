"""The release engine: periods, noise, threshold, the accountant, and what the public reads."""

from __future__ import annotations

import io
import math
import re
from datetime import UTC, date, datetime
from pathlib import Path

import h3
import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from observatory.releases import core, services
from observatory.releases.models import Release, ReleasedCount
from observatory.reports.models import Category, CellDayCount

REPO = Path(__file__).resolve().parents[2]
STALINGRAD = h3.latlng_to_cell(48.8843, 2.3678, 9)
CHAPELLE = h3.latlng_to_cell(48.8990, 2.3625, 9)


def test_periods_are_iso_weeks_and_calendar_months():
    week = core.period_of(date(2026, 10, 14), "week")
    assert (week.start, week.end, week.label) == (date(2026, 10, 12), date(2026, 10, 19), "2026-W42")
    month = core.period_of(date(2026, 2, 14), "month")
    assert (month.start, month.end, month.label) == (date(2026, 2, 1), date(2026, 3, 1), "2026-02")
    months = core.periods_between(date(2026, 1, 31), date(2026, 3, 1), "month")
    assert [p.label for p in months] == ["2026-01", "2026-02", "2026-03"]


def test_threshold_keeps_phantom_cells_rare():
    scale, n = 2.0, 2058
    t = core.threshold(scale, n, 0.5, 5)
    tail = math.exp(-t / scale) / (1 + math.exp(-1 / scale))  # P[noise >= t]
    assert n * tail <= 0.5 < n * math.exp(-(t - 1) / scale) / (1 + math.exp(-1 / scale))
    assert core.threshold(100.0, 10, 0.5, 5) > 5 and core.threshold(0.01, 10, 0.5, 5) == 5


def test_noise_is_discrete_laplace_of_the_stated_scale():
    noisy = core.noisy_counts(np.zeros(40_000, dtype=np.int64), 2.0)
    assert noisy.dtype == np.int64
    # Var of the two-sided geometric with p = exp(-1/b): 2p / (1 - p)^2.
    p = math.exp(-1 / 2.0)
    assert noisy.var() == pytest.approx(2 * p / (1 - p) ** 2, rel=0.05)
    assert abs(noisy.mean()) < 0.1


def test_opendp_maps_the_release_to_its_epsilon():
    assert core.release_epsilon(core.histogram_scale(1.0), 100) == pytest.approx(1.0)
    assert core.release_epsilon(core.histogram_scale(0.5), 100) == pytest.approx(0.5)


def test_the_accountant_refuses_a_second_release_and_a_release_over_the_bound():
    month = core.period_of(date(2026, 3, 1), "month")
    week = core.period_of(date(2026, 3, 4), "week")
    done = [(month, 1.0)]
    assert core.admit(week, 1.0, done, 2.0) == pytest.approx(2.0)
    with pytest.raises(core.BudgetExceeded, match="over the lifetime bound"):
        core.admit(week, 1.5, done, 2.0)
    with pytest.raises(core.BudgetExceeded, match="released already"):
        core.admit(month, 0.1, done, 2.0)


def test_a_policy_whose_releases_exceed_the_bound_is_refused():
    with pytest.raises(ValueError, match="lifetime bound"):
        core.ReleasePolicy(lifetime_epsilon=1.0, epsilon=(("month", 1.0), ("week", 0.5))).check()


def _counts(rows):
    categories = {c.code: c for c in Category.objects.all()}
    CellDayCount.objects.bulk_create(
        CellDayCount(day=day, category=categories[code], cell=cell, count=n) for day, code, cell, n in rows
    )


AFTER = datetime(2026, 5, 1, tzinfo=UTC)


@pytest.mark.django_db
def test_a_release_is_computed_once_and_read_the_same_every_time(client, monkeypatch):
    # Without noise, to assert exact figures (the noise itself is tested above): a phantom cell
    # is expected on about one map in two by design (phantom_rate 0.5).
    monkeypatch.setattr(core, "noisy_counts", lambda exact, scale: np.asarray(exact, dtype=np.int64))
    _counts([(date(2026, 3, d), "drug_use", STALINGRAD, 10) for d in range(1, 29)])
    _counts([(date(2026, 3, 3), "drug_use", CHAPELLE, 1)])
    made = services.release_due(now=AFTER)
    assert {(r.grain, r.period_start) for r in made} >= {("month", date(2026, 3, 1))}
    month = Release.objects.get(grain="month", period_start=date(2026, 3, 1))
    assert month.reports == 281 and month.epsilon == pytest.approx(3.0)
    shown = dict(ReleasedCount.objects.filter(release=month, category=None).values_list("cell", "count"))
    assert shown == {STALINGRAD: 280}  # the one-report cell is under the threshold
    first = client.get("/api/v1/public/cells?grain=month&since=2026-03-01T00:00Z&until=2026-04-01T00:00Z")
    again = client.get("/api/v1/public/cells?grain=month&since=2026-03-01T00:00Z&until=2026-04-01T00:00Z")
    assert first.status_code == 200 and first.content == again.content
    doc = first.json()
    assert doc["release"]["periods"] == ["2026-03"]
    assert [f["properties"]["cell"] for f in doc["features"]] == [STALINGRAD]
    # Nothing is released twice, and nothing new is released when nothing is due.
    assert services.release_due(now=AFTER) == []
    with pytest.raises(core.BudgetExceeded):
        services.release(core.period_of(date(2026, 3, 1), "month"), now=AFTER)


@pytest.mark.django_db
def test_a_period_is_not_released_before_its_end_and_delay():
    _counts([(date(2026, 4, 28), "drug_use", STALINGRAD, 50)])
    with pytest.raises(ValueError, match="can be released from 2026-05-03"):
        services.release(core.period_of(date(2026, 4, 28), "month"), now=datetime(2026, 5, 2, tzinfo=UTC))


@pytest.mark.django_db
@override_settings(
    OBSERVATORY_RELEASES={"lifetime_epsilon": 1.0, "epsilon": {"month": 1.0, "week": 0.5}, "min_threshold": 5}
)
def test_the_engine_refuses_what_the_bound_forbids():
    # A misconfigured city: month and week together would spend 1.5 per report.
    _counts([(date(2026, 3, 2), "drug_use", STALINGRAD, 50)])
    with pytest.raises(ValueError, match="lifetime bound"):
        services.release_due(now=AFTER)


@pytest.mark.django_db
def test_coarser_cells_and_longer_periods_are_sums_of_released_counts():
    _counts([(date(2026, m, d), "drug_use", STALINGRAD, 6) for m in (2, 3) for d in range(1, 28)])
    services.release_due(now=AFTER)
    months = Release.objects.filter(grain="month", period_start__in=[date(2026, 2, 1), date(2026, 3, 1)])
    by_month = {
        r.period_start: ReleasedCount.objects.get(release=r, category=None, cell=STALINGRAD).count
        for r in months
    }
    both = services.public_cells(grain="month", periods=2)
    assert both.periods == ["2026-02", "2026-03"] or both.periods[-2:] == ["2026-03", "2026-04"]
    window = {"since": datetime(2026, 2, 1, tzinfo=UTC), "until": datetime(2026, 4, 1, tzinfo=UTC)}
    two = services.public_cells(grain="month", **window)
    assert {c.cell: c.count for c in two.cells}[STALINGRAD] == sum(by_month.values())
    parent = services.public_cells(
        grain="month",
        since=datetime(2026, 2, 1, tzinfo=UTC),
        until=datetime(2026, 4, 1, tzinfo=UTC),
        resolution=7,
    )
    assert sum(c.count for c in parent.cells) == sum(c.count for c in two.cells)


@pytest.mark.django_db
def test_release_command_and_export_read_the_release(tmp_path, capsys):
    _counts([(date(2026, 3, d), "drug_use", STALINGRAD, 10) for d in range(1, 29)])
    services.release_due(now=AFTER)
    out = tmp_path / "open.csv"
    call_command("export_open_data", str(out), "--format", "csv", "--grain", "month", "--periods", "12")
    text = out.read_text()
    header, *rows = text.splitlines()
    assert header == "period_start,period_end,category,cell,centre_lat,centre_lon,count"
    assert any(STALINGRAD in r for r in rows)
    again = tmp_path / "again.csv"
    call_command("export_open_data", str(again), "--format", "csv", "--grain", "month", "--periods", "12")
    assert again.read_text() == text
    with pytest.raises(CommandError, match="--period"):
        call_command("release", "--period", "March")
    with pytest.raises(CommandError, match="released already"):
        call_command("release", "--period", "2026-03")


@pytest.mark.django_db
def test_privacy_page_states_the_bound_and_lists_releases(client):
    _counts([(date(2026, 3, d), "drug_use", STALINGRAD, 10) for d in range(1, 29)])
    services.release_due(now=AFTER)
    page = client.get("/privacy/", HTTP_ACCEPT_LANGUAGE="en")
    text = page.content.decode()
    assert page.status_code == 200
    assert "differential privacy" in text and "ε = 4.0" in text
    assert "3.00" in text  # the month's epsilon in the ledger


@pytest.mark.slow
@pytest.mark.django_db
def test_on_the_demo_year_no_report_loses_more_than_the_documented_bound(paris_areas):
    call_command("load_demo", generator="basic", days=365, stdout=io.StringIO())
    releases = list(Release.objects.all())
    assert {r.grain for r in releases} == {"week", "month"} and len(releases) >= 60
    first = min(r.period_start for r in releases)
    last = max(r.period_end for r in releases)
    year = core.Period("week", first, last)  # a span to measure, not a release
    losses = core.day_losses(
        year, [(core.Period(r.grain, r.period_start, r.period_end), r.epsilon) for r in releases]
    )
    documented = re.search(r"`lifetime_epsilon = ([0-9.]+)`", (REPO / "docs" / "privacy.md").read_text())
    assert documented, "docs/privacy.md states the lifetime bound"
    bound = float(documented[1])
    assert bound == services.policy().lifetime_epsilon
    # Every day of a released week and month spends exactly both releases, never more.
    assert max(losses.values()) == pytest.approx(bound)
    assert all(v <= bound + 1e-9 for v in losses.values())
