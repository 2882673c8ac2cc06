"""Server-side SVG charts (matplotlib, Agg): the plan's indicators and the operations timeline."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _

from observatory.fieldwork.core import plan
from observatory.fieldwork.services.indicators import IndicatorView


def indicator_chart(view: IndicatorView) -> str:
    i = view.indicator
    return plan.chart_svg(
        view.series,
        title=i.name,
        target=i.target,
        start=i.start,
        deadline=i.deadline,
        unit=i.unit,
        target_label=_("target value"),  # not "target": an operation's map has a target area
        deadline_label=_("deadline"),
    )


def timeline_chart(timeline: dict, outreach: list[dict]) -> str:
    """Published reports and outreach contacts per week, with each operation as a vertical line."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.2, 3.2), dpi=100)
    ax = fig.add_subplot()
    reports = timeline["reports"]
    if reports:
        ax.plot([r["week"] for r in reports], [r["reports"] for r in reports], label=_("reports per week"))
    if outreach:
        ax.plot(
            [r["week"] for r in outreach],
            [r["people_met"] for r in outreach],
            label=_("people met per week"),
            color="#1d6b2f",
        )
    for n, op in enumerate(timeline["operations"]):
        ax.axvline(op["date"], color="#b3340b", linestyle=":", label=_("operations") if n == 0 else None)
    ax.set_ylim(bottom=0)
    if ax.get_legend_handles_labels()[0]:  # an empty timeline has nothing to name
        ax.legend(loc="upper left", fontsize=8, frameon=False)
    ax.grid(alpha=0.25)
    fig.autofmt_xdate()
    fig.tight_layout()
    out = io.StringIO()
    fig.savefig(out, format="svg", metadata={"Date": None})
    return out.getvalue()
