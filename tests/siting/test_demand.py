"""Demand from published reports, aggregated by the database: equal to brute force over the rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from observatory.geo.core.cells import cell_centre, cells_of
from observatory.reports.models import Category, Report
from observatory.siting.core.costs import aggregate_demand
from observatory.siting.services.demand import monthly_windows, report_demand

NOW = datetime(2026, 3, 15, 12, tzinfo=UTC)


def add_reports(rows, status: str = "published") -> list[Report]:
    """Bulk-create reports ``(lat, lon, category code, observed_at)`` with their H3 columns.

    The intake path is tested elsewhere; here thousands of rows must be created quickly.
    """
    categories = {c.code: c for c in Category.objects.all()}
    reports = []
    for lat, lon, code, when in rows:
        cells = cells_of(lat, lon)
        reports.append(
            Report(
                category=categories[code],
                lat=lat,
                lon=lon,
                h3_7=cells[7],
                h3_8=cells[8],
                h3_9=cells[9],
                h3_10=cells[10],
                observed_at=when,
                received_at=when + timedelta(minutes=5),
                status=status,
                source="simulation",
            )
        )
    return Report.objects.bulk_create(reports)


def scene_rows(n: int, seed: int, *, end: datetime = NOW, days: int = 180):
    """Reports around three north-east Paris places, over ``days`` before ``end``."""
    rng = np.random.default_rng(seed)
    places = np.array([(48.8843, 2.3678), (48.8985, 2.3705), (48.8878, 2.3642)])
    codes = ["drug_use", "dealing", "litter", "gathering"]
    where = places[rng.integers(0, len(places), n)] + rng.normal(0, 0.003, (n, 2))
    return [
        (float(la), float(lo), codes[int(rng.integers(0, len(codes)))], end - timedelta(days=float(d)))
        for (la, lo), d in zip(where, rng.uniform(0, days, n), strict=True)
    ]


@pytest.mark.parametrize("resolution", [8, 9])
def test_database_aggregation_equals_brute_force(db, resolution):
    published = scene_rows(1500, seed=1)
    add_reports(published)
    add_reports(scene_rows(200, seed=2), status="pending")  # never demand
    add_reports(scene_rows(200, seed=3), status="rejected")
    since, until = NOW - timedelta(days=120), NOW - timedelta(days=10)
    weights = {"drug_use": 3.0, "dealing": 1.5, "litter": 0.0, "gathering": 1.0}

    demand = report_demand(since, until, weights, resolution)

    # Brute force: every report row in Python, summed per its stored cell. (Reports carry the
    # parents of their resolution-10 cell, the intake's convention, which differ from a direct
    # lookup at 8 or 9 for a few points near cell edges: costs.aggregate_demand only matches in total.)
    field = f"h3_{resolution}"
    totals: dict[str, float] = {}
    inside = []
    for r in Report.objects.select_related("category"):
        if r.status == "published" and since <= r.observed_at < until:
            inside.append(r)
            w = weights.get(r.category.code, 0.0)
            if w > 0:
                totals[getattr(r, field)] = totals.get(getattr(r, field), 0.0) + w
    ids = sorted(totals)
    assert demand.ids == ids
    np.testing.assert_allclose(demand.weight, [totals[c] for c in ids])
    np.testing.assert_allclose(demand.lat, [cell_centre(c)[0] for c in ids])
    np.testing.assert_allclose(demand.lon, [cell_centre(c)[1] for c in ids])
    report_weights = [weights[r.category.code] for r in inside]
    *_, direct = aggregate_demand(
        [r.lat for r in inside], [r.lon for r in inside], report_weights, resolution
    )
    assert demand.total == pytest.approx(direct.sum())
    # the report counts are of the weighted categories only
    assert demand.reports.sum() == sum(1 for r in inside if weights[r.category.code] > 0)
    assert len(demand) < len(inside) / 3  # cells, not reports


def test_no_weight_no_demand(db):
    add_reports(scene_rows(50, seed=4))
    demand = report_demand(NOW - timedelta(days=365), NOW, {"drug_use": 0.0})
    assert len(demand) == 0 and demand.total == 0


def test_bad_weights_and_resolution(db):
    with pytest.raises(ValueError, match="weights"):
        report_demand(NOW - timedelta(days=30), NOW, {"drug_use": -1.0})
    with pytest.raises(ValueError, match="resolution"):
        report_demand(NOW - timedelta(days=30), NOW, {"drug_use": 1.0}, resolution=12)


def test_monthly_windows_cover_the_months_before_the_end():
    windows = monthly_windows(datetime(2026, 3, 31, tzinfo=UTC), 3)
    assert windows == [
        (datetime(2025, 12, 31, tzinfo=UTC), datetime(2026, 1, 31, tzinfo=UTC)),
        (datetime(2026, 1, 31, tzinfo=UTC), datetime(2026, 2, 28, tzinfo=UTC)),
        (datetime(2026, 2, 28, tzinfo=UTC), datetime(2026, 3, 31, tzinfo=UTC)),
    ]
