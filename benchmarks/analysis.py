"""Benchmark of the analysis capability: 1,000,000 events over Paris, 100 m cells.

Times Gi* with FDR (projection and gridding included, and the Gi* step alone), the quartic KDE and
the rhythm, with the peak memory of each step (tracemalloc), then the same Gi* through esda with the
libpysal weights it needs, the speed ratio and the largest z-score difference.

Then the scene estimate (analysis.estimate: reports and outreach rounds fused) on a year of the
simulated Paris scene (its true events, resident reports and rounds) at 100 m cells: on the grid
over the scene, and on a grid over all of Paris, with standard errors.

    .venv/bin/python benchmarks/analysis.py [--events 1000000] [--scene-days 365] [--no-city]
"""

from __future__ import annotations

import argparse
import resource
import time
import tracemalloc
import warnings

import numpy as np

from observatory.analysis.core import hotspots as hs
from observatory.analysis.core.events import EventTable
from observatory.analysis.core.grids import project_events
from observatory.analysis.core.rhythm import rhythm
from observatory.core.clikit import format_table

SOUTH, NORTH, WEST, EAST = 48.815, 48.902, 2.224, 2.470
SCENE = [(48.8843, 2.3678), (48.8878, 2.3642), (48.8990, 2.3625), (48.8985, 2.3705), (48.8975, 2.3900)]


def simulate(n: int, seed: int = 1) -> EventTable:
    """Half uniform over Paris, half around the crack-scene places; times with a night-time rhythm."""
    rng = np.random.default_rng(seed)
    n_bg = n // 2
    lat = np.empty(n)
    lon = np.empty(n)
    lat[:n_bg] = rng.uniform(SOUTH, NORTH, n_bg)
    lon[:n_bg] = rng.uniform(WEST, EAST, n_bg)
    centre = rng.integers(0, len(SCENE), n - n_bg)
    pts = np.array(SCENE)[centre]
    lat[n_bg:] = np.clip(pts[:, 0] + rng.normal(0, 0.0015, n - n_bg), SOUTH, NORTH)
    lon[n_bg:] = np.clip(pts[:, 1] + rng.normal(0, 0.002, n - n_bg), WEST, EAST)
    start = np.datetime64("2024-01-01T00:00", "s").astype(np.int64)
    seconds = rng.integers(0, 365 * 86400, n) + (rng.vonmises(0, 1.0, n) * 86400 / (2 * np.pi)).astype(
        np.int64
    )
    times = (start + seconds).astype("datetime64[s]").astype("datetime64[ns]")
    return EventTable.from_times(lat, lon, times, timezone="Europe/Paris")


def measure(fn):
    tracemalloc.start()
    t0 = time.perf_counter()
    out = fn()
    seconds = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return out, seconds, peak / 2**20


def scene_estimate_rows(days: float, cell_size: float, city: bool) -> tuple[list[tuple[str, ...]], list]:
    """The scene estimate on a simulated Paris year: rows of the table and checks."""
    from observatory.analysis.core.estimate import SceneEstimate
    from observatory.analysis.core.grids import SquareGrid
    from observatory.simulation.core import validation as v
    from observatory.simulation.core.scenario import load_scenario

    t0 = time.perf_counter()
    paris = v.run(load_scenario("paris").with_overrides(days=days))
    t_sim = time.perf_counter() - t0
    uses = int(v._true_uses(paris).sum())
    reports = int(v._resident(paris).sum())
    rounds = len(v.rounds_of(paris))
    rows = [(f"simulation of {days:g} days ({uses:,} true uses, {reports:,} reports, {rounds:,} rounds)",
             "", f"{t_sim:.1f}", "")]  # fmt: skip
    grids = [("scene", v.estimate_grid(paris, cell_size=cell_size))]
    if city:
        proj = v._projection(paris)
        x, y = proj.forward(np.array([SOUTH, NORTH]), np.array([WEST, EAST]))
        grids.append(("all of Paris", SquareGrid.covering(x, y, cell_size, proj.crs)))
    checks = []
    for name, grid in grids:
        inputs = v.estimate_inputs(paris, grid)
        est, t_est, m_est = measure(lambda inputs=inputs: SceneEstimate.fit(**inputs))
        rows.append((f"scene estimate + standard errors, grid over {name} ({est.iterations} Fisher steps)",
                     f"{grid.n_cells:,}", f"{t_est:.2f}", f"{m_est:.0f}"))  # fmt: skip
        _, t_fit, m_fit = measure(lambda inputs=inputs: SceneEstimate.fit(**inputs, standard_errors=False))
        rows.append((f"scene estimate without standard errors, grid over {name}", f"{grid.n_cells:,}",
                     f"{t_fit:.2f}", f"{m_fit:.0f}"))  # fmt: skip
        if name == "scene":
            target = f"scene estimate, {days:g} days of Paris at {cell_size:g} m < 10 s"
            checks.append((target, f"{t_est:.2f} s", t_est < 10))
        else:
            checks.append((f"scene estimate over all of Paris ({grid.n_cells:,} cells) < 1 GiB traced",
                           f"{m_est:.0f} MiB", m_est < 1024))  # fmt: skip
    return rows, checks


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--cell-size", type=float, default=100.0)
    parser.add_argument("--scene-days", type=float, default=365.0, help="days of the simulated Paris scene")
    parser.add_argument("--no-city", action="store_true", help="skip the estimate over all of Paris")
    args = parser.parse_args()

    events = simulate(args.events)
    rows = []

    def full_gi():
        projection, x, y = project_events(events.lat, events.lon)
        grid, res = hs.hotspots_square(x, y, cell_size=args.cell_size, crs=projection.crs, fdr=True)
        return projection, x, y, grid, res

    (projection, x, y, grid, _), t_full, m_full = measure(full_gi)
    rows.append(("Gi* + FDR, projection and gridding included", f"{t_full:.3f}", f"{m_full:.0f}"))
    counts = grid.count(x, y)
    gi, t_gi, m_gi = measure(lambda: hs.gi_star_grid(counts, rings=1, fdr=True))
    rows.append((f"Gi* + FDR on the {grid.ny} x {grid.nx} grid", f"{t_gi:.3f}", f"{m_gi:.0f}"))
    kde, t_kde, m_kde = measure(lambda: hs.quartic_kde(x, y, grid))
    rows.append((f"quartic KDE (radius {kde.radius_m:.0f} m)", f"{t_kde:.3f}", f"{m_kde:.0f}"))
    _, t_rh, m_rh = measure(lambda: rhythm(events))
    rows.append(("rhythm (hour of week, Rayleigh)", f"{t_rh:.3f}", f"{m_rh:.0f}"))

    import libpysal
    from esda.getisord import G_Local

    def esda_gi():
        w = libpysal.weights.lat2W(grid.ny, grid.nx, rook=False)  # row-major ids, as our grid
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return G_Local(counts.ravel().astype(float), w, transform="B", star=True, permutations=0)

    ref, t_esda, m_esda = measure(esda_gi)
    scene_rows, scene_checks = scene_estimate_rows(args.scene_days, args.cell_size, not args.no_city)
    rows.append(("esda G_Local(star, B) + lat2W queen weights", f"{t_esda:.3f}", f"{m_esda:.0f}"))
    z_diff = float(np.nanmax(np.abs(ref.Zs - gi.z)))
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(
        f"{args.events:,} events over Paris, {args.cell_size:g} m cells "
        f"({grid.n_cells:,} cells, {projection.crs}); "
        f"{gi.n_hot} hot and {gi.n_cold} cold cells at 0.05 with FDR"
    )
    print(format_table(["step", "seconds", "peak MiB (tracemalloc)"], rows))
    print()
    print(
        f"Scene estimate (reports and rounds fused) on the simulated Paris scene, {args.cell_size:g} m cells"
    )
    print(format_table(["step", "cells", "seconds", "peak MiB (tracemalloc)"], scene_rows))
    print()
    checks = [
        ("Gi* on 1M events (full) < 3 s", f"{t_full:.3f} s", t_full < 3),
        ("speed-up vs esda (Gi* step) >= 10x", f"{t_esda / t_gi:.0f}x", t_esda / t_gi >= 10),
        ("speed-up vs esda (full pipeline)", f"{t_esda / t_full:.1f}x", True),
        ("max |z - z_esda| <= 1e-9", f"{z_diff:.2e}", z_diff <= 1e-9),
        ("process peak RSS < 1 GiB", f"{peak_rss:.0f} MiB", peak_rss < 1024),
        *scene_checks,
    ]
    print(format_table(["target", "measured", "met"], [(a, b, "yes" if c else "NO") for a, b, c in checks]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
