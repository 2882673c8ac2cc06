"""Writing a run to files: ``reports.csv`` (import format), ``events.csv``, ``rounds.csv``, ``summary.json``.

Files are written into a temporary folder beside the others and moved in place at the end, so an
error leaves no half-written output.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from observatory.simulation.core.tables import EVENT_KINDS, SimulationResult

REPORT_COLUMNS = ("observed_at", "lat", "lon", "category", "description", "reporter_kind", "source")
EVENT_COLUMNS = ("time", "kind", "site", "place", "agent", "size", "lat", "lon")
ROUND_COLUMNS = ("start", "end", "organisation", "place", "people_seen", "contacts", "kits", "referrals")
FILES = ("reports.csv", "events.csv", "rounds.csv", "summary.json")


def iso_utc(times: NDArray[np.datetime64]) -> NDArray[np.str_]:
    """ISO 8601 text with an explicit UTC offset, as Django and ``datetime.fromisoformat`` read it."""
    return np.char.add(np.datetime_as_string(times.astype("datetime64[s]"), unit="s"), "+00:00")


def _step_times(result: SimulationResult, steps: NDArray[np.int64]) -> pd.Categorical:
    # Events are at step resolution: format each step once, not each event.
    return _categorical(steps, list(iso_utc(result.timeline.times)))


def _categorical(codes: NDArray[np.int64], names: list[str]) -> pd.Categorical:
    return pd.Categorical.from_codes(codes, categories=names)


def write_outputs(result: SimulationResult, out_dir: str | Path) -> list[Path]:
    """Write the four files into ``out_dir`` (created if needed); returns their paths."""
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise NotADirectoryError(f"{out} exists and is not a folder")
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".simulation-", dir=out))
    try:
        rep = result.reports
        pd.DataFrame(
            {
                "observed_at": iso_utc(rep.observed_at),
                "lat": rep.lat,
                "lon": rep.lon,
                "category": rep.category,
                "description": rep.description,
                "reporter_kind": rep.reporter_kind,
                "source": rep.source,
            },
            columns=list(REPORT_COLUMNS),
        ).to_csv(tmp / "reports.csv", index=False, float_format="%.6f")
        ev = result.events
        place_ids = [p.id for p in result.scenario.places]
        pd.DataFrame(
            {
                "time": _step_times(result, ev.step),
                "kind": _categorical(ev.kind.astype(np.int64), list(EVENT_KINDS)),
                "site": _categorical(ev.site, result.sites),
                "place": _categorical(ev.place, place_ids),
                "agent": ev.agent,
                "size": ev.size,
                "lat": ev.lat,
                "lon": ev.lon,
            },
            columns=list(EVENT_COLUMNS),
        ).to_csv(tmp / "events.csv", index=False, float_format="%.6f")
        ro = result.rounds
        pd.DataFrame(
            {
                "start": iso_utc(ro.start),
                "end": iso_utc(ro.end),
                "organisation": ro.organisation,
                "place": _categorical(ro.place, place_ids),
                "people_seen": ro.people_seen,
                "contacts": ro.contacts,
                "kits": ro.kits,
                "referrals": ro.referrals,
            },
            columns=list(ROUND_COLUMNS),
        ).to_csv(tmp / "rounds.csv", index=False)
        (tmp / "summary.json").write_text(
            json.dumps(result.summary.as_dict(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
        paths = []
        for name in FILES:
            os.replace(tmp / name, out / name)
            paths.append(out / name)
        return paths
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
