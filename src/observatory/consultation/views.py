"""Consultation pages: list, creation, options, codes, the ballot, arguments, results, exports."""

from __future__ import annotations

import csv
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from observatory.accounts.roles import MODERATOR, OBSERVATORY, has_role, role_required
from observatory.consultation import services
from observatory.consultation.core import pdf
from observatory.consultation.forms import ArgumentForm, BallotForm, CodesForm, ConsultationForm, OptionForm
from observatory.consultation.models import Argument, Consultation, Option
from observatory.consultation.services import ConsultationError

# Earlier versions kept the last ballot id here, so the next person on the device saw it.
LEGACY_SESSION_KEY = "consultation_ballots"


def _put_error(form, exc: ConsultationError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def consultation_list(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    consultations = Consultation.objects.all()
    return render(
        request,
        "consultation/list.html",
        {
            "open": [c for c in consultations if c.is_open(now)],
            "upcoming": [c for c in consultations if now < c.starts_at],
            "closed": [c for c in consultations if c.is_over(now)],
            "can_create": has_role(request.user, OBSERVATORY),
        },
    )


@role_required(OBSERVATORY)
def consultation_new(request: HttpRequest) -> HttpResponse:
    """Observatory members open a consultation; "none of these" comes with it."""
    form = ConsultationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        quartiers = data.pop("quartiers")
        consultation = services.create_consultation(created_by=request.user, quartiers=quartiers, **data)
        messages.success(request, _("Consultation created: now add the candidate sites."))
        return redirect("consultation:option-new", consultation.pk)
    return render(
        request, "consultation/consultation_form.html", {"form": form}, status=400 if form.errors else 200
    )


def consultation_detail(request: HttpRequest, consultation_id: int) -> HttpResponse:
    """The question, the period, and each option's evidence sheet and strongest arguments."""
    consultation = get_object_or_404(Consultation, pk=consultation_id)
    now = timezone.now()
    options = services.ordered_options(consultation)
    sheets = [
        {
            "option": o,
            "evidence": services.evidence_sheet(o),
            "arguments": services.strongest_arguments(o),
        }
        for o in options
    ]
    return render(
        request,
        "consultation/detail.html",
        {
            "consultation": consultation,
            "sheets": sheets,
            "is_open": consultation.is_open(now),
            "is_over": consultation.is_over(now),
            "is_member": has_role(request.user, OBSERVATORY),
            "editable": now < consultation.starts_at,
        },
    )


@role_required(OBSERVATORY)
def option_new(request: HttpRequest, consultation_id: int) -> HttpResponse:
    """A candidate site typed by hand (sites from a scenario come through add_site_options)."""
    consultation = get_object_or_404(Consultation, pk=consultation_id)
    form = OptionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_site_options(consultation, [form.cleaned_data], source=Option.Source.HAND)
        except ConsultationError as exc:
            _put_error(form, exc)
        else:
            messages.success(request, _("Option added."))
            return redirect("consultation:option-new", consultation.pk)
    return render(
        request,
        "consultation/option_form.html",
        {"form": form, "consultation": consultation, "options": services.ordered_options(consultation)},
        status=400 if form.errors else 200,
    )


@role_required(OBSERVATORY)
def codes_new(request: HttpRequest, consultation_id: int) -> HttpResponse:
    """Generate one-time codes for a quartier and answer with the PDF: they are never shown again."""
    consultation = get_object_or_404(Consultation, pk=consultation_id)
    if consultation.eligibility != Consultation.Eligibility.CODE:
        raise Http404
    form = CodesForm(request.POST or None, consultation=consultation)
    if request.method == "POST" and form.is_valid():
        area = form.cleaned_data["quartier"]
        try:
            codes = services.generate_codes(consultation, form.cleaned_data["count"], area, by=request.user)
        except ConsultationError as exc:
            _put_error(form, exc)
        else:
            url = request.build_absolute_uri(reverse("consultation:vote", args=[consultation.pk]))
            body = pdf.code_sheet(
                codes,
                title=_("Voting codes"),
                question=consultation.question,
                quartier=area.name,
                url=url,
                valid_until=date_format(timezone.localtime(consultation.ends_at), "DATETIME_FORMAT"),
                lines={
                    "quartier": _("Quartier"),
                    "where": _("Vote on this page with the code above:"),
                    "once": _("The code works once. Vote until"),
                },
            )
            response = HttpResponse(body, content_type="application/pdf")
            response["Content-Disposition"] = (
                f'attachment; filename="codes-{consultation.pk}-{area.code}.pdf"'
            )
            response["Cache-Control"] = "no-store"
            return response
    issued = consultation.codes.count()
    used = consultation.codes.filter(used_at__isnull=False).count()
    return render(
        request,
        "consultation/codes_form.html",
        {"form": form, "consultation": consultation, "issued": issued, "used": used},
        status=400 if form.errors else 200,
    )


@never_cache
def vote(request: HttpRequest, consultation_id: int) -> HttpResponse:
    """The ballot. A code votes once; its holder then changes the ballot with the change key.

    Paper-code votes happen on shared devices (kiosks, outreach workers' tablets): the browser
    is not the voter. Nothing of a code ballot is kept in the session or shown to anyone who
    has not typed its change key, and every answer is ``no-store`` so that Back shows nothing.
    """
    consultation = get_object_or_404(Consultation, pk=consultation_id)
    by_code = consultation.eligibility == Consultation.Eligibility.CODE
    if not by_code and not request.user.is_authenticated:
        return redirect(f"{reverse('login')}?next={request.path}")
    if LEGACY_SESSION_KEY in request.session:  # written by earlier versions: forget it
        del request.session[LEGACY_SESSION_KEY]
    if by_code:
        return _vote_with_code(request, consultation)
    options = services.ordered_options(consultation)
    current = services.ballot_for(consultation, account=request.user)
    now = timezone.now()
    form = BallotForm(
        request.POST or None,
        consultation=consultation,
        options=options,
        ask_code=False,
        ask_quartier=True,
        initial=_initial(consultation, current),
    )
    if request.method == "POST" and form.is_valid():
        try:
            result = services.cast_ballot(
                consultation,
                form.cleaned_data["choices"],
                account=request.user,
                area=form.cleaned_data.get("quartier"),
                now=now,
            )
        except ConsultationError as exc:
            _put_error(form, exc)
        else:
            messages.success(
                request, _("Your vote was changed.") if result.replaced else _("Your vote was recorded.")
            )
            return redirect("consultation:vote", consultation.pk)
    return _render_vote(request, consultation, form, options, now, current=current)


def _vote_with_code(request: HttpRequest, consultation: Consultation) -> HttpResponse:
    """A code or change key typed on a possibly shared device: the answer shows only what was typed.

    * GET: an empty ballot, always.
    * POST with ``show``: the change key opens its ballot, pre-filled (and only then).
    * POST: the vote; the answer confirms it (and gives the change key once) above an empty
      ballot for the next person. No message, no session entry: the browser keeps nothing.
    """
    options = services.ordered_options(consultation)
    now = timezone.now()
    data = request.POST if request.method == "POST" else None
    kwargs: dict[str, Any] = {
        "consultation": consultation,
        "options": options,
        "ask_code": True,
        "ask_quartier": False,
    }
    if data is not None and data.get("show"):
        key = data.get("code", "")
        ballot = services.ballot_for_change_key(consultation, key)
        if ballot is None:
            form = BallotForm({}, **kwargs)  # nothing of what was typed comes back
            form.is_valid()
            form.errors["code"] = form.error_class([_("This is not a change key of this consultation.")])
            return _render_vote(request, consultation, form, options, now, status=400)
        form = BallotForm(initial={"code": key, **_initial(consultation, ballot)}, **kwargs)
        return _render_vote(request, consultation, form, options, now, current=ballot, changing=True)
    form = BallotForm(data, **kwargs)
    if data is not None and form.is_valid():
        try:
            result = services.cast_ballot(
                consultation, form.cleaned_data["choices"], code=form.cleaned_data["code"], now=now
            )
        except ConsultationError as exc:
            _put_error(form, exc)
        else:
            return _render_vote(
                request,
                consultation,
                BallotForm(**kwargs),  # empty: the next person starts afresh
                options,
                now,
                current=result.ballot,
                change_key=result.change_key,
                confirmed=_("Your vote was changed.") if result.replaced else _("Your vote was recorded."),
            )
    return _render_vote(request, consultation, form, options, now)


def _render_vote(
    request: HttpRequest,
    consultation: Consultation,
    form: BallotForm,
    options,
    now,
    *,
    current=None,
    change_key: str | None = None,
    confirmed: str = "",
    changing: bool = False,
    status: int | None = None,
) -> HttpResponse:
    return render(
        request,
        "consultation/vote.html",
        {
            "consultation": consultation,
            "form": form,
            "current": current,
            "current_names": _names(options, current),
            "change_key": change_key,
            "confirmed": confirmed,
            "changing": changing,
            "by_code": consultation.eligibility == Consultation.Eligibility.CODE,
            "is_open": consultation.is_open(now),
            "is_over": consultation.is_over(now),
        },
        status=status or (400 if form.errors else 200),
    )


def _initial(consultation: Consultation, ballot) -> dict:
    if ballot is None:
        return {}
    if consultation.method == Consultation.Method.RANKED:
        return {f"option_{p}": rank for rank, p in enumerate(ballot.choices, start=1)}
    return {f"option_{p}": True for p in ballot.choices}


def _names(options, ballot) -> list[str]:
    if ballot is None:
        return []
    by_position = {o.position: o.label for o in options}
    return [by_position.get(p, "?") for p in ballot.choices]


@login_required
def argument_new(request: HttpRequest, consultation_id: int, option_id: int) -> HttpResponse:
    """An argument for or against an option: pending until a moderator publishes it."""
    option = get_object_or_404(Option, pk=option_id, consultation_id=consultation_id)
    form = ArgumentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.post_argument(option, form.cleaned_data["side"], form.cleaned_data["text"], request.user)
        except ConsultationError as exc:
            _put_error(form, exc)
        else:
            messages.success(request, _("Thank you: your argument will appear once a moderator has read it."))
            return redirect("consultation:detail", consultation_id)
    return render(
        request,
        "consultation/argument_form.html",
        {"form": form, "option": option, "consultation": option.consultation},
        status=400 if form.errors else 200,
    )


@require_POST
@login_required
def endorse(request: HttpRequest, argument_id: int) -> HttpResponse:
    argument = get_object_or_404(Argument.objects.select_related("option"), pk=argument_id)
    try:
        added = services.endorse(argument, request.user)
    except ConsultationError as exc:
        return HttpResponse(exc.message, status=409, content_type="text/plain; charset=utf-8")
    messages.success(request, _("Endorsed.") if added else _("You already endorse this argument."))
    return redirect("consultation:detail", argument.option.consultation_id)


@role_required(MODERATOR)
def moderation(request: HttpRequest) -> HttpResponse:
    qs = (
        Argument.objects.filter(status=Argument.Status.PENDING)
        .select_related("option__consultation")
        .order_by("created_at")
    )
    return render(request, "consultation/moderation.html", {"arguments": qs[:100], "total": qs.count()})


@require_POST
@role_required(MODERATOR)
def moderate(request: HttpRequest, argument_id: int, action: str) -> HttpResponse:
    if action not in ("publish", "reject"):
        raise Http404
    argument = get_object_or_404(Argument, pk=argument_id)
    services.moderate_argument(argument, action, by=request.user)
    messages.success(request, _("Argument published.") if action == "publish" else _("Argument rejected."))
    return redirect("consultation:moderation")


def _closed(consultation: Consultation) -> None:
    if not consultation.is_over():
        raise PermissionDenied(_("The ballots are published when the vote closes."))


def results(request: HttpRequest, consultation_id: int) -> HttpResponse:
    """At the end: participation by quartier, the tally, the method, the pairwise table, arguments."""
    consultation = get_object_or_404(Consultation, pk=consultation_id)
    if not consultation.is_over():
        return render(request, "consultation/results_pending.html", {"consultation": consultation})
    options = services.ordered_options(consultation)
    by_position = {o.position: o for o in options}
    tally = services.count(consultation)
    table = [
        {
            "option": o,
            "approvals": tally.approvals[o.position] if tally.approvals else None,
            "first": tally.first_choices[o.position] if tally.first_choices else None,
            "pairwise": [(tally.pairwise[o.position][q.position] if q != o else None) for q in options]
            if tally.pairwise
            else [],
            "strongest": [(tally.strongest[o.position][q.position] if q != o else None) for q in options]
            if tally.strongest
            else [],
        }
        for o in options
    ]
    return render(
        request,
        "consultation/results.html",
        {
            "consultation": consultation,
            "options": options,
            "tally": tally,
            "table": table,
            "winners": [by_position[w] for w in tally.winners],
            "ranking": [[by_position[p] for p in tier] for tier in tally.ranking],
            "participation": services.participation(consultation),
            "arguments": [(o, services.strongest_arguments(o)) for o in options],
        },
    )


def export_json(request: HttpRequest, consultation_id: int) -> HttpResponse:
    consultation = get_object_or_404(Consultation, pk=consultation_id)
    _closed(consultation)
    response = JsonResponse(
        services.results_document(consultation), json_dumps_params={"ensure_ascii": False}
    )
    response["Content-Disposition"] = f'attachment; filename="consultation-{consultation.pk}-ballots.json"'
    return response


def export_csv(request: HttpRequest, consultation_id: int) -> HttpResponse:
    """One row per ballot: its random id and the option positions (best first for ranked votes)."""
    consultation = get_object_or_404(Consultation, pk=consultation_id)
    _closed(consultation)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="consultation-{consultation.pk}-ballots.csv"'
    writer = csv.writer(response)
    writer.writerow(["ballot", "choices"])
    for row in services.anonymised_ballots(consultation):
        writer.writerow([row["ballot"], " ".join(str(c) for c in row["choices"])])
    return response
