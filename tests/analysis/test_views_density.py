"""The density page: the quartic KDE surface, its caption, and the CSV equal to quartic_kde."""

from __future__ import annotations

import numpy as np
import pytest

from observatory.accounts.roles import MODERATOR
from observatory.analysis.core import figures
from observatory.analysis.core.grids import SquareGrid
from observatory.analysis.core.hotspots import arcgis_search_radius, quartic_kde
from observatory.analysis.services import aggregates, city_projection, widened
from observatory.analysis.services.events_from_reports import published_events

from .test_views_data import WINDOW, figure_of, load_reports, map_payload, member, read_csv

pytestmark = pytest.mark.django_db
URL = "/analysis/density/"


def test_members_only(client, make_user):
    assert client.get(URL)["Location"].startswith("/accounts/login/")
    client.force_login(make_user("mod", MODERATOR))
    assert client.get(URL).status_code == 403


def test_surface_caption_and_csv_equal_to_quartic_kde(client, make_user, paris_areas):
    load_reports()
    c = member(client, make_user)
    r = c.get(URL, {**WINDOW, "cell_size": 50}, HTTP_ACCEPT_LANGUAGE="en")
    html = r.content.decode()
    assert r.status_code == 200 and 'id="density-map"' in html and "<svg" not in html
    figure = figure_of(c, URL, html)  # the colour bar in the legend's unit, per hectare
    assert "reports per hectare" in figure and "km²" not in figure
    summary = html.split('id="density-map-summary">')[1].split("</p>")[0]
    assert summary.startswith("Reports are most concentrated around ") and "per hectare" in summary
    method = html.split('<details class="method">')[1].split("</details>")[0]
    assert "Quartic kernel density" in method and "50 m cells" in method and "search radius" in method
    assert list(r.context["form"].fields) == ["days", "since", "until", "categories", "cell_size"]

    level = aggregates.level_for(50)  # the kept cells that tile 50 m cells
    assert f"Reports counted on the {level} m cells" in html

    # The CSV is the quartic KDE of the window's reports counted per kept cell (the counts kept at
    # publication), each cell's count at its centre, on the page's grid.
    rows = read_csv(c.get(URL, {**WINDOW, "cell_size": 50, "format": "csv"}))
    window = r.context["window"]
    events = published_events(since=window.since, until=window.until)
    projection = city_projection()
    x, y = projection.forward(events.lat, events.lon)
    cells, counts = np.unique(
        np.column_stack([np.floor(x / level), np.floor(y / level)]), axis=0, return_counts=True
    )
    cx, cy, w = (cells[:, 0] + 0.5) * level, (cells[:, 1] + 0.5) * level, counts.astype(float)
    radius = arcgis_search_radius(cx, cy, w)
    grid = SquareGrid.covering(*widened(cx, cy, radius), 50, projection.crs)
    expected = quartic_kde(cx, cy, grid, radius=radius, weights=w).density_per_km2.ravel()
    got = np.array([float(row["density_per_km2"]) for row in rows])
    assert np.allclose(got, expected, rtol=1e-9, atol=1e-9)
    assert expected.max() > 0

    # The map draws the cells above 2 % of the peak, in the figure's colour bands, per hectare.
    payload = map_payload(html, "density-map")
    assert len(payload["cells"]) == int(np.sum(got >= 0.02 * got.max()))
    assert [c["colour"] for c in payload["classes"]] == figures.density_colours(
        figures.density_levels(got.max() / 100)
    )
    peak = max(payload["cells"], key=lambda cell: cell[3])
    assert peak[2] == len(payload["classes"]) - 1 and abs(peak[3] - got.max() / 100) <= 0.5

    # And it is the surface of the exact points, to the binning's precision: the same search radius
    # within 2 %, the same peak within 5 %, the same shape.
    exact_radius = arcgis_search_radius(x, y)
    assert abs(radius - exact_radius) / exact_radius < 0.02
    exact = quartic_kde(x, y, grid, radius=exact_radius).density_per_km2.ravel()
    assert abs(got.max() - exact.max()) / exact.max() < 0.05
    assert np.corrcoef(got, exact)[0, 1] > 0.99


def test_bad_cell_size_is_an_error_on_the_field(client, make_user):
    r = member(client, make_user).get(URL, {"cell_size": "abc"})
    assert r.status_code == 400 and "cell_size" in r.context["form"].errors


def test_a_single_report_is_not_enough(client, make_user):
    load_reports(days=1, per_day=1.0, seed=3)
    r = member(client, make_user).get(URL, {"days": 3650})
    assert r.status_code == 200 and r.context["empty"] and "format=svg" not in r.content.decode()
    assert "not enough to analyse" in r.content.decode()
