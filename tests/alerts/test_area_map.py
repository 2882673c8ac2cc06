"""The alert map's layer (pure): the cells as closed polygons around their centres, the centre as a
point, and the count of cells per area for the table beside the map."""

from __future__ import annotations

import h3

from observatory.alerts.core.area_map import CELL_FILL, area_layer, cells_per_area

CELLS = ["891fb46608fffff", "891fb466087ffff"]


def test_each_cell_is_a_closed_polygon_around_its_centre_in_the_pictures_colour():
    layer = area_layer(CELLS, (48.8858, 2.3704))
    cells = [f for f in layer["features"] if f["properties"]["kind"] == "cell"]
    assert len(cells) == 2
    for cell, feature in zip(CELLS, cells, strict=True):
        ring = feature["geometry"]["coordinates"][0]
        assert ring[0] == ring[-1] and len(ring) == 7  # a hexagon, closed
        lat, lon = h3.cell_to_latlng(cell)
        lons, lats = [p[0] for p in ring], [p[1] for p in ring]
        assert min(lons) < lon < max(lons) and min(lats) < lat < max(lats)  # [lon, lat], not swapped
        assert feature["properties"]["fill"] == CELL_FILL
    centre = layer["features"][-1]
    assert centre["properties"]["kind"] == "centre"
    assert centre["geometry"] == {"type": "Point", "coordinates": [2.3704, 48.8858]}


def test_the_table_counts_cells_per_area_most_first_and_outside_last():
    names = ["Villette", None, "Flandre", "Villette", "Flandre", "Villette"]
    assert cells_per_area(names) == [("Villette", 3), ("Flandre", 2), (None, 1)]
    assert cells_per_area(["B", "A"]) == [("A", 1), ("B", 1)]
    assert cells_per_area([]) == []
