"""What the what-if scene map draws, as GeoJSON and as table rows (pure: no Django).

The run and compare pages show where the simulated scene was: each place as a disc whose area is
the run's share of all its true uses there, each consumption room or care place as a square. The
Leaflet map (``static/simulation/scene_map.js``) draws these features on the site's one map base in
the colours of the picture (``services.scene_map``: run A filled blue, run B a dashed red outline),
and the table beside it gives the same shares in words. Coordinates are GeoJSON's ``[lon, lat]``.
"""

from __future__ import annotations

import math
from typing import Any

# The picture's colours and line styles (services.RUN_COLOURS / RUN_STYLES), one per run.
RUN_COLOURS = ("#2166ac", "#d6604d")
ROOM_EDGE = "#333333"


def disc_radius(share: float) -> float:
    """The disc's radius in screen pixels: its area grows with the share, as the picture's
    (``scatter(s=3000 * share + 4)``, an area in points squared)."""
    return round(math.sqrt((3000 * max(share, 0.0) + 4) / math.pi), 2)


def shares(out: dict[str, Any]) -> list[tuple[int, float]]:
    """Per place of a run's outputs: its true uses over the whole run and their share of the run's
    true uses at all its places (0 when it had none)."""
    per_place = [0] * len(out["places"])
    for day in out["uses_per_place_day"]:
        for i, n in enumerate(day):
            per_place[i] += int(n)
    total = sum(per_place)
    return [(n, n / total if total else 0.0) for n in per_place]


def _point(lat: float, lon: float) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]}


def scene_layer(runs: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    """One FeatureCollection for one or two runs: a ``place`` point per place and run (its share,
    true uses and disc radius) and a ``room`` point per room and run, each with its run's index
    (0 for A, 1 for B), colour and whether it is drawn dashed (run B)."""
    features: list[dict[str, Any]] = []
    for k, (_label, out) in enumerate(runs):
        style = {"run": k, "colour": RUN_COLOURS[k % len(RUN_COLOURS)], "dashed": k > 0}
        for p, (uses, share) in zip(out["places"], shares(out), strict=True):
            features.append(
                {
                    "type": "Feature",
                    "geometry": _point(p["lat"], p["lon"]),
                    "properties": {
                        "kind": "place",
                        "id": p["id"],
                        "name": p["name"],
                        "uses": uses,
                        "share": round(share, 4),
                        "radius": disc_radius(share),
                        **style,
                    },
                }
            )
        for r in out["rooms"]:
            features.append(
                {
                    "type": "Feature",
                    "geometry": _point(r["lat"], r["lon"]),
                    "properties": {"kind": "room", "id": r["id"], "name": r["name"], **style},
                }
            )
    return {"type": "FeatureCollection", "features": features}


def share_rows(runs: list[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    """The map as a table: per place (union over the runs, in the order met) its share of true
    uses in each run (None where the run has no such place), the largest share first."""
    rows: dict[str, dict[str, Any]] = {}
    for k, (_label, out) in enumerate(runs):
        for p, (uses, share) in zip(out["places"], shares(out), strict=True):
            row = rows.setdefault(
                p["id"], {"name": p["name"], "shares": [None] * len(runs), "uses": [None] * len(runs)}
            )
            row["shares"][k] = share
            row["uses"][k] = uses
    return sorted(rows.values(), key=lambda r: -max(s or 0.0 for s in r["shares"]))


def room_rows(runs: list[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    """The rooms on the map (union over the runs): name, place and in which runs each one is."""
    rows: dict[str, dict[str, Any]] = {}
    for k, (_label, out) in enumerate(runs):
        for r in out["rooms"]:
            row = rows.setdefault(
                r["id"], {"name": r["name"], "lat": r["lat"], "lon": r["lon"], "in": [False] * len(runs)}
            )
            row["in"][k] = True
    return list(rows.values())
