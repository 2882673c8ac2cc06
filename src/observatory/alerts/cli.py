"""``observatory alerts [--now TIME] [--no-mail] [--json]``: run the hourly alerts now.

Without ``--events`` it runs over the app's database, as the hourly job does: published reports
and outreach rounds, new alerts stored (an ongoing cluster updates its alert) and e-mailed to the
members who receive them. With ``--events FILE.csv`` (``lat,lon,time`` columns, the format of
``observatory analyse``) it runs the same detector over the file and stores nothing: a way to try
the settings on an export or a simulation.
"""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

import h3
import numpy as np

from observatory.core.clikit import InputError, emit, format_table, run_command


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="observatory alerts",
        description="Look for emerging clusters and sudden rises now (the hourly alerts), store and e-mail "
        "new alerts; with --events, over a CSV file and without storing anything.",
    )
    parser.add_argument("--now", help="the run's time, ISO 8601 with an offset (default: this hour)")
    parser.add_argument("--no-mail", action="store_true", help="store new alerts but send no e-mail")
    parser.add_argument("--events", metavar="FILE.csv", help="reports as lat,lon,time (nothing stored)")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    return parser


def _now(text: str | None) -> dt.datetime | None:
    if text is None:
        return None
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        raise InputError(
            f"{text!r} is not an ISO 8601 time such as 2026-05-01T14:00+02:00", field="--now"
        ) from None
    if when.tzinfo is None:
        raise InputError(f"{text!r} has no offset (add +00:00 or the city's offset)", field="--now")
    return when


def _signal_rows(signals: list[dict[str, Any]]) -> str:
    rows = [
        [
            s["kind"],
            s.get("place") or ",".join(s["cells"][:2]),
            s["observed"],
            round(s["expected"], 1),
            s.get("window_hours", ""),
            s["recurrence_days"] or "never by chance",
        ]
        for s in signals
    ]
    return format_table(["kind", "where", "observed", "expected", "window h", "recurrence (days)"], rows)


def _from_file(path: str, now: dt.datetime | None) -> dict[str, Any]:
    from observatory.alerts.core.detector import AlertSettings, detect
    from observatory.analysis.core.events import read_events_csv

    table = read_events_csv(path)
    if table.times is None:
        raise InputError("the alerts need times of day, not dates only", file=path, field="time")
    s = AlertSettings()
    seconds = table.times.astype("datetime64[s]").astype(np.int64)
    hours = seconds / 3600.0
    if now is None:
        now_h = float(np.ceil(hours.max()))
    else:
        now_h = now.timestamp() / 3600.0
    cells = [
        h3.latlng_to_cell(float(a), float(b), s.resolution) for a, b in zip(table.lat, table.lon, strict=True)
    ]
    signals = detect(cells, hours, now_h, s)
    return {
        "now": dt.datetime.fromtimestamp(now_h * 3600, tz=dt.UTC).isoformat(),
        "reports": int(np.count_nonzero((hours <= now_h) & (hours > now_h - s.history_hours))),
        "threshold_days": s.threshold_days,
        "signals": [
            {
                "kind": g.kind,
                "cells": list(g.cells),
                "centre": list(g.centre),
                "window_hours": g.window_hours,
                "observed": g.observed,
                "expected": g.expected,
                "p_value": g.p_value,
                "recurrence_days": None if not np.isfinite(g.recurrence_days) else g.recurrence_days,
            }
            for g in signals
        ],
    }


def _from_database(now: dt.datetime | None, send: bool) -> dict[str, Any]:
    from observatory.common.setup import setup_django

    setup_django()
    from observatory.alerts import services
    from observatory.alerts.core.scan import ScanError

    try:
        return services.run(now, send=send).as_dict()
    except ScanError as exc:
        raise InputError(str(exc), field="OBSERVATORY_ALERTS") from None


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)

    def body() -> int:
        now = _now(args.now)
        if args.events:
            payload = _from_file(args.events, now)

            def human() -> str:
                head = f"{payload['reports']} reports up to {payload['now']}; "
                if not payload["signals"]:
                    return head + "no cluster or rise above the threshold"
                return head + f"{len(payload['signals'])} signals\n\n" + _signal_rows(payload["signals"])
        else:
            payload = _from_database(now, not args.no_mail)

            def human() -> str:
                head = (
                    f"run at {payload['now']}: {payload['reports']} reports, {payload['round_visits']} round "
                    f"visits; {len(payload['new_alerts'])} new alerts, {len(payload['continued_alerts'])} "
                    f"ongoing, {payload['mailed']} e-mails sent"
                )
                new = payload["new_alerts"]
                return head + ("\n\n" + "\n".join(f"- {a['sentence']}" for a in new) if new else "")

        emit(payload, as_json=args.json, human=human)
        return 0

    return run_command(body, json_output=args.json)
