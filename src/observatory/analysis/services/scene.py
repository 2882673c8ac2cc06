"""The dashboard's choice of source: the residents' reports, or the estimated scene.

The estimated scene fuses the published reports with the outreach rounds (``analysis/core/estimate.py``,
an integrated species distribution model; ``analysis/services/scene_estimate.py`` reads the rounds, the
residents layer and the reports of a window and fits it, the same fit siting's demand reads). Hot spots,
trends and the displacement panel offer both; the estimated scene is the default where rounds
exist in the window. When it cannot be made (no round, rounds without effort, no residents layer
or one that does not cover the city, a grid where no source has data, a fit that does not
converge) the page reads the reports and says why, in a notice: never a silent zero.

The estimate is fitted on square cells of at least :data:`MIN_CELL_M` metres (a city of 100 m
cells has more cells than the fit takes), and each estimated cell is put on the city grid of the
same size (``floor(centre / size)``), so the pages draw it as they draw the reports.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from numpy.typing import NDArray

from observatory.analysis.services import scene_estimate
from observatory.analysis.services.aggregates import city_projection
from observatory.fieldwork.models import Round
from observatory.reports.models import Category

REPORTS, ESTIMATE = "reports", "estimate"
SOURCE_CHOICES = [(ESTIMATE, gettext_lazy("estimated scene")), (REPORTS, gettext_lazy("reports"))]
MIN_CELL_M = 250


def rounds_in(since: datetime, until: datetime) -> bool:
    """Whether an outreach round started in the window (the estimated scene is then the default)."""
    return Round.objects.filter(started_at__gte=since, started_at__lt=until).exists()


def default_source(since: datetime, until: datetime) -> str:
    return ESTIMATE if rounds_in(since, until) else REPORTS


@dataclass
class Estimated:
    """The estimated scene of one window on the city grid of ``cell_m`` metres."""

    cell_m: float
    ix: NDArray[np.int64]
    iy: NDArray[np.int64]
    intensity: NDArray[np.float64]  # people a round would meet per pass, per cell
    summary: dict[str, Any] = field(default_factory=dict)

    def sure(self) -> str:
        """How sure, in one plain sentence (the share seen directly, the typical interval)."""
        s = self.summary
        words = {"high": _("fairly sure"), "medium": _("partly sure"), "low": _("not very sure")}
        sentence = _(
            "How sure: %(how)s; %(seen)s %% of the estimated scene lies in cells that rounds or reports "
            "see directly, the rest is inferred from their neighbours."
        ) % {
            "how": words.get(s.get("certainty", "low"), words["low"]),
            "seen": round(100 * s.get("seen_share", 0)),
        }
        factor = s.get("interval_factor")
        if factor and factor < 2:  # "1.0 times smaller or larger" reads as nonsense: a percentage
            sentence += " " + _(
                "A typical cell's number is known to within about %(pct)s %% (95 %% interval)."
            ) % {"pct": max(1, round((factor - 1) * 100))}
        elif factor:
            sentence += " " + _(
                "A typical cell's number could be %(f)s times smaller or larger (95 %% interval)."
            ) % {"f": f"{factor:.1f}"}
        return sentence


class Unavailable(Exception):
    """The estimated scene cannot be made; the message names what is missing."""


def estimate(since: datetime, until: datetime, categories: list[str] | None, cell_m: float) -> Estimated:
    """The estimated scene of [since, until) on city cells of ``max(cell_m, MIN_CELL_M)`` metres."""
    size = float(max(cell_m, MIN_CELL_M))
    codes = list(categories) if categories else list(Category.objects.values_list("code", flat=True))
    try:
        demand = scene_estimate.estimate(since, until, codes, size)
    except scene_estimate.EstimateUnavailable as exc:
        raise Unavailable(str(exc)) from None
    if not len(demand.weight) or not np.isfinite(demand.weight).all() or demand.weight.max() <= 0:
        raise Unavailable(_("The estimate found no scene in any cell of this window."))
    x, y = city_projection().forward(demand.lat, demand.lon)
    return Estimated(
        cell_m=size,
        ix=np.floor(np.asarray(x) / size).astype(np.int64),
        iy=np.floor(np.asarray(y) / size).astype(np.int64),
        intensity=np.asarray(demand.weight, dtype=np.float64),
        summary=dict(demand.summary),
    )


@dataclass
class Choice:
    """What a page shows: the source asked for, the one shown, and the sentences that say so."""

    asked: str
    shown: str
    sentence: str = ""
    fallback: str = ""  # why the estimate could not be shown (empty: it is, or was not asked)


def reports_sentence() -> str:
    return _(
        "This page shows the residents' published reports as they are: where few people live or the "
        "street is hidden, the scene is under-counted."
    )


def estimate_sentence(est: Estimated) -> str:
    s = est.summary
    return (
        _(
            "This page shows the estimated scene: %(reports)s residents' published reports corrected by "
            "%(rounds)s "
            "outreach rounds (which count people where they are), on %(m)s m cells."
        )
        % {"reports": s.get("reports", 0), "rounds": s.get("rounds", 0), "m": round(est.cell_m)}
        + " "
        + est.sure()
    )


def fallback_notice(why: str) -> str:
    return _(
        "The estimated scene could not be computed, so this page shows the published reports instead: %(why)s"
    ) % {"why": why}
