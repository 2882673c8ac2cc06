"""Demo-like published reports for the dashboard tests (helpers, imported by the test_views_* modules).

The reports come from the demo generator (scene places, evening peaks, a clearance a third of the
way through) and go through ``build_report``, as ``load-demo`` stores them, in one bulk insert
counted by ``publication.count_published`` (the public counts and the dashboard's).
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

from observatory.accounts.roles import OBSERVATORY
from observatory.demo.core import data as demo_data
from observatory.reports.models import Category, Report
from observatory.reports.services.intake import ReportInput, build_report
from observatory.reports.services.publication import count_published

# Midnight: demo_data.generate counts hours from the end's hour of day, so the evening peak lands
# in the evening only when the end is at midnight (UTC, which its fixed +1 h offset assumes).
END = datetime(2026, 1, 31, tzinfo=UTC)
# The demo's window, as the filter form takes it (dates, the end included).
WINDOW = {"since": "2025-08-01", "until": "2026-01-31"}


def load_reports(*, days: int = 183, per_day: float = 12.0, seed: int = 7, end: datetime = END) -> int:
    """Published demo reports over ``days`` days ending at ``end``; returns how many."""
    generated, _clearance = demo_data.generate(days=days, per_day=per_day, seed=seed, end=end)
    categories = {c.code: c for c in Category.objects.all()}
    reports = [
        build_report(
            ReportInput(category=g.category, lat=g.lat, lon=g.lon, observed_at=g.observed_at),
            categories[g.category],
            g.observed_at,
            source=Report.Source.SIMULATION,
            received_at=g.observed_at,
            area_id=None,
            status=Report.Status.PUBLISHED,
            published_at=g.observed_at + timedelta(hours=6),
        )
        for g in generated
    ]
    Report.objects.bulk_create(reports, batch_size=2000)
    # As load-demo and imports do: the counts the pages read follow the bulk insert.
    count_published(reports)
    return len(reports)


def member(client, make_user):
    """Log the test client in as an observatory member."""
    client.force_login(make_user("member", OBSERVATORY))
    return client


def read_csv(response) -> list[dict[str, str]]:
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def map_payload(html: str, figure_id: str) -> dict:
    """The interactive map's data embedded in the page (json_script), parsed."""
    import json
    import re

    found = re.search(rf'<script id="{figure_id}-cells" type="application/json">(.*?)</script>', html, re.S)
    assert found, f"no map data for {figure_id}"
    return json.loads(found.group(1))


def figure_of(client, url: str, html: str) -> str:
    """The map's figure for browsers without JavaScript: the <noscript> image's SVG, fetched with
    the page's own filters (``format=svg``)."""
    import re
    from html import unescape

    found = re.search(r'<noscript><div class="svg"><img src="\?([^"]+)"', html)
    assert found, "no figure image in the page"
    r = client.get(url + "?" + unescape(found.group(1)))
    assert r.status_code == 200 and r["Content-Type"] == "image/svg+xml; charset=utf-8"
    svg = r.content.decode()
    assert svg.startswith("<svg") and "<script" not in svg
    return svg


def cell_centre(payload: dict, i: int, j: int) -> tuple[float, float]:
    """The centre of the payload's cell (i, j), placed as the browser places it (the affine transform)."""
    t = payload["transform"]
    ci, cj = i + 0.5, j + 0.5
    return t[0] + t[1] * ci + t[2] * cj, t[3] + t[4] * ci + t[5] * cj


def main_of(html: str) -> str:
    return html.split("<main", 1)[1].split("</main>", 1)[0]
