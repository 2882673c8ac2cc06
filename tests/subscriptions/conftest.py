"""A real SMTP server on 127.0.0.1 (aiosmtpd), and a year of small counts released around it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import h3
import numpy as np
import pytest

from observatory.releases import services as releases
from observatory.reports.models import Area, Category, CellDayCount

STALINGRAD = (48.8843, 2.3678)
FIRST = date(2026, 1, 1)


from mailserver import Mailbox  # noqa: E402,F401  (re-exported for the tests of this folder)


@pytest.fixture
def scene(db, paris_areas):
    """Counts over cells around Stalingrad for 100 days from FIRST (the released tables' input),
    and the quartier that holds Stalingrad."""
    rng = np.random.default_rng(21)
    categories = {c.code: c for c in Category.objects.all()}
    centre = h3.latlng_to_cell(*STALINGRAD, 9)
    cells = sorted(h3.grid_disk(centre, 6))
    rows = []
    for d in range(100):
        day = FIRST + timedelta(days=d)
        for cell in rng.choice(cells, size=15, replace=False):
            rows.append(
                CellDayCount(
                    cell=str(cell), category=categories["drug_use"], day=day, count=int(rng.integers(1, 4))
                )
            )
        for busy in cells[:4]:
            rows.append(
                CellDayCount(cell=busy, category=categories["litter"], day=day, count=int(rng.poisson(6)) + 1)
            )
    seen: dict[tuple, CellDayCount] = {}
    for r in rows:
        key = (r.cell, r.category_id, r.day)
        if key in seen:
            seen[key].count += r.count
        else:
            seen[key] = r
    CellDayCount.objects.bulk_create(seen.values())
    from observatory.reports.services.areas import locate_area

    quartier = locate_area(*STALINGRAD)
    assert quartier is not None and quartier.level == "quartier"
    return Area.objects.get(pk=quartier.pk)  # the cache keeps no geometry


def release_until(day: date):
    return releases.release_due(now=datetime.combine(day, datetime.min.time(), tzinfo=UTC))


def arrondissement_of(quartier: Area) -> Area:
    return Area.objects.get(level="arrondissement", code=quartier.parent_code)


@pytest.fixture
def make_report(db):
    """A pending report through the real intake path."""
    from observatory.reports.services.intake import ReportInput, submit

    def make(description: str = ""):
        report, _ = submit(
            ReportInput(category="drug_use", lat=STALINGRAD[0], lon=STALINGRAD[1], description=description),
            source="api",
        )
        return report

    return make
