"""The hot spot page: members only, the Gi* map with its caption, the CSV equal to gi_star_grid."""

from __future__ import annotations

import re
from html import unescape

import numpy as np
import pytest

from observatory.accounts.roles import MODERATOR, ORGANISATION
from observatory.analysis.core import figures
from observatory.analysis.core.grids import SquareGrid
from observatory.analysis.core.hotspots import gi_star_grid
from observatory.analysis.forms import FilterForm
from observatory.analysis.services import city_projection
from observatory.analysis.services.events_from_reports import published_events

from .test_views_data import WINDOW, cell_centre, load_reports, main_of, map_payload, member, read_csv

pytestmark = pytest.mark.django_db
URL = "/analysis/"


def test_anonymous_goes_to_login_and_other_roles_are_refused(client, make_user):
    assert client.get(URL)["Location"].startswith("/accounts/login/")
    for role in (MODERATOR, ORGANISATION):
        client.force_login(make_user(f"someone-{role[:4]}", role))
        assert client.get(URL).status_code == 403
        assert client.get(URL + "?format=csv").status_code == 403


def test_administrators_see_the_dashboard(client, make_user):
    client.force_login(make_user("admin", is_superuser=True))
    assert client.get(URL).status_code == 200


def test_map_opens_with_a_sentence_then_legend_table_and_method(client, make_user, paris_areas):
    n = load_reports()
    c = member(client, make_user)
    params = {**WINDOW, "cell_size": 100, "alpha": 0.05, "rings": 1}
    r = c.get(URL, params)
    html = r.content.decode()
    assert r.status_code == 200
    main = main_of(html)
    # One sentence a resident understands first, naming the place the demo's scene is around.
    summary = re.search(r'<p class="summary" id="hotspot-map-summary">(.*?)</p>', main).group(1)
    assert re.match(r"Reports cluster in \d+ places? in this period\.", summary), summary
    assert "around Place de Stalingrad" in summary
    assert main.index("hotspot-map-summary") < main.index("data-analysis-map")
    # The method and its parameters, folded under the map.
    method = main.split('<details class="method">')[1].split("</details>")[0]
    assert "How this was computed" in method
    assert "Getis-Ord Gi*" in method and "100 m" in method and "α = 0.05" in method
    assert f"{n:,} published reports" in method
    assert "format=csv" in main
    # Without JavaScript, an image of the figure (inside noscript): the same filters asking for the
    # SVG, drawn only then; the page itself carries none. The only script in the page's body is data.
    assert "<svg" not in html
    src = re.search(r'<noscript><div class="svg"><img src="\?([^"]+)" alt="([^"]+)"', main)
    assert src and src.group(1).endswith("&amp;format=svg") and "cell_size=100" in src.group(1)
    assert "legend and the table below" in src.group(2)
    figure = c.get(URL + "?" + unescape(src.group(1)))
    assert figure.status_code == 200 and figure["Content-Type"] == "image/svg+xml; charset=utf-8"
    svg = figure.content.decode()
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>") and "<script" not in svg
    assert "<image" in svg  # the significant cells, painted as one raster
    assert re.findall(r"<script[^>]*>", main) == ['<script id="hotspot-map-cells" type="application/json">']
    # The legend in words, beside the map, with the figure's colours and each class's cells.
    legend = main.split('<div class="map-legend"')[1].split("</div>")[0]
    assert "hot spot, very clear" in legend and "cold spot" in legend
    assert all(colour in legend for colour in figures.HOTSPOT_COLOURS)

    # The map's cells are the CSV's significant cells, placed where the CSV puts them.
    rows = read_csv(c.get(URL, {**params, "format": "csv"}))
    significant = [row for row in rows if row["class"] in ("hot", "cold")]
    payload = map_payload(html, "hotspot-map")
    assert 0 < len(payload["cells"]) == len(significant) < len(rows)
    assert [cls["colour"] for cls in payload["classes"]] == list(figures.HOTSPOT_COLOURS)
    by_index = {(int(row["ix"]), int(row["iy"])): row for row in rows}
    ix0 = min(int(row["ix"]) for row in rows)
    iy0 = min(int(row["iy"]) for row in rows)
    for i, j, cls, value in payload["cells"]:
        row = by_index[(ix0 + i, iy0 + j)]
        assert row["class"] == ("hot" if cls < 2 else "cold") and int(row["count"]) == value
        lat, lon = cell_centre(payload, i, j)
        assert abs(lat - float(row["lat"])) * 111_320 < 2 and abs(lon - float(row["lon"])) * 73_000 < 2
    assert len(html) < 60_000  # compact: the listed cells only, no polygons

    # The table alternative: the listed cells in words, where they are and how many reports.
    table = main.split('<details class="map-table"')[1].split("</details>")[0]
    assert "Place de Stalingrad" in table and re.search(r"<td>\d+ reports</td>", table)


def test_the_form_has_the_hotspot_fields_and_categories_as_checkboxes(client, make_user):
    c = member(client, make_user)
    r = c.get(URL)
    form = r.context["form"]
    assert list(form.fields) == [
        "days",
        "since",
        "until",
        "categories",
        "cell_size",
        "alpha",
        "rings",
        "source",
    ]
    html = r.content.decode()
    assert 'type="checkbox" name="categories"' in html and "<select multiple" not in html
    assert 'name="period"' not in html and 'name="timed_only"' not in html
    # Ticked categories are a filter, as the multi-select was.
    r = c.get(URL, {"categories": ["dealing", "litter"]})
    assert r.context["form"].cleaned_data["categories"] == ["dealing", "litter"]


def test_csv_numbers_are_gi_star_of_the_same_reports(client, make_user):
    load_reports()
    params = {**WINDOW, "cell_size": 150, "alpha": 0.01, "rings": 2, "format": "csv"}
    r = member(client, make_user).get(URL, params)
    assert r.status_code == 200
    rows = read_csv(r)

    form = FilterForm(_querydict(params))
    assert form.is_valid()
    window = form.window()
    events = published_events(since=window.since, until=window.until)
    projection = city_projection()
    x, y = projection.forward(events.lat, events.lon)
    grid = SquareGrid.covering(x, y, 150, projection.crs)
    expected = gi_star_grid(grid.count(x, y), rings=2, alpha=0.01, fdr=True)
    assert len(rows) == grid.n_cells
    assert [int(row["count"]) for row in rows] == expected.values.astype(int).tolist()
    z = np.array([float(row["z"]) for row in rows])
    assert np.array_equal(z, expected.z)  # written with repr: exact, not rounded
    assert [row["class"] for row in rows] == expected.classes.tolist()
    assert np.array_equal(np.array([float(row["p_adjusted"]) for row in rows]), expected.p_adjusted)
    assert sum(row["class"] == "hot" for row in rows) == expected.n_hot > 0


def test_bad_filters_are_errors_on_their_fields(client, make_user):
    c = member(client, make_user)
    r = c.get(
        URL, {"cell_size": "5", "alpha": "2", "rings": "x", "since": "2026-02-01", "until": "2026-01-01"}
    )
    assert r.status_code == 400
    errors = r.context["form"].errors
    assert set(errors) == {"cell_size", "alpha", "rings", "until"}
    html = r.content.decode()
    assert 'id="id_cell_size-errors"' in html and 'id="id_until-errors"' in html
    csv_r = c.get(URL, {"alpha": "2", "format": "csv"})
    assert csv_r.status_code == 400 and csv_r.content.decode().startswith("alpha:")


def test_too_many_cells_is_an_error_on_the_cell_size(client, make_user):
    from datetime import UTC, datetime

    from observatory.reports.services.intake import ReportInput, submit
    from observatory.reports.services.publication import set_status

    # Two reports at opposite corners of Paris: 25 m cells over the whole city is too many.
    for lat, lon in ((48.82, 2.25), (48.90, 2.41)):
        when = datetime(2026, 1, 10, 20, tzinfo=UTC)
        report, _ = submit(
            ReportInput(category="litter", lat=lat, lon=lon, observed_at=when), source="api", now=when
        )
        set_status(report, "published")
    r = member(client, make_user).get(URL, {**WINDOW, "cell_size": 25})
    assert r.status_code == 400
    assert "larger cell size" in str(r.context["form"].errors["cell_size"])


def test_no_reports_says_so(client, make_user):
    c = member(client, make_user)
    r = c.get(URL, WINDOW)
    html = r.content.decode()
    assert r.status_code == 200 and "format=svg" not in html and "data-analysis-map" not in html
    assert r.context["empty"] and "2025-08-01 00:00 to 2026-02-01 00:00" in html
    figure = c.get(URL, {**WINDOW, "format": "svg"})
    assert figure.status_code == 404  # no map, no figure


def _querydict(params):
    from django.http import QueryDict

    q = QueryDict(mutable=True)
    for k, v in params.items():
        q[k] = str(v)
    return q
