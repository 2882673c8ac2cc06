"""The hot spot page: members only, the Gi* map with its caption, the CSV equal to gi_star_grid."""

from __future__ import annotations

import numpy as np
import pytest

from observatory.accounts.roles import MODERATOR, ORGANISATION
from observatory.analysis.core.grids import SquareGrid
from observatory.analysis.core.hotspots import gi_star_grid
from observatory.analysis.forms import FilterForm
from observatory.analysis.services import city_projection
from observatory.analysis.services.events_from_reports import published_events

from .test_views_data import WINDOW, load_reports, member, read_csv

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


def test_map_with_outlines_caption_and_csv_link(client, make_user, paris_areas):
    n = load_reports()
    r = member(client, make_user).get(URL, {**WINDOW, "cell_size": 100, "alpha": 0.05, "rings": 1})
    html = r.content.decode()
    assert r.status_code == 200
    assert html.count("<svg") == 1 and "<script" not in html.lower().split("<footer")[0].split("<main")[1]
    assert 'id="hotspot-map"' in html
    assert "Getis-Ord Gi*" in html and "100 m" in html and "α = 0.05" in html  # the test client reads English
    assert f"{n:,} published reports" in html
    assert "format=csv" in html
    # Quartier outlines are drawn (a line collection) and significant cells are there.
    assert "hot spot" in html or "point chaud" in html


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
    r = member(client, make_user).get(URL, WINDOW)
    assert r.status_code == 200 and "<svg" not in r.content.decode()
    assert r.context["empty"]


def _querydict(params):
    from django.http import QueryDict

    q = QueryDict(mutable=True)
    for k, v in params.items():
        q[k] = str(v)
    return q
