"""Displacement after a police operation: Bowers and Johnson's WDQ and Wheeler and Ratcliffe's WDD.

Areas: the target area (A), a buffer around it (B, where displaced events would go) and a control
area (C; optionally a second control for the buffer, D). Counts before (``0``) and after (``1``) the
operation, over windows of ``before`` and ``after`` days (the operation day opens the after window).

Bowers and Johnson (2003), "Measuring the geographical displacement and diffusion of benefit effects
of crime prevention activity", J. Quant. Criminol. 19(3):

* success measure ``SM = A1/C1 - A0/C0`` (negative: the target improved relative to the control);
* buffer displacement measure ``BDM = B1/C1 - B0/C0``;
* weighted displacement quotient ``WDQ = BDM / SM`` (interpretable only when SM < 0);
* total net effect ``TNE = (A0 C1/C0 - A1) + (B0 C1/C0 - B1)``: events prevented, net of displacement.

Wheeler and Ratcliffe (2018), "A simple weighted displacement difference test to evaluate place based
crime interventions", Crime Science 7:11: ``WDD = (A1 - A0) - (C1 - C0) + (B1 - B0) - (D1 - D0)``,
with Poisson variance ``A0 + A1 + C0 + C1 + B0 + B1 + D0 + D1`` (when D is C, its change counts twice
and its variance four times).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

TINY_SUCCESS = 0.1  # |SM| below this share of the before ratio A0/C0 gets a warning
Z_95 = 1.959963984540054


@dataclass(frozen=True)
class Counts:
    # Reports (whole numbers), or the estimated scene's people per pass summed over an area.
    before: float
    after: float

    @property
    def change(self) -> float:
        return self.after - self.before


@dataclass
class DisplacementResult:
    target: Counts
    buffer: Counts
    control: Counts
    buffer_control: Counts | None
    success_measure: float | None
    buffer_displacement_measure: float | None
    wdq: float | None
    total_net_effect: float | None
    wdd: float
    wdd_se: float
    wdd_z: float
    wdd_ci95: tuple[float, float]
    wdd_p: float
    interpretation: str
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        counts = {
            "target": vars(self.target),
            "buffer": vars(self.buffer),
            "control": vars(self.control),
        }
        if self.buffer_control is not None:
            counts["buffer_control"] = vars(self.buffer_control)
        return {
            "success_measure": self.success_measure,
            "buffer_displacement_measure": self.buffer_displacement_measure,
            "wdq": self.wdq,
            "total_net_effect": self.total_net_effect,
            "wdd": self.wdd,
            "wdd_se": self.wdd_se,
            "wdd_z": self.wdd_z,
            "wdd_ci95": list(self.wdd_ci95),
            "wdd_p": self.wdd_p,
            "interpretation": self.interpretation,
            "warnings": list(self.warnings),
            "counts": counts,
        }


def _wdq_words(sm: float | None, wdq: float | None) -> str:
    if sm is None or wdq is None:
        return "the WDQ is not interpretable"
    if abs(wdq) < 1e-12:
        return "no displacement and no diffusion of benefits (WDQ = 0)"
    if wdq > 0:
        return "diffusion of benefits: the buffer improved too (WDQ > 0)"
    if abs(wdq + 1) < 1e-12:
        return "displacement equal to the gain: no net effect (WDQ = -1)"
    if wdq > -1:
        return "displacement smaller than the gain: net benefit (-1 < WDQ < 0)"
    return "displacement larger than the gain: a net loss (WDQ < -1)"


def displacement_measures(
    target: Counts, buffer: Counts, control: Counts, buffer_control: Counts | None = None
) -> DisplacementResult:
    """Every measure from before/after counts of the target, buffer and control areas."""
    a0, a1, b0, b1, c0, c1 = (
        target.before,
        target.after,
        buffer.before,
        buffer.after,
        control.before,
        control.after,
    )
    for name, v in (
        ("target", target),
        ("buffer", buffer),
        ("control", control),
        ("buffer_control", buffer_control),
    ):
        if v is not None and (v.before < 0 or v.after < 0):
            raise ValueError(f"{name} counts must be >= 0")
    warnings: list[str] = []
    sm = bdm = wdq = tne = None
    if c0 == 0 or c1 == 0:
        warnings.append("the control area has no events before or after: the WDQ cannot be computed")
    else:
        sm = a1 / c1 - a0 / c0
        bdm = b1 / c1 - b0 / c0
        tne = (a0 * c1 / c0 - a1) + (b0 * c1 / c0 - b1)
        if sm >= 0:
            warnings.append(
                f"the success measure is {sm:.4g} (not negative): the target did not improve relative to "
                "the control, so the WDQ is not interpretable"
            )
        else:
            wdq = bdm / sm
            if a0 > 0 and abs(sm) < TINY_SUCCESS * (a0 / c0):
                warnings.append(
                    f"the success measure {sm:.4g} is tiny (under {TINY_SUCCESS:.0%} of the before ratio "
                    f"{a0 / c0:.4g}): the WDQ is unstable"
                )
    for name, v in (("target", target), ("buffer", buffer), ("control", control)):
        if v.before + v.after < 10:
            warnings.append(f"few events in the {name} ({v.before} before, {v.after} after): low power")

    d = buffer_control if buffer_control is not None else control
    same_control = buffer_control is None
    wdd = float(target.change - control.change + buffer.change - d.change)
    var = a0 + a1 + b0 + b1 + (4 * (c0 + c1) if same_control else c0 + c1 + d.before + d.after)
    se = math.sqrt(var)
    z = wdd / se if se > 0 else math.nan
    p = math.erfc(abs(z) / math.sqrt(2)) if se > 0 else math.nan
    ci = (wdd - Z_95 * se, wdd + Z_95 * se)

    words = [_wdq_words(sm, wdq)]
    if se > 0:
        if ci[1] < 0:
            words.append(
                f"WDD {wdd:+.0f} (95 % interval {ci[0]:.1f} to {ci[1]:.1f}): a significant net reduction"
            )
        elif ci[0] > 0:
            words.append(
                f"WDD {wdd:+.0f} (95 % interval {ci[0]:.1f} to {ci[1]:.1f}): a significant net increase"
            )
        else:
            words.append(
                f"WDD {wdd:+.0f} (95 % interval {ci[0]:.1f} to {ci[1]:.1f}): no significant net change"
            )
    return DisplacementResult(
        target,
        buffer,
        control,
        buffer_control,
        sm,
        bdm,
        wdq,
        tne,
        wdd,
        se,
        z,
        ci,
        p,
        "; ".join(words),
        warnings,
    )


def percent_change(counts: Counts) -> float | None:
    """The change from before to after in per cent of before (-40.0: fell by 40 %); None when
    there was nothing before (no share to take)."""
    if counts.before <= 0:
        return None
    return 100.0 * (counts.after - counts.before) / counts.before


@dataclass(frozen=True)
class AreaDistances:
    """How the three areas lie (metres, square metres): what the method's words quote."""

    target_area: float  # m2
    buffer_width: float  # the ring's reach beyond the target
    control_near: float  # the control's nearest point from the target
    control_far: float  # and its farthest


def area_distances(target: BaseGeometry, buffer: BaseGeometry, control: BaseGeometry) -> AreaDistances:
    """The target's surface, the buffer's width (how far the buffer reaches beyond the target) and
    the control's nearest and farthest distances from the target, in CRS units (metres)."""
    reach = target.union(buffer)
    near, far = distance_range(target, control)
    return AreaDistances(
        target_area=float(target.area),
        buffer_width=float(shapely.hausdorff_distance(reach, target)),
        control_near=near,
        control_far=far,
    )


def distance_range(target: BaseGeometry, area: BaseGeometry) -> tuple[float, float]:
    """How near and how far ``area`` lies from the target's edge (CRS units; 0 where they touch or
    overlap). The far end is the farthest vertex: exact for polygons, which is what areas are."""
    far = max((target.distance(shapely.Point(p)) for p in _vertices(area)), default=0.0)
    return float(target.distance(area)), float(far)


def _vertices(geom: BaseGeometry) -> NDArray[np.float64]:
    return np.asarray(shapely.get_coordinates(geom), dtype=np.float64)


def ring_buffer(target: BaseGeometry, width: float) -> BaseGeometry:
    """The ring of ``width`` (CRS units) around a target polygon, the target excluded."""
    if not width > 0:
        raise ValueError(f"the buffer width must be positive, not {width}")
    return target.buffer(width).difference(target)


def window_counts(
    x: NDArray[np.float64],
    y: NDArray[np.float64],
    dates: NDArray[np.datetime64],
    area: BaseGeometry,
    operation_date: np.datetime64,
    before_days: int,
    after_days: int,
) -> Counts:
    """Events in ``area`` over ``[date - before, date)`` and ``[date, date + after)``."""
    if before_days < 1 or after_days < 1:
        raise ValueError("the before and after windows must be at least 1 day")
    d = np.asarray(dates, dtype="datetime64[D]")
    op = np.array(operation_date, dtype="datetime64[D]")
    in_window = (d >= op - np.timedelta64(before_days, "D")) & (d < op + np.timedelta64(after_days, "D"))
    xs, ys = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    return split_counts(xs[in_window], ys[in_window], d[in_window] >= op, area)


def split_counts(
    x: NDArray[np.float64], y: NDArray[np.float64], after: NDArray[np.bool_], area: BaseGeometry
) -> Counts:
    """Events in ``area`` (its boundary included) before and after, for events already in the
    windows: ``after`` says which happened on or after the operation day."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    after = np.asarray(after, dtype=bool)
    # The area's bounds first (cheap), then the exact test on what is left: a point meets the
    # polygon when it lies inside it or on its boundary.
    x0, y0, x1, y1 = area.bounds
    near = (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)
    inside = np.zeros(len(x), dtype=bool)
    if near.any():
        shapely.prepare(area)
        inside[near] = shapely.intersects_xy(area, x[near], y[near])
    return Counts(int((inside & ~after).sum()), int((inside & after).sum()))
