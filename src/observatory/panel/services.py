"""What the panel views and commands call: the public files, lotteries, commitment, draw, purge.

The lottery itself is the pure :mod:`observatory.panel.core.lottery`; the draw and its audit file are
:mod:`observatory.panel.core.draw`. This module turns a panel's rows into the exact CSV texts that
are published (``public_id`` and one column per feature; ``feature,value,min,max``), so that the
published files, the hashes announced before the draw and the audit file all agree and
``observatory panel verify AUDIT.json POOL.csv QUOTAS.csv`` passes on the downloads.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

import numpy as np
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from observatory.accounts import audit as audit_log
from observatory.jobs.models import Job
from observatory.jobs.services import JobFailure
from observatory.panel.core import draw as drawing
from observatory.panel.core.lottery import (
    METHODS,
    InfeasibleQuotasError,
    LotteryError,
    LotteryResult,
    Pool,
    Quota,
    solve,
)
from observatory.panel.models import Computation, Contact, FeatureValue, Panel, method_name

ID_COLUMN = "public_id"
QUOTA_HEADER = ["feature", "value", "min", "max"]


class PanelError(ValueError):
    """A step refused in the panel's current state; ``field`` names the form field to blame."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def method_options(method: str) -> dict[str, Any]:
    """Each method's options as ``observatory panel draw`` records them (its defaults), so that
    ``verify`` recomputes the same lottery."""
    if method == "goldilocks":
        return {"gamma": 1.0}
    if method == "legacy":
        return {"draws": 1000}
    return {}


def sha256_text(text: str) -> str:
    """SHA-256 of the UTF-8 bytes: what ``sha256sum`` gives on the downloaded file."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _csv(rows: list[list[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerows(rows)
    return buffer.getvalue()


def feature_values(panel: Panel) -> list[tuple[Any, list[FeatureValue]]]:
    """The panel's features in order, each with its allowed values in order."""
    return [(f, list(f.values.all())) for f in panel.features.prefetch_related("values")]


def current_pool_csv(panel: Panel) -> str:
    """The anonymised pool as published: public ids (sorted, so no registration order shows)
    and feature values, never a contact."""
    keys = [f.key for f in panel.features.all()]
    rows: list[list[Any]] = [[ID_COLUMN, *keys]]
    for public_id, values in panel.volunteers.order_by("public_id").values_list("public_id", "values"):
        rows.append([public_id, *(values.get(k, "") for k in keys)])
    return _csv(rows)


def current_quotas_csv(panel: Panel) -> str:
    rows: list[list[Any]] = [QUOTA_HEADER]
    for feature, values in feature_values(panel):
        for v in values:
            rows.append([feature.key, v.key, v.min_seats, panel.size if v.max_seats is None else v.max_seats])
    return _csv(rows)


def parse_inputs(pool_csv: str, quotas_csv: str) -> tuple[Pool, list[Quota]]:
    """The lottery's pool and quotas from the published CSV texts (what ``verify`` reads)."""
    quotas = [
        Quota(r["feature"], r["value"], int(r["min"]), int(r["max"]))
        for r in csv.DictReader(io.StringIO(quotas_csv))
    ]
    features = list(dict.fromkeys(q.feature for q in quotas))
    rows = list(csv.DictReader(io.StringIO(pool_csv)))
    if not rows:
        return Pool([], {f: [] for f in features}), quotas
    return Pool.from_records(rows, id_column=ID_COLUMN, features=features), quotas


@dataclass
class Inputs:
    pool_csv: str
    quotas_csv: str
    pool: Pool
    quotas: list[Quota]

    @property
    def pool_sha256(self) -> str:
        return sha256_text(self.pool_csv)

    @property
    def quotas_sha256(self) -> str:
        return sha256_text(self.quotas_csv)


def current_inputs(panel: Panel) -> Inputs:
    """The pool and quotas as they are now (frozen ones once the panel is committed)."""
    if panel.is_frozen:
        pool_csv, quotas_csv = panel.pool_csv, panel.quotas_csv
    else:
        pool_csv, quotas_csv = current_pool_csv(panel), current_quotas_csv(panel)
    pool, quotas = parse_inputs(pool_csv, quotas_csv)
    return Inputs(pool_csv, quotas_csv, pool, quotas)


def _check_size(panel: Panel, inputs: Inputs) -> None:
    if inputs.pool.n < panel.size:
        raise PanelError(
            _("The pool has %(n)d volunteers, fewer than the %(k)d seats.")
            % {"n": inputs.pool.n, "k": panel.size},
            field="size",
        )


def compute(panel: Panel, methods: list[str] | tuple[str, ...] = METHODS) -> list[Computation]:
    """Run each method on the current pool and quotas and store its result (replacing the last).

    Raises :class:`~observatory.panel.core.lottery.InfeasibleQuotasError` (with the conflicting bounds)
    before anything is stored when no panel meets the quotas.
    """
    inputs = current_inputs(panel)
    _check_size(panel, inputs)
    results = [solve(inputs.pool, inputs.quotas, panel.size, m, **method_options(m)) for m in methods]
    stored = []
    with transaction.atomic():
        for result in results:
            row, _ = Computation.objects.update_or_create(
                panel=panel,
                method=result.method,
                defaults={
                    "pool_sha256": inputs.pool_sha256,
                    "quotas_sha256": inputs.quotas_sha256,
                    "size": panel.size,
                    "probabilities": result.probability_by_id(),
                    "min_probability": result.min_probability,
                    "gini": result.gini,
                    "seconds": round(result.seconds, 3),
                    "panels": len(result.panels),
                },
            )
            stored.append(row)
    return stored


def audit_inputs(panel: Panel) -> dict[str, Any]:
    """The audit file's ``inputs``: what ``observatory panel verify`` needs besides the two files."""
    return {
        "pool": {"file": f"panel-{panel.pk}-pool.csv", "sha256": panel.pool_sha256},
        "quotas": {"file": f"panel-{panel.pk}-quotas.csv", "sha256": panel.quotas_sha256},
        "id_column": ID_COLUMN,
        "size": panel.size,
        "options": method_options(panel.method),
    }


def canonical_distribution(result: LotteryResult) -> dict[str, Any]:
    """The ``distribution`` section of the audit file (panels in canonical order)."""
    return drawing.make_audit(result, seed_text="-", inputs={})["distribution"]


def distribution_sha256(distribution: dict[str, Any]) -> str:
    """SHA-256 of the audit file's ``distribution`` as canonical JSON (sorted keys, no spaces)."""
    text = json.dumps(distribution, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return sha256_text(text)


def result_from_distribution(distribution: dict[str, Any]) -> LotteryResult:
    """The lottery stored at commitment, back as the result ``draw.make_audit`` takes."""
    ids = sorted(distribution["probabilities"])
    index = {ident: i for i, ident in enumerate(ids)}
    return LotteryResult(
        method=distribution["method"],
        ids=ids,
        k=int(distribution["k"]),
        probabilities=np.array([float(distribution["probabilities"][i]) for i in ids]),
        panels=[
            (tuple(sorted(index[m] for m in p["members"])), float(p["probability"]))
            for p in distribution["panels"]
        ],
        seconds=float(distribution.get("seconds", 0.0)),
    )


def check_committable(panel: Panel) -> Inputs:
    """The pool and quotas a commitment would freeze; PanelError when the panel cannot be committed
    now (registration open, already committed, fewer volunteers than seats). Quick: no solving."""
    if panel.status != Panel.Status.CLOSED:
        raise PanelError(_("Close registration before committing to the pool and quotas."), field="status")
    inputs = current_inputs(panel)
    _check_size(panel, inputs)
    return inputs


def fingerprint(panel: Panel, inputs: Inputs) -> dict[str, Any]:
    """What a commitment freezes, in short: the seats, the method and the two files' hashes."""
    return {
        "size": panel.size,
        "method": panel.method,
        "pool_sha256": inputs.pool_sha256,
        "quotas_sha256": inputs.quotas_sha256,
    }


def _changed() -> PanelError:
    return PanelError(
        _("The pool, the quotas or the settings changed after the commit was asked for: commit again."),
        field="status",
    )


def commit(
    panel: Panel,
    actor,
    progress: Callable[[int, str], None] | None = None,
    expected: dict[str, Any] | None = None,
) -> Panel:
    """Freeze the pool and quotas, compute the chosen method's lottery, publish their hashes.

    Long (it solves the lottery): the web app runs it in :func:`commit_job`, on a worker; the demo
    and the commands call it directly. Registration must be closed. Raises PanelError (state) or
    InfeasibleQuotasError before anything is written. PanelError too when the pool, the quotas,
    the size or the method differ from ``expected`` (their :func:`fingerprint` when the member
    asked for the commitment) or changed while the lottery was computed: what is published is
    what the member saw, and the frozen files, their hashes and the distribution always describe
    the same lottery. ``progress(percent, message)`` is called before solving and before writing
    (a job's progress, which may cancel it).
    """
    inputs = check_committable(panel)
    frozen = fingerprint(panel, inputs)
    if expected is not None and expected != frozen:
        raise _changed()
    size, method = panel.size, panel.method
    if progress:
        progress(5, _("computing the lottery (%(method)s)") % {"method": method_name(method)})
    result = solve(inputs.pool, inputs.quotas, size, method, **method_options(method))
    distribution = canonical_distribution(result)
    if progress:
        progress(90, _("publishing the commitment"))
    with transaction.atomic():
        locked = Panel.objects.select_for_update().get(pk=panel.pk)
        if locked.status != Panel.Status.CLOSED:
            raise PanelError(_("The panel changed meanwhile: reload the page."), field="status")
        if fingerprint(locked, current_inputs(locked)) != frozen:
            raise _changed()
        locked.pool_csv, locked.quotas_csv = inputs.pool_csv, inputs.quotas_csv
        locked.pool_sha256, locked.quotas_sha256 = inputs.pool_sha256, inputs.quotas_sha256
        locked.distribution = distribution
        locked.distribution_sha256 = distribution_sha256(distribution)
        locked.committed_at = timezone.now()
        locked.status = Panel.Status.COMMITTED
        locked.save()
        audit_log.record(
            actor,
            "panel.commit",
            locked,
            after={
                "pool_sha256": locked.pool_sha256,
                "quotas_sha256": locked.quotas_sha256,
                "distribution_sha256": locked.distribution_sha256,
                "method": locked.method,
                "volunteers": inputs.pool.n,
            },
        )
    panel.refresh_from_db()
    return panel


COMMIT_JOB = "observatory.panel.services.commit_job"


def job_target(panel: Panel) -> str:
    """What the panel's jobs (lotteries, commitment) name as their target."""
    return f"panel.panel:{panel.pk}"


def pending_commit(panel: Panel) -> Job | None:
    """The commitment queued or running for this panel, if any (the manage page shows it)."""
    return (
        Job.objects.filter(target=job_target(panel), kind=COMMIT_JOB).exclude(status__in=Job.FINISHED).first()
    )


@contextmanager
def _failures_for_the_job() -> Iterator[None]:
    """A panel job's refusals as the job's failure: infeasible quotas with the conflicting bounds
    (the quota form shows them on their fields), a panel state or a solver error with its reason."""
    try:
        yield
    except InfeasibleQuotasError as exc:
        raise JobFailure(str(exc), field="quotas", conflict=[asdict(b) for b in exc.conflict]) from None
    except PanelError as exc:
        raise JobFailure(exc.message, field=exc.field) from None
    except LotteryError as exc:
        raise JobFailure(str(exc)) from None


def commit_job(ctx) -> dict[str, Any]:
    """The background job behind the commit button: :func:`commit` on a worker, for the member who
    pressed it (the audit log names them). Ends on the public draw page; infeasible quotas fail
    the job with the conflicting bounds, as :func:`compute_job` does."""
    panel = Panel.objects.get(pk=ctx.params["panel"])
    with _failures_for_the_job():
        commit(panel, ctx.job.created_by, progress=ctx.progress, expected=ctx.params.get("expected"))
    return {"url": reverse("panel:draw", args=[panel.pk])}


def draw(panel: Panel, seed_text: str, actor) -> Panel:
    """Draw the panel from the committed lottery with the numbers drawn in public.

    The audit document is checked with ``draw.verify`` (without re-solving, which the committed
    distribution makes unnecessary here) before it is stored.
    """
    if panel.status != Panel.Status.COMMITTED:
        raise PanelError(_("Only a committed panel can be drawn."), field="seed_text")
    if not seed_text.strip():
        raise PanelError(_("Type the numbers drawn in public."), field="seed_text")
    result = result_from_distribution(panel.distribution or {})
    document = drawing.make_audit(result, seed_text=seed_text, inputs=audit_inputs(panel))
    pool, quotas = parse_inputs(panel.pool_csv, panel.quotas_csv)
    failed = [c for c in drawing.verify(document, pool, quotas, recompute=False) if not c["ok"]]
    if failed:  # a bug, never bad input: refuse to publish an audit file that does not verify
        raise RuntimeError(f"the audit document does not verify: {failed}")
    with transaction.atomic():
        locked = Panel.objects.select_for_update().get(pk=panel.pk)
        if locked.status != Panel.Status.COMMITTED:
            raise PanelError(_("The panel was drawn meanwhile: reload the page."), field="seed_text")
        panel.audit = document
        panel.drawn_at = timezone.now()
        panel.status = Panel.Status.DRAWN
        panel.save(update_fields=["audit", "drawn_at", "status"])
        audit_log.record(
            actor, "panel.draw", panel, after={"seed": document["seed"], "panel": document["panel"]}
        )
    return panel


def audit_json(panel: Panel) -> str:
    """The audit file as published (the CLI's layout)."""
    return json.dumps(panel.audit, ensure_ascii=False, indent=1) + "\n"


def purge_expired_contacts(now: datetime | None = None, *, dry_run: bool = False) -> int:
    """Delete the contacts of every panel whose term ended before ``now``'s date; how many.

    Feature values and public ids stay: the published pool and audit file must still verify.
    """
    now = now or timezone.now()
    today: date = timezone.localdate(now) if timezone.is_aware(now) else now.date()
    expired = Panel.objects.filter(term_ends_on__lt=today)
    contacts = Contact.objects.filter(volunteer__panel__in=expired)
    count = contacts.count()
    if dry_run or not count:
        return count
    with transaction.atomic():
        panels = list(expired.filter(volunteers__contact__isnull=False).distinct())
        contacts.delete()
        for panel in panels:
            panel.contacts_purged_at = now
            panel.save(update_fields=["contacts_purged_at"])
        audit_log.record(None, "retention.panel_contacts", "panel.contact", after={"contacts": count})
    return count


def probability_chart(
    computations: list[Computation],
    *,
    xlabel: str,
    ylabel: str,
    equal_label: str,
) -> str:
    """One SVG figure: everyone's selection probability, sorted, one line per method.

    The x axis is the share of the pool (0 to 1), so lines of every method compare point by point;
    the dashed line is k/n, everyone's chance if no quota bent the lottery.
    """
    from matplotlib.figure import Figure

    from observatory.analysis.core.figures import to_svg

    fig = Figure(figsize=(6.4, 3.6))
    ax = fig.add_subplot()
    styles = {"leximin": "-", "maximin": "--", "nash": "-.", "goldilocks": ":", "legacy": "-"}
    colours = {
        "leximin": "#b3340b",
        "maximin": "#2166ac",
        "nash": "#1b7837",
        "goldilocks": "#762a83",
        "legacy": "#7f7f7f",
    }
    for c in computations:
        p = np.sort(np.array(list(c.probabilities.values()), dtype=np.float64))
        if not len(p):
            continue
        x = (np.arange(len(p)) + 0.5) / len(p)
        ax.plot(
            x,
            p,
            drawstyle="steps-mid",
            linestyle=styles.get(c.method, "-"),
            color=colours.get(c.method),
            linewidth=1.6,
            label=f"{method_name(c.method)} (min {c.min_probability:.3f})",
        )
    if computations and computations[0].probabilities:
        n = len(computations[0].probabilities)
        ax.axhline(computations[0].size / n, color="#333333", linewidth=0.8, linestyle=(0, (2, 3)))
        ax.annotate(equal_label, (0.01, computations[0].size / n), fontsize=8, va="bottom", color="#333333")
    ax.set_xlim(0, 1)
    ax.set_ylim(bottom=0)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.25)
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    fig.tight_layout()
    return to_svg(fig)


def compute_job(ctx) -> dict[str, Any]:
    """The background job behind the compute button (jobs/): every chosen method on the pool.

    Infeasible quotas end the job as failed with the conflicting bounds in its result, so that
    the quota form can show each on its field.
    """
    panel = Panel.objects.get(pk=ctx.params["panel"])
    names = ", ".join(method_name(m) for m in ctx.params["methods"])
    ctx.progress(5, _("computing %(methods)s") % {"methods": names})
    with _failures_for_the_job():
        compute(panel, ctx.params["methods"])
    return {"url": reverse("panel:compare", args=[panel.pk])}
