"""Complaint pages (thin: the rules are in core.py, the steps in services.py).

Public: the filing form, the slip (shown once, right after filing), the follow page opened with
the code, and the released counts. The code travels in POST bodies only, never in an address
(addresses stay in browser histories and server logs), and every page that shows a complaint is
sent no-store: phones and drop-in centre computers pass from hand to hand. Lookups are limited
per address in common/abuse.py, lifted for the devices of an open meeting (a drop-in centre).

The complaints referent: the queue with its clock, a complaint's page (answer, pass on, record
the outcome), its photo. Observatory members and referents: the exact figures.
"""

from __future__ import annotations

from typing import TypeVar

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from observatory.accounts.roles import OBSERVATORY, ORGANISATION, REFERENT, role_required
from observatory.complaints import core, services
from observatory.complaints.core import pdf
from observatory.complaints.forms import AnswerForm, CloseForm, CodeForm, FileForm, MessageForm, ReferForm
from observatory.complaints.models import Complaint, Step

_Response = TypeVar("_Response", bound=HttpResponseBase)


def _no_store(response: _Response) -> _Response:
    response["Cache-Control"] = "no-store"
    return response


def _worker(request: HttpRequest) -> bool:
    """An outreach worker (the group itself, not an administrator) files on someone's behalf."""
    user = request.user
    return user.is_authenticated and user.groups.filter(name=ORGANISATION).exists()


def _follow_url(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("complaints:follow"))


@never_cache
def file_new(request: HttpRequest) -> HttpResponse:
    on_behalf = _worker(request)
    posted = request.method == "POST"
    form = FileForm(request.POST if posted else None, request.FILES if posted else None, on_behalf=on_behalf)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        filing = services.Filing(
            kind=d["kind"],
            reason=d.get("reason") or "",
            violence_by=d.get("violence_by") or "",
            care_place=d.get("care_place"),
            operation=d.get("operation"),
            happened_on=d.get("happened_on"),
            text=d.get("text") or "",
            contact=d.get("contact") or "",
            photo=d.get("photo"),
        )
        complaint, code = services.file_complaint(
            filing, worker=request.user if on_behalf else None, spoken_consent=bool(d.get("spoken_consent"))
        )
        return _slip_page(request, complaint, code, on_behalf=on_behalf)
    return render(
        request,
        "complaints/file.html",
        {"form": form, "on_behalf": on_behalf},
        status=400 if form.errors else 200,
    )


def _slip_page(request: HttpRequest, complaint: Complaint, code: str, *, on_behalf: bool) -> HttpResponse:
    url = _follow_url(request)
    shown = core.display(code)
    response = render(
        request,
        "complaints/slip.html",
        {
            "complaint": complaint,
            "code": shown,
            "url": url,
            "qr": pdf.qr_svg(f"{url}#{shown}"),
            "on_behalf": on_behalf,
        },
    )
    return _no_store(response)


@never_cache
@require_POST
def slip_pdf(request: HttpRequest) -> HttpResponse:
    """The slip again, as a PDF to print, for whoever holds the code (a POST: not in any address)."""
    form = CodeForm(request.POST)
    complaint = services.find(form.cleaned_data["code"]) if form.is_valid() else None
    if complaint is None:
        raise Http404
    body = pdf.slip(
        core.display(form.cleaned_data["code"]),
        url=_follow_url(request),
        lines={
            "title": _("Your complaint"),
            "keep": _("Keep this code. It is yours."),
            "where": _("Type it here, on any phone:"),
            "status": _("You will see the answer there."),
            "never": _("No name. No phone number."),
        },
    )
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="complaint-slip.pdf"'
    return _no_store(response)


def _follow_page(request: HttpRequest, complaint: Complaint, code: str, *, message_form=None, sent=False):
    steps = list(complaint.steps.all())
    context = {
        "complaint": complaint,
        "code": core.display(code),
        "answers": [s for s in steps if s.kind == Step.Kind.ANSWER],
        "referrals": [s for s in steps if s.kind == Step.Kind.REFER],
        "messages_sent": sum(1 for s in steps if s.kind == Step.Kind.PERSON_MESSAGE),
        "message_form": message_form or MessageForm(initial={"code": core.display(code)}),
        "sent": sent,
        "days_open": core.days_between(complaint.filed_at, complaint.closed_at or timezone.now()),
        "answer_days": core.ANSWER_DAYS,
    }
    return _no_store(
        render(request, "complaints/follow.html", context, status=400 if message_form is not None else 200)
    )


@never_cache
def follow(request: HttpRequest) -> HttpResponse:
    """Type the code; see the status, the answer, and add a message."""
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        complaint = services.find(form.cleaned_data["code"])
        if complaint is not None:
            return _follow_page(request, complaint, form.cleaned_data["code"])
        form.add_error("code", _("No complaint has this code. Check each letter on your slip."))
    return _no_store(
        render(request, "complaints/follow_code.html", {"form": form}, status=400 if form.errors else 200)
    )


@never_cache
@require_POST
def message(request: HttpRequest) -> HttpResponse:
    form = MessageForm(request.POST)
    complaint = services.find(request.POST.get("code", ""))
    if complaint is None:
        code_form = CodeForm(request.POST)
        if code_form.is_valid():
            code_form.add_error("code", _("No complaint has this code. Check each letter on your slip."))
        return _no_store(render(request, "complaints/follow_code.html", {"form": code_form}, status=400))
    if not form.is_valid():
        return _follow_page(request, complaint, request.POST["code"], message_form=form)
    complaint = services.person_message(complaint, form.cleaned_data["text"])
    return _follow_page(request, complaint, form.cleaned_data["code"], sent=True)


# The referent ---------------------------------------------------------------------------------


@never_cache
@role_required(REFERENT)
def queue(request: HttpRequest) -> HttpResponse:
    closed = request.GET.get("closed") == "1"
    items = services.queue(include_closed=closed)
    return render(
        request, "complaints/queue.html", {"items": items, "closed": closed, "answer_days": core.ANSWER_DAYS}
    )


@never_cache
@role_required(REFERENT)
def case(request: HttpRequest, complaint_id) -> HttpResponse:
    complaint = get_object_or_404(
        Complaint.objects.select_related("care_place", "operation"), pk=complaint_id
    )
    forms = {
        "answer": AnswerForm(prefix="answer"),
        "refer": ReferForm(prefix="refer"),
        "close": CloseForm(prefix="close"),
    }
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "answer":
                forms["answer"] = answer_form = AnswerForm(request.POST, prefix="answer")
                if answer_form.is_valid():
                    services.answer(complaint, answer_form.cleaned_data["text"], by=request.user)
                    return redirect("complaints:case", complaint.pk)
            elif action == "refer":
                forms["refer"] = refer_form = ReferForm(request.POST, prefix="refer")
                if refer_form.is_valid():
                    services.refer(
                        complaint,
                        refer_form.cleaned_data["referred_to"],
                        refer_form.cleaned_data["note"],
                        by=request.user,
                    )
                    return redirect("complaints:case", complaint.pk)
            elif action == "close":
                forms["close"] = close_form = CloseForm(request.POST, prefix="close")
                if close_form.is_valid():
                    services.close(
                        complaint,
                        close_form.cleaned_data["outcome"],
                        close_form.cleaned_data["note"],
                        by=request.user,
                    )
                    return redirect("complaints:case", complaint.pk)
            elif action in ("hold", "release"):
                services.set_names_person(complaint, action == "hold", by=request.user)
                return redirect("complaints:case", complaint.pk)
        except services.ComplaintError as exc:
            forms.get(action, forms["answer"]).add_error(None, str(exc))
        status = 400
    else:
        services.case_viewed(complaint, request.user)
    now = timezone.now()
    context = {
        "complaint": complaint,
        "steps": complaint.steps.select_related("by"),
        "days_open": core.days_between(complaint.filed_at, complaint.closed_at or now),
        "clock": core.clock(
            complaint.filed_at, now, answered_at=complaint.first_answer_at, closed_at=complaint.closed_at
        ),
        **forms,
    }
    return render(request, "complaints/case.html", context, status=status)


@never_cache
@role_required(REFERENT)
def photo(request: HttpRequest, complaint_id) -> FileResponse:
    complaint = get_object_or_404(Complaint, pk=complaint_id)
    if not complaint.photo:
        raise Http404
    services.photo_viewed(complaint, request.user)
    response = FileResponse(complaint.photo.open("rb"), content_type="image/jpeg")
    return _no_store(response)


# Figures --------------------------------------------------------------------------------------


@role_required(OBSERVATORY, REFERENT)
def figures(request: HttpRequest) -> HttpResponse:
    """Exact figures for the observatory (never public: small counts could point at someone)."""
    rows = services.rows()
    context = {
        "lines": core.monthly_table(rows),
        "reasons": [
            (Complaint.Reason(r).label if r in Complaint.Reason.values else r, n)
            for r, n in core.refusals_by_reason(rows)
        ],
        "outcome_labels": dict(Complaint.Outcome.choices),
        "total": len(rows),
    }
    return render(request, "complaints/figures.html", context)
