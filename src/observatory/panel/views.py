"""The citizens' panel in the web app.

Public: the list of panels, the registration form (features, then contact details kept apart,
then consent) and the draw page, which shows the commitment before the draw (hashes of the pool,
quotas and lottery, the method, where the seed comes from) and the result after (seed numbers,
the panel's public ids, the audit file, the anonymised pool and quotas, the command to verify).

Observatory members: create a panel and its features, open and close registration, set quotas,
compute every method on the current pool and compare them (one chart of everyone's probability,
sorted), commit, run the draw with the numbers drawn in public, and read contacts (each reading
goes to the audit log).
"""

from __future__ import annotations

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST

from observatory.accounts import audit
from observatory.accounts.roles import OBSERVATORY, has_role, role_required
from observatory.jobs.models import Job
from observatory.jobs.services import submit
from observatory.panel import services
from observatory.panel.core.lottery import QuotaBound
from observatory.panel.forms import ComputeForm, DrawForm, PanelForm, QuotaForm, RegistrationForm, StatusForm
from observatory.panel.models import Contact, Panel, Volunteer

SESSION_KEY = "panel_registration"


def index(request: HttpRequest) -> HttpResponse:
    """Every panel: register while registration is open, follow the draw once committed."""
    panels = Panel.objects.all()[:100]
    member = has_role(request.user, OBSERVATORY)
    return render(request, "panel/index.html", {"panels": panels, "member": member})


@role_required(OBSERVATORY)
def panel_new(request: HttpRequest) -> HttpResponse:
    form = PanelForm(request.POST or None)
    if request.method != "POST":
        return render(request, "panel/panel_form.html", {"form": form})
    if not form.is_valid():
        return render(request, "panel/panel_form.html", {"form": form}, status=400)
    with transaction.atomic():
        panel = form.save(commit=False)
        panel.created_by = request.user
        panel.save()
        form.save_features(panel)
        audit.record(request.user, "panel.create", panel, after={"name": panel.name, "size": panel.size})
    messages.success(request, _("The panel was created: registration is open."))
    return redirect("panel:manage", panel.pk)


def _counts(panel: Panel) -> list[dict]:
    """Volunteers per feature value, next to its quota."""
    tally: dict[tuple[str, str], int] = {}
    for values in panel.volunteers.values_list("values", flat=True):
        for f, v in values.items():
            tally[f, v] = tally.get((f, v), 0) + 1
    return [
        {
            "feature": feature,
            "values": [{"value": v, "count": tally.get((feature.key, v.key), 0)} for v in values],
        }
        for feature, values in services.feature_values(panel)
    ]


def _manage_page(
    request: HttpRequest,
    panel: Panel,
    *,
    form: PanelForm | None = None,
    draw_form: DrawForm | None = None,
    error: str | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "panel": panel,
        "form": form or PanelForm(instance=panel),
        "draw_form": draw_form or DrawForm(),
        "status_form": StatusForm(),
        "compute_form": ComputeForm(),
        "volunteers": panel.volunteers.count(),
        "counts": _counts(panel),
        "computations": list(panel.computations.all()),
        "commit_job": services.pending_commit(panel),
        "error": error,
    }
    return render(request, "panel/manage.html", context, status=status)


@role_required(OBSERVATORY)
def manage(request: HttpRequest, panel_id: int) -> HttpResponse:
    """The panel's settings (POST saves them), the pool's counts and the next steps."""
    panel = get_object_or_404(Panel, pk=panel_id)
    if request.method != "POST":
        return _manage_page(request, panel)
    if panel.is_frozen:
        return _manage_page(
            request, panel, error=_("The panel is committed: its settings no longer change."), status=409
        )
    before = {"name": panel.name, "size": panel.size, "method": panel.method}
    form = PanelForm(request.POST, instance=panel)
    if not form.is_valid():
        panel.refresh_from_db()
        return _manage_page(request, panel, form=form, status=400)
    with transaction.atomic():
        panel = form.save()
        form.save_features(panel)
        audit.record(
            request.user,
            "panel.edit",
            panel,
            before=before,
            after={"name": panel.name, "size": panel.size, "method": panel.method},
        )
    messages.success(request, _("Saved."))
    return redirect("panel:manage", panel.pk)


@require_POST
@role_required(OBSERVATORY)
def set_status(request: HttpRequest, panel_id: int) -> HttpResponse:
    """Open or close registration (a committed panel stays as it is)."""
    panel = get_object_or_404(Panel, pk=panel_id)
    form = StatusForm(request.POST)
    if not form.is_valid():
        return _manage_page(request, panel, error=_("Choose to open or close registration."), status=400)
    if panel.is_frozen:
        return _manage_page(
            request, panel, error=_("The panel is committed: registration cannot reopen."), status=409
        )
    before = panel.status
    panel.status = form.cleaned_data["status"]
    panel.save(update_fields=["status"])
    audit.record(
        request.user, "panel.status", panel, before={"status": before}, after={"status": panel.status}
    )
    return redirect("panel:manage", panel.pk)


def register(request: HttpRequest, panel_id: int) -> HttpResponse:
    """The public registration form: features, then contact details (stored apart), then consent."""
    panel = get_object_or_404(Panel, pk=panel_id)
    if not panel.is_open:
        status = 409 if request.method == "POST" else 200
        return render(request, "panel/register.html", {"panel": panel, "closed": True}, status=status)
    form = RegistrationForm(request.POST or None, panel=panel)
    if request.method != "POST":
        return render(request, "panel/register.html", {"panel": panel, "form": form})
    if not form.is_valid():
        return render(request, "panel/register.html", {"panel": panel, "form": form}, status=400)
    for _attempt in range(5):  # a random public id may, very rarely, be taken already
        try:
            with transaction.atomic():
                locked = Panel.objects.select_for_update().get(pk=panel.pk)
                if not locked.is_open:
                    return render(
                        request, "panel/register.html", {"panel": panel, "closed": True}, status=409
                    )
                volunteer = Volunteer.objects.create(panel=panel, values=form.values)
                Contact.objects.create(
                    volunteer=volunteer,
                    name=form.cleaned_data["name"],
                    email=form.cleaned_data["email"],
                    phone=form.cleaned_data["phone"],
                    consented_at=timezone.now(),
                )
            break
        except IntegrityError:
            continue
    else:
        raise RuntimeError("could not find a free public id")
    request.session[SESSION_KEY] = {"panel": panel.pk, "public_id": volunteer.public_id}
    return redirect("panel:registered", panel.pk)


def registered(request: HttpRequest, panel_id: int) -> HttpResponse:
    """Thanks, with the volunteer's public id (to find themselves in the draw's result)."""
    panel = get_object_or_404(Panel, pk=panel_id)
    # Shown once, then forgotten: sign-up evenings pass one tablet from hand to hand, and the next
    # volunteer must not find the previous one's number on this page.
    mine = request.session.pop(SESSION_KEY, None) or {}
    public_id = mine.get("public_id") if mine.get("panel") == panel.pk else None
    response = render(request, "panel/registered.html", {"panel": panel, "public_id": public_id})
    response["Cache-Control"] = "no-store"
    return response


def _quota_page(request: HttpRequest, panel: Panel, form: QuotaForm, status: int = 200) -> HttpResponse:
    return render(
        request,
        "panel/quotas.html",
        {
            "panel": panel,
            "form": form,
            "table": form.table({v["value"].pk: v["count"] for row in _counts(panel) for v in row["values"]}),
            "compute_form": ComputeForm(),
        },
        status=status,
    )


@role_required(OBSERVATORY)
def quotas(request: HttpRequest, panel_id: int) -> HttpResponse:
    panel = get_object_or_404(Panel, pk=panel_id)
    if request.method != "POST":
        return _quota_page(request, panel, QuotaForm(panel=panel))
    if panel.is_frozen:
        return _quota_page(request, panel, QuotaForm(panel=panel), status=409)
    form = QuotaForm(request.POST, panel=panel)
    if not form.is_valid():
        return _quota_page(request, panel, form, status=400)
    before = services.current_quotas_csv(panel)
    with transaction.atomic():
        form.save()
        audit.record(
            request.user,
            "panel.quotas",
            panel,
            before={"quotas": before},
            after={"quotas": services.current_quotas_csv(panel)},
        )
    messages.success(request, _("Quotas saved. Compute the lotteries to see everyone's chance."))
    return redirect("panel:quotas", panel.pk)


@require_POST
@role_required(OBSERVATORY)
def compute(request: HttpRequest, panel_id: int) -> HttpResponse:
    """Run the chosen methods on the current pool and quotas, on a worker (a job: its page shows
    the progress, then the comparison); infeasible quotas go back to the quota form with the
    conflicting bounds on their fields."""
    panel = get_object_or_404(Panel, pk=panel_id)
    form = ComputeForm(request.POST)
    if not form.is_valid():
        return _manage_page(request, panel, error=_("Choose at least one method."), status=400)
    job = submit(
        "observatory.panel.services.compute_job",
        {"panel": panel.pk, "methods": list(form.cleaned_data["methods"])},
        label=gettext_noop("Lotteries of the panel “%(name)s”"),
        label_params={"name": panel.name},
        user=request.user,
        target=services.job_target(panel),
    )
    if job.status == Job.Status.FAILED:  # refused at once (the job ran in the request: tests)
        return _refused(request, panel, job)
    if job.status == Job.Status.DONE:
        return redirect("panel:compare", panel.pk)
    return redirect("jobs:detail", job.pk)


@role_required(OBSERVATORY)
def compare(request: HttpRequest, panel_id: int) -> HttpResponse:
    """The computed methods side by side and one chart of everyone's probability, sorted."""
    panel = get_object_or_404(Panel, pk=panel_id)
    inputs = services.current_inputs(panel)
    order = {m: i for i, m in enumerate(("leximin", "maximin", "nash", "goldilocks", "legacy"))}
    computations = sorted(panel.computations.all(), key=lambda c: order.get(c.method, 99))
    current = [
        c
        for c in computations
        if (c.pool_sha256, c.quotas_sha256, c.size) == (inputs.pool_sha256, inputs.quotas_sha256, panel.size)
    ]
    rows = []
    for c in computations:
        p = list(c.probabilities.values())
        rows.append(
            {
                "c": c,
                "current": c in current,
                "max": max(p) if p else None,
                "zero": sum(1 for x in p if x <= 1e-9),
            }
        )
    svg = (
        services.probability_chart(
            current,
            xlabel=_("volunteers, from the smallest chance to the largest (share of the pool)"),
            ylabel=_("probability of being selected"),
            equal_label=_("k/n: everyone's chance without quotas"),
        )
        if current
        else ""
    )
    context = {"panel": panel, "rows": rows, "svg": svg, "n": inputs.pool.n, "compute_form": ComputeForm()}
    return render(request, "panel/compare.html", context)


def _refused(request: HttpRequest, panel: Panel, job: Job) -> HttpResponse:
    """A panel job that failed at once: infeasible quotas go back to the quota form with the
    conflicting bounds on their fields, any other reason to the panel's page."""
    result = job.result or {}
    if result.get("conflict") is not None:
        conflict = [QuotaBound(**b) for b in result["conflict"]]
        return _quota_page(request, panel, QuotaForm.with_conflict(panel, conflict), status=400)
    return _manage_page(request, panel, error=job.error_text, status=400)


@require_POST
@role_required(OBSERVATORY)
def commit(request: HttpRequest, panel_id: int) -> HttpResponse:
    """Freeze and publish the pool and quotas and the chosen method's lottery (their hashes).

    Solving the lottery takes long: a worker does it (a job, whose page shows the progress and
    then leads to the draw page); this request only checks that the panel can be committed."""
    panel = get_object_or_404(Panel, pk=panel_id)
    try:
        inputs = services.check_committable(panel)
    except services.PanelError as exc:
        return _manage_page(request, panel, error=exc.message, status=400)
    pending = services.pending_commit(panel)
    if pending is not None:
        messages.info(request, _("The commitment is already under way."))
        return redirect("jobs:detail", pending.pk)
    job = submit(
        services.COMMIT_JOB,
        {"panel": panel.pk, "expected": services.fingerprint(panel, inputs)},
        label=gettext_noop("Commitment of the panel “%(name)s”"),
        label_params={"name": panel.name},
        user=request.user,
        target=services.job_target(panel),
    )
    if job.status == Job.Status.FAILED:  # refused at once (the job ran in the request: tests)
        panel.refresh_from_db()
        return _refused(request, panel, job)
    if job.status == Job.Status.DONE:
        messages.success(request, _("Committed: the draw page now shows the hashes and the files."))
        return redirect("panel:draw", panel.pk)
    messages.info(
        request,
        _("The lottery is being computed; the commitment is published on the draw page when it is done."),
    )
    return redirect("jobs:detail", job.pk)


@require_POST
@role_required(OBSERVATORY)
def run_draw(request: HttpRequest, panel_id: int) -> HttpResponse:
    """Draw with the numbers drawn in public (typed as announced)."""
    panel = get_object_or_404(Panel, pk=panel_id)
    form = DrawForm(request.POST)
    if not form.is_valid():
        return _manage_page(request, panel, draw_form=form, status=400)
    try:
        services.draw(panel, form.cleaned_data["seed_text"], request.user)
    except services.PanelError as exc:
        form.add_error("seed_text", exc.message)
        panel.refresh_from_db()
        return _manage_page(request, panel, draw_form=form, error=exc.message, status=409)
    return redirect("panel:draw", panel.pk)


@role_required(OBSERVATORY)
def contacts(request: HttpRequest, panel_id: int) -> HttpResponse:
    """How to reach volunteers (the drawn ones first); every reading is in the audit log."""
    panel = get_object_or_404(Panel, pk=panel_id)
    drawn = panel.drawn_ids
    people = list(panel.volunteers.select_related("contact").order_by("public_id"))
    people.sort(key=lambda v: (v.public_id not in drawn, v.public_id))
    rows = [{"v": v, "contact": getattr(v, "contact", None), "drawn": v.public_id in drawn} for v in people]
    only_drawn = bool(drawn) and request.GET.get("all") != "1"
    if only_drawn:
        rows = [r for r in rows if r["drawn"]]
    audit.record(request.user, "panel.contacts.view", panel, after={"rows": len(rows)})
    return render(request, "panel/contacts.html", {"panel": panel, "rows": rows, "only_drawn": only_drawn})


def draw_page(request: HttpRequest, panel_id: int) -> HttpResponse:
    """The public draw page: the commitment before, the result and the audit file after."""
    panel = get_object_or_404(Panel, pk=panel_id)
    files = {
        "pool": f"panel-{panel.pk}-pool.csv",
        "quotas": f"panel-{panel.pk}-quotas.csv",
        "audit": f"panel-{panel.pk}-audit.json",
    }
    context = {
        "panel": panel,
        "files": files,
        "urls": {
            name: request.build_absolute_uri(reverse(f"panel:{name}-file", args=[panel.pk]))
            for name in ("pool", "quotas", "audit")
        },
        "volunteers": panel.volunteers.count(),
        "verify": f"observatory panel verify {files['audit']} {files['pool']} {files['quotas']}",
    }
    return render(request, "panel/draw.html", context)


def _download(text: str, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(text.encode("utf-8"), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def pool_csv(request: HttpRequest, panel_id: int) -> HttpResponse:
    """The committed pool, anonymised (public ids and feature values), byte for byte as hashed."""
    panel = get_object_or_404(Panel, pk=panel_id)
    if not panel.is_frozen:
        raise Http404("the pool is published once the panel is committed")
    return _download(panel.pool_csv, f"panel-{panel.pk}-pool.csv", "text/csv; charset=utf-8")


def quotas_csv(request: HttpRequest, panel_id: int) -> HttpResponse:
    panel = get_object_or_404(Panel, pk=panel_id)
    if not panel.is_frozen:
        raise Http404("the quotas are published once the panel is committed")
    return _download(panel.quotas_csv, f"panel-{panel.pk}-quotas.csv", "text/csv; charset=utf-8")


def audit_file(request: HttpRequest, panel_id: int) -> HttpResponse:
    panel = get_object_or_404(Panel, pk=panel_id)
    if panel.audit is None:
        raise Http404("the audit file is published after the draw")
    return _download(services.audit_json(panel), f"panel-{panel.pk}-audit.json", "application/json")
