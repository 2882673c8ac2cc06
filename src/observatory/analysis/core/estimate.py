"""The scene, not the complaints: one intensity per cell from reports, outreach rounds and visits.

Residents' reports follow who lives nearby and what they can see (Kontokosta & Hong 2021), so a
map of reports is a map of the scene *thinned* by a reporting rate that varies from cell to cell.
Outreach rounds count people where the teams go, with a known effort. Ecology met the same
problem with presence-only records (collected where naturalists go) and planned surveys, and
solved it by fitting both sources to one intensity surface, each with its own observation model:
the *integrated species distribution model* (Fithian et al. 2015; Dorazio 2014; Koshkina et al.
2017). :class:`SceneEstimate` is that model on a grid of cells:

* the scene: each cell ``i`` has a log-intensity ``eta_i``; ``lambda_i = exp(eta_i)`` is in the
  rounds' unit (people counted per unit of effort spent in the cell);
* reports: ``R_i ~ Poisson(lambda_i * rho_i)`` with a log-linear reporting rate
  ``log rho_i = b0 + b1 log(1 + residents_i) + b2 log(visibility_i) + sum_k c_k z_ik`` (the
  covariates centred): a thinned Poisson point process, counted per cell;
* rounds: ``C_k ~ Poisson(sum_i E_ki lambda_i)`` with ``E_ki`` the effort of round ``k`` in
  cell ``i`` (time spent, headcounts; a route spreads it over the cells walked): rounds detect in
  proportion to the effort, and they fix the unit of ``lambda``;
* care-place visits (optional): ``V_j ~ Poisson(exp(g) sum_i K_ji lambda_i)`` with a known
  catchment ``K`` and an unknown scale ``g``;
* borrowing strength: a Gaussian Markov random field penalty (an intrinsic CAR prior, Besag,
  York & Mollié 1991) on the log-intensities of neighbouring cells (rook contiguity),
  ``smoothing/2 sum_{i~j} (eta_i - eta_j)^2``, plus ``ridge/2 sum_i (eta_i - m)^2`` around a common
  level ``m``, and ``coef_ridge/2 |slopes|^2`` on the reporting coefficients.

The penalised likelihood is maximised by Fisher scoring (Newton steps with the expected
information, sparse, with step halving), with analytic gradients. Standard errors come from the
inverse of the penalised observed Fisher information at the optimum (the Laplace approximation of
the posterior with the penalty read as a Gaussian prior); ``intervals`` gives log-normal
intervals.

Assumptions (what the estimate can and cannot see):

* rounds detect in proportion to the effort given (double the time, double the count), with the
  same detection everywhere;
* the reporting thinning depends only on the covariates given (residents, visibility, others), in
  the log-linear form above, and is the same over the period fitted;
* the scene is summarised over the period: ``lambda`` is its average over the rounds' and the
  reports' period (fit windows separately to see change);
* the reporting coefficients are learned where rounds and reports overlap: rounds must pass cells
  of different reporting conditions (a rounds-only view of one kind of cell cannot separate them);
* a cell that no one reports *and* no round passes cannot be seen: its estimate is its neighbours'
  and the common level, with a wide interval (``data_weight`` near 0 says so).

References:

- Fithian, W., Elith, J., Hastie, T., & Keith, D. A. (2015). Bias correction in species
  distribution models: pooling survey and collection data for multiple species. *Methods in
  Ecology and Evolution* 6(4), 424-438.
- Dorazio, R. M. (2014). Accounting for imperfect detection and survey bias in statistical
  analysis of presence-only data. *Global Ecology and Biogeography* 23(12), 1472-1484.
- Koshkina, V., Wang, Y., Gordon, A., Dorazio, R. M., White, M., & Stone, L. (2017). Integrated
  species distribution models: combining presence-background data and site-occupancy data with
  imperfect detection. *Methods in Ecology and Evolution* 8(4), 420-430.
- Besag, J., York, J., & Mollié, A. (1991). Bayesian image restoration, with two applications in
  spatial statistics. *Annals of the Institute of Statistical Mathematics* 43(1), 1-20.
- Kontokosta, C. E., & Hong, B. (2021). Bias in smart city governance: how socio-spatial
  disparities in 311 complaint behavior impact the fairness of data-driven decisions.
  *Sustainable Cities and Society* 64, 102503.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

Z_95 = 1.959963984540054
_MAX_ETA = 50.0  # exp(50): far beyond any count; keeps a wild Newton step finite


def rook_neighbours(cells: ArrayLike) -> tuple[IntArray, IntArray]:
    """Pairs ``(i, j)`` of cells that share an edge, each pair once, from integer ``(ix, iy)`` indices:
    for each cell in order, its neighbour at ``ix + 1`` then its neighbour at ``iy + 1``."""
    c = np.asarray(cells, dtype=np.int64)
    if c.ndim != 2 or c.shape[1] != 2:
        raise ValueError("grid_cells must be an (n, 2) array of integer (ix, iy) cell indices")
    n = len(c)
    if n == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    # One integer per cell, with room for iy + 1 before the next column: ix + 1 is key + span.
    span = int(c[:, 1].max() - c[:, 1].min()) + 2
    key = (c[:, 0] - c[:, 0].min()) * span + (c[:, 1] - c[:, 1].min())
    order = np.argsort(key, kind="stable")
    sorted_keys = key[order]
    if np.any(sorted_keys[1:] == sorted_keys[:-1]):
        raise ValueError("grid_cells lists a cell twice")

    def cell_at(target: IntArray) -> IntArray:
        pos = np.minimum(np.searchsorted(sorted_keys, target), n - 1)
        return np.where(sorted_keys[pos] == target, order[pos], -1)

    both = np.column_stack([cell_at(key + span), cell_at(key + 1)]).ravel()
    rows = np.repeat(np.arange(n, dtype=np.int64), 2)
    found = both >= 0
    return rows[found], both[found].astype(np.int64)


def _effort_matrix(effort: Any, n_rows: int, n_cells: int, what: str) -> sp.csr_matrix:
    m = sp.csr_matrix(effort, dtype=np.float64)
    if m.shape != (n_rows, n_cells):
        raise ValueError(f"{what} effort is {m.shape[0]} x {m.shape[1]}, expected {n_rows} x {n_cells}")
    if m.nnz and (not np.all(np.isfinite(m.data)) or m.data.min() < 0):
        raise ValueError(f"{what} effort must be finite and >= 0")
    total = np.asarray(m.sum(axis=1)).ravel()
    empty = np.flatnonzero(total <= 0)
    if len(empty):
        first = ", ".join(str(int(k)) for k in empty[:5])
        raise ValueError(
            f"{len(empty)} {what} without effort (no time spent in any cell of the grid): {first}"
            + (" ..." if len(empty) > 5 else "")
        )
    return m


def _counts(values: ArrayLike, n: int, what: str) -> FloatArray:
    a = np.asarray(values, dtype=np.float64).ravel()
    if a.shape != (n,):
        raise ValueError(f"{what} has {a.size} values, expected {n}")
    if not np.all(np.isfinite(a)) or (a.size and a.min() < 0):
        raise ValueError(f"{what} must be counts (finite, >= 0)")
    return a


def _layer(
    values: ArrayLike | None, n: int, what: str, cells: IntArray, *, positive: bool
) -> FloatArray | None:
    if values is None:
        return None
    a = np.asarray(values, dtype=np.float64).ravel()
    if a.shape != (n,):
        raise ValueError(f"the {what} layer has {a.size} values for {n} cells of the grid")
    bad = ~np.isfinite(a) | (a <= 0 if positive else a < 0)
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"the {what} layer does not cover the grid: {int(bad.sum())} cells without a valid value "
            f"(first: cell ix={int(cells[k, 0])}, iy={int(cells[k, 1])})"
        )
    return a


@dataclass(frozen=True)
class SceneEstimate:
    """Intensity of the scene per cell, fused from reports, rounds and (optionally) visits.

    Build it with :meth:`fit`; every result is an attribute (arrays in the order of the cells).
    """

    cells: IntArray  # (n, 2) integer (ix, iy)
    intensity: FloatArray  # lambda_i, in the rounds' unit (people counted per unit of effort)
    log_intensity: FloatArray
    log_intensity_se: FloatArray  # standard error of eta_i (NaN if not computed)
    reporting_rate: FloatArray  # rho_i: expected reports per unit of intensity over the period
    log_reporting_rate_se: FloatArray
    coefficients: dict[str, float]  # the reporting model: intercept and slopes (covariates centred)
    coefficients_se: dict[str, float]
    covariate_means: dict[str, float]  # the centring of each slope's covariate
    visit_scale: float | None  # exp(g): visits per unit of intensity in the catchment
    level: float  # m, the common log-level cells are shrunk towards
    data_weight: FloatArray  # share of each cell's precision that comes from its own data (0..1)
    expected_reports: FloatArray  # lambda_i rho_i: the fitted reports per cell
    deviance: float  # Poisson deviance of the three sources at the optimum
    objective: float  # the penalised negative log-likelihood at the optimum
    iterations: int
    converged: bool
    seconds: float
    smoothing: float
    ridge: float
    warnings: list[str] = field(default_factory=list)

    @property
    def intensity_se(self) -> FloatArray:
        """Delta-method standard error of the intensity."""
        return self.intensity * self.log_intensity_se

    def intervals(self, level: float = 0.95) -> tuple[FloatArray, FloatArray]:
        """Log-normal intervals of the intensity: ``exp(eta ± z se)``."""
        if not 0 < level < 1:
            raise ValueError(f"the level must be between 0 and 1, not {level}")
        from scipy.stats import norm

        z = float(norm.ppf(0.5 + level / 2))
        return (
            np.exp(self.log_intensity - z * self.log_intensity_se),
            np.exp(self.log_intensity + z * self.log_intensity_se),
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "cells": self.cells.tolist(),
            "intensity": self.intensity.tolist(),
            "intensity_se": self.intensity_se.tolist(),
            "reporting_rate": self.reporting_rate.tolist(),
            "data_weight": self.data_weight.tolist(),
            "coefficients": dict(self.coefficients),
            "coefficients_se": dict(self.coefficients_se),
            "visit_scale": self.visit_scale,
            "iterations": self.iterations,
            "converged": self.converged,
            "seconds": self.seconds,
            "warnings": list(self.warnings),
        }

    @classmethod
    def fit(
        cls,
        grid_cells: ArrayLike,
        reports_per_cell: ArrayLike,
        rounds_counts: ArrayLike,
        rounds_effort: Any,
        *,
        residents: ArrayLike | None,
        visibility: ArrayLike | None = None,
        covariates: Mapping[str, ArrayLike] | None = None,
        visits_counts: ArrayLike | None = None,
        visits_catchment: Any = None,
        smoothing: float = 1.0,
        ridge: float = 0.1,
        coef_ridge: float = 0.1,
        max_iter: int = 200,
        tol: float = 1e-7,
        standard_errors: bool = True,
    ) -> SceneEstimate:
        """Fit the model. ``rounds_effort`` and ``visits_catchment`` are (rows x cells) arrays or
        SciPy sparse matrices; ``residents`` (people per cell, from an area layer) and
        ``visibility`` (0 < v <= 1) are per cell. Raises :class:`ValueError` naming what is
        missing: no rounds, a round without effort, a layer that does not cover the grid, a grid
        where no source has data."""
        started = time.perf_counter()
        cells = np.asarray(grid_cells, dtype=np.int64)
        if cells.ndim != 2 or cells.shape[1] != 2 or len(cells) == 0:
            raise ValueError("grid_cells must be a non-empty (n, 2) array of integer (ix, iy) cell indices")
        n = len(cells)
        if not (smoothing >= 0 and ridge > 0 and coef_ridge >= 0):
            raise ValueError("smoothing and coef_ridge must be >= 0 and ridge > 0")
        reports = _counts(reports_per_cell, n, "reports_per_cell")
        counts = np.asarray(rounds_counts, dtype=np.float64).ravel()
        if counts.size == 0:
            raise ValueError(
                "no outreach rounds: without counts of known effort the reporting rate cannot be "
                "separated from the intensity (use the reports alone, and say so)"
            )
        counts = _counts(counts, counts.size, "rounds_counts")
        effort = _effort_matrix(rounds_effort, counts.size, n, "rounds")
        if residents is None:
            raise ValueError("the residents layer is missing: the reporting rate depends on it")
        res = _layer(residents, n, "residents", cells, positive=False)
        vis = _layer(visibility, n, "visibility", cells, positive=True)
        if vis is not None and vis.max() > 1:
            raise ValueError("visibility is a share: 0 < visibility <= 1")
        has_visits = visits_counts is not None
        if has_visits != (visits_catchment is not None):
            raise ValueError("visits need both visits_counts and visits_catchment")
        v_counts = np.zeros(0)
        catchment = sp.csr_matrix((0, n))
        if visits_counts is not None:
            v_counts = _counts(visits_counts, int(np.asarray(visits_counts).size), "visits_counts")
            catchment = _effort_matrix(visits_catchment, v_counts.size, n, "visits")
        if reports.sum() + counts.sum() + v_counts.sum() <= 0:
            raise ValueError("no source has data on the grid: no report, no one met on a round, no visit")

        # Reporting covariates, centred (a constant one carries no information and is dropped).
        warnings: list[str] = []
        raw: dict[str, FloatArray] = {}
        assert res is not None
        raw["log_residents"] = np.log1p(res)
        if vis is not None:
            raw["log_visibility"] = np.log(vis)
        for name, values in (covariates or {}).items():
            layer = _layer(values, n, name, cells, positive=False)
            if layer is None:  # pragma: no cover - _layer returns None only for None
                continue
            raw[name] = layer
        names = ["intercept"]
        columns = [np.ones(n)]
        means: dict[str, float] = {}
        for name, col in raw.items():
            sd = float(col.std())
            if sd <= 1e-12 * max(1.0, abs(float(col.mean()))):
                warnings.append(f"{name} is the same in every cell: it cannot change the reporting rate")
                continue
            means[name] = float(col.mean())
            names.append(name)
            columns.append(col - col.mean())
        x = np.column_stack(columns)
        p = x.shape[1]
        touched = np.asarray((effort != 0).sum(axis=0)).ravel() > 0
        if p > 1 and touched.any():
            spread = x[touched, 1:].std(axis=0)
            for name, s in zip(names[1:], spread, strict=True):
                if s <= 1e-9:
                    warnings.append(
                        f"the rounds pass only cells of one {name}: its effect on reporting rests on "
                        "the penalty, not on the data"
                    )

        # Parameters: eta (n), beta (p), m, and g when there are visits.
        i_beta = n
        i_m = n + p
        i_g = n + p + 1
        size = n + p + 1 + (1 if has_visits else 0)
        slopes = np.zeros(p)
        slopes[1:] = coef_ridge

        ii, jj = rook_neighbours(cells)
        diff = sp.csr_matrix(
            (np.r_[np.ones(len(ii)), -np.ones(len(ii))], (np.r_[np.arange(len(ii)), np.arange(len(ii))],
                                                          np.r_[ii, jj])),
            shape=(len(ii), n),
        )  # fmt: skip
        laplacian = (diff.T @ diff).tocsr()
        # The fixed part of the information: the penalties.
        extra = size - n - p - 1  # the visits' scale, if any
        coupling = sp.csr_matrix(-ridge * np.ones((n, 1)))
        penalty = sp.bmat(
            [
                [smoothing * laplacian + ridge * sp.identity(n), None, coupling, None],
                [None, sp.diags(slopes), None, None],
                [coupling.T, None, sp.csr_matrix([[ridge * n]]), None],
                [None, None, None, sp.csr_matrix((extra, extra)) if extra else None],
            ],
            format="csr",
        )
        x_sp = sp.csr_matrix(x)

        def unpack(theta: FloatArray) -> tuple[FloatArray, FloatArray, float, float]:
            g = float(theta[i_g]) if has_visits else 0.0
            return theta[:n], theta[i_beta : i_beta + p], float(theta[i_m]), g

        def parts(theta: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
            eta, beta, _, g = unpack(theta)
            lam = np.exp(np.minimum(eta, _MAX_ETA))
            mu = np.exp(np.minimum(eta + x @ beta, _MAX_ETA))
            nu = effort @ lam
            om = math.exp(g) * (catchment @ lam) if has_visits else np.zeros(0)
            return lam, mu, np.maximum(nu, 1e-300), np.maximum(om, 1e-300)

        def objective(theta: FloatArray) -> float:
            eta, beta, m, _ = unpack(theta)
            _, mu, nu, om = parts(theta)
            ll = float((mu - reports * np.log(mu)).sum() + (nu - counts * np.log(nu)).sum())
            if has_visits:
                ll += float((om - v_counts * np.log(om)).sum())
            d = eta[ii] - eta[jj]
            pen = 0.5 * smoothing * float(d @ d) + 0.5 * ridge * float(((eta - m) ** 2).sum())
            pen += 0.5 * float((slopes * beta * beta).sum())
            return ll + pen

        def gradient_and_information(theta: FloatArray) -> tuple[FloatArray, sp.csr_matrix, FloatArray]:
            eta, beta, m, _ = unpack(theta)
            lam, mu, nu, om = parts(theta)
            grad = np.zeros(size)
            # Reports: d/d eta_i = mu_i - R_i, d/d beta = X'(mu - R).
            resid = mu - reports
            grad[:n] += resid
            grad[i_beta : i_beta + p] += x.T @ resid
            # Rounds: d/d eta_i = lambda_i sum_k E_ki (1 - C_k / nu_k).
            grad[:n] += lam * (effort.T @ (1.0 - counts / nu))
            blocks: list[sp.spmatrix] = []
            j_rep = sp.hstack([sp.identity(n), x_sp, sp.csr_matrix((n, size - n - p))]).tocsr()
            blocks.append(j_rep.T @ sp.diags(mu) @ j_rep)
            d_rounds = (effort @ sp.diags(lam)).tocsr()
            info_r = d_rounds.T @ sp.diags(1.0 / nu) @ d_rounds
            blocks.append(sp.block_diag([info_r, sp.csr_matrix((size - n, size - n))]).tocsr())
            data_info = np.asarray(blocks[0].diagonal()[:n]) + np.asarray(blocks[1].diagonal()[:n])
            if has_visits:
                scale = math.exp(unpack(theta)[3])
                grad[:n] += lam * scale * (catchment.T @ (1.0 - v_counts / om))
                grad[i_g] += float((om - v_counts).sum())
                d_visits = sp.hstack(
                    [scale * (catchment @ sp.diags(lam)), sp.csr_matrix((v_counts.size, p + 1)),
                     sp.csr_matrix(om.reshape(-1, 1))]
                ).tocsr()  # fmt: skip
                info_v = d_visits.T @ sp.diags(1.0 / om) @ d_visits
                blocks.append(info_v)
                data_info += np.asarray(info_v.diagonal()[:n])
            # Penalties.
            grad[:n] += smoothing * (laplacian @ eta) + ridge * (eta - m)
            grad[i_m] += -ridge * float((eta - m).sum())
            grad[i_beta : i_beta + p] += slopes * beta
            info = penalty.copy()
            for b in blocks:
                info = info + b
            return grad, info.tocsc(), data_info

        # Start: every cell at the rounds' mean count per unit of effort; reports scaled to it.
        total_effort = float(effort.sum())
        level0 = math.log(max(counts.sum(), 0.5) / max(total_effort, 1e-12))
        theta = np.zeros(size)
        # Cells start at the rounds' level moved halfway (in logs) towards their share of the
        # reports: the Newton steps then start near the optimum of the busy cells (three steps
        # fewer at a million reports), and the optimum is the same.
        theta[:n] = level0 + 0.5 * np.log((reports + 1.0) / (float(reports.mean()) + 1.0))
        theta[i_m] = level0
        theta[i_beta] = math.log(max(reports.sum(), 0.5) / (n * math.exp(level0)))
        if has_visits:
            theta[i_g] = math.log(max(v_counts.sum(), 0.5) / max(float((catchment @ np.exp(theta[:n])).sum()),
                                                                  1e-12))  # fmt: skip
        f = objective(theta)
        converged = False
        iterations = 0
        for iterations in range(1, max_iter + 1):  # noqa: B007 - the count is kept
            grad, info, _ = gradient_and_information(theta)
            try:
                step = _BlockSolver(info, n).solve(-grad)
            except (RuntimeError, np.linalg.LinAlgError):
                step = np.full(size, np.nan)
            if not np.all(np.isfinite(step)):
                warnings.append("the information matrix is singular: the estimate did not converge")
                break
            # Bound the step in log units (a Poisson log link can jump far from a poor start).
            biggest = float(np.abs(step).max())
            if biggest > 5.0:
                step *= 5.0 / biggest
            t = 1.0
            while True:
                candidate = theta + t * step
                f_new = objective(candidate)
                if np.isfinite(f_new) and f_new <= f + 1e-4 * t * float(grad @ step):
                    break
                t /= 2
                if t < 1e-10:
                    break
            if t < 1e-10:
                converged = float(np.abs(grad).max()) < 1e-4 * max(1.0, abs(f))
                break
            decrease = f - f_new
            theta, f = candidate, f_new
            if float(np.abs(t * step).max()) < tol or decrease < tol * max(1.0, abs(f)) * 1e-3:
                converged = True
                break
        if not converged:
            warnings.append(f"the fit did not converge in {iterations} iterations")

        eta, beta, m, g = unpack(theta)
        lam, mu, nu, om = parts(theta)
        grad, info, data_info = gradient_and_information(theta)
        se_eta = np.full(n, np.nan)
        se_rho = np.full(n, np.nan)
        se_beta = np.full(p, np.nan)
        if standard_errors:
            solver = _BlockSolver(info, n)
            spacing = math.ceil(6 * math.sqrt(max(smoothing, ridge) / ridge)) + 1
            cov_diag = solver.inverse_diagonal(cells, spacing)
            se_eta = np.sqrt(np.maximum(cov_diag[:n], 0.0))
            se_beta = np.sqrt(np.maximum(cov_diag[i_beta : i_beta + p], 0.0))
            # Var(x_i' beta) = x_i' S_bb x_i (the coefficients' block of the inverse is S^-1's).
            s_bb = solver.s_inv[:p, :p]
            se_rho = np.sqrt(np.maximum(np.einsum("ij,jk,ik->i", x, 0.5 * (s_bb + s_bb.T), x), 0.0))
        info_diag = np.asarray(info.diagonal()[:n])
        deviance = 2.0 * float(
            _poisson_dev(reports, mu).sum() + _poisson_dev(counts, nu).sum()
            + (_poisson_dev(v_counts, om).sum() if has_visits else 0.0)
        )  # fmt: skip
        return cls(
            cells=cells,
            intensity=lam,
            log_intensity=eta.copy(),
            log_intensity_se=se_eta,
            reporting_rate=np.exp(x @ beta),
            log_reporting_rate_se=se_rho,
            coefficients={k: float(v) for k, v in zip(names, beta, strict=True)},
            coefficients_se={k: float(v) for k, v in zip(names, se_beta, strict=True)},
            covariate_means=means,
            visit_scale=math.exp(g) if has_visits else None,
            level=m,
            data_weight=np.clip(data_info / np.maximum(info_diag, 1e-300), 0.0, 1.0),
            expected_reports=mu,
            deviance=deviance,
            objective=f,
            iterations=iterations,
            converged=converged,
            seconds=time.perf_counter() - started,
            smoothing=smoothing,
            ridge=ridge,
            warnings=warnings,
        )


def _poisson_dev(y: FloatArray, mu: FloatArray) -> FloatArray:
    with np.errstate(divide="ignore", invalid="ignore"):
        term = np.where(y > 0, y * np.log(y / mu), 0.0)
    return term - (y - mu)


class _BlockSolver:
    """Solves with the information ``[[A, B], [B', D]]``: ``A`` the sparse (cells x cells) block,
    ``B`` and ``D`` the few dense rows of the reporting coefficients and the levels. One sparse LU
    of ``A`` and the Schur complement ``S = D - B' A^-1 B``: the dense rows never fill the LU."""

    def __init__(self, info: sp.spmatrix, n: int) -> None:
        info = sp.csr_matrix(info)
        self.n = n
        # A is symmetric positive definite: a minimum-degree ordering of A + A' and diagonal
        # pivots fill the factors less than the default (COLAMD): a third fewer non-zeros.
        self.lu = spla.splu(
            sp.csc_matrix(info[:n, :n]), permc_spec="MMD_AT_PLUS_A", options={"SymmetricMode": True}
        )
        self.b = info[:n, n:].toarray()
        d = info[n:, n:].toarray()
        self.y = self.lu.solve(self.b) if self.b.shape[1] else np.zeros((n, 0))
        self.s_inv = np.linalg.inv(d - self.b.T @ self.y)

    def solve(self, rhs: FloatArray) -> FloatArray:
        n = self.n
        a_r = self.lu.solve(rhs[:n])
        w = self.s_inv @ (rhs[n:] - self.b.T @ a_r)
        return np.concatenate([a_r - self.y @ w, w])

    def inverse_diagonal(self, cells: IntArray, spacing: int, dense_up_to: int = 3000) -> FloatArray:
        """Diagonal of the inverse: ``diag(A^-1) + diag(Y S^-1 Y')`` for the cells, ``diag(S^-1)``
        for the rest (``Y = A^-1 B``). ``diag(A^-1)`` exactly (dense) up to ``dense_up_to`` cells;
        beyond, by probing (Tang & Saad 2012): one solve per class of cells ``spacing`` apart in x
        and y, ``(A^-1 1_class)_i`` for each cell ``i`` of the class. ``A^-1`` decays with distance
        over ``sqrt(smoothing / ridge)`` cells, so a spacing of six times that leaves an error of the
        order of ``exp(-6)`` of a variance: ``spacing^2`` solves instead of one per cell."""
        n = self.n
        if n <= dense_up_to or spacing**2 >= n:
            a_diag = np.diag(self.lu.solve(np.eye(n)))
        else:
            a_diag = np.empty(n)
            colour = (cells[:, 0] % spacing) * spacing + cells[:, 1] % spacing
            order = np.unique(colour)
            for a in range(0, len(order), 64):
                chunk = order[a : a + 64]
                rhs = (colour[:, None] == chunk[None, :]).astype(np.float64)
                sol = self.lu.solve(rhs)
                col = np.searchsorted(chunk, colour)
                mine = (col < len(chunk)) & (chunk[np.minimum(col, len(chunk) - 1)] == colour)
                idx = np.flatnonzero(mine)
                a_diag[idx] = sol[idx, col[idx]]
        cells = a_diag + np.einsum("ij,jk,ik->i", self.y, self.s_inv, self.y)
        return np.concatenate([cells, np.diag(self.s_inv)])
