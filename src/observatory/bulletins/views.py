"""Bulletin pages: the archive, one bulletin (page, PDF, each figure's CSV and chart).

The public edition is for everyone; the members' edition for the roles that see the field's
aggregates (a visitor without one is sent to log in, a logged-in account without one gets 403).
Everything is read from the stored bulletin, never recomputed.
"""

from __future__ import annotations

from functools import wraps

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from observatory.accounts.roles import role_required
from observatory.bulletins import core, services
from observatory.bulletins.core import charts
from observatory.bulletins.models import Bulletin
from observatory.fieldwork.services.access import DASHBOARD_ROLES


def _bulletin(month: str, edition: str) -> Bulletin:
    """The stored bulletin, or 404 (a malformed month or edition is a page that does not exist)."""
    if edition not in core.EDITIONS:
        raise Http404(_("There is no such edition: public or members."))
    try:
        first = core.parse_month(month)
    except ValueError:
        raise Http404(_("Write the month as YYYY-MM, for example 2026-03.")) from None
    bulletin = Bulletin.objects.filter(month=first, edition=edition).first()
    if bulletin is None:
        raise Http404(_("No bulletin has been made for this month yet."))
    return bulletin


def edition_gate(view):
    """Members' editions go through the role check (login, second factor, 403); public ones do not."""
    members_view = role_required(*DASHBOARD_ROLES)(view)

    @wraps(view)
    def wrapper(request: HttpRequest, month: str, edition: str, *args, **kwargs):
        if edition == services.MEMBERS:
            return members_view(request, month, edition, *args, **kwargs)
        return view(request, month, edition, *args, **kwargs)

    return wrapper


@require_GET
def archive(request: HttpRequest) -> HttpResponse:
    bulletins = services.archive(request.user)
    return render(
        request,
        "bulletins/archive.html",
        {"bulletins": bulletins, "members": services.can_read_members(request.user)},
    )


def _numeric(fig: dict) -> list[bool]:
    """Columns of numbers (aligned right on the page)."""
    return [
        bool(fig["rows"]) and all(isinstance(r[i], int | float) or r[i] is None for r in fig["rows"])
        for i in core.visible(fig)
    ]


def _sections(document: dict) -> list[dict]:
    """The document's sections with what the page needs of each figure."""
    return [
        {
            **s,
            "figures": [
                {
                    **f,
                    "labels": list(zip(core.shown_labels(f), _numeric(f), strict=True)),
                    "shown": [
                        list(zip(row, _numeric(f), strict=True))
                        for row in core.shown_rows(f, services.printed)
                    ],
                    "more": len(f["rows"]) > core.ROWS_SHOWN,
                    "total": len(f["rows"]),
                    "has_chart": charts.has_chart(f),
                }
                for f in s["figures"]
            ],
        }
        for s in document["sections"]
    ]


@require_GET
@edition_gate
def detail(request: HttpRequest, month: str, edition: str) -> HttpResponse:
    bulletin = _bulletin(month, edition)
    document = bulletin.data
    # The cells are in the document's language, like the words around them and the PDF (the
    # article's lang attribute): a bulletin is built and stored in one language.
    with translation.override(document.get("language") or translation.get_language()):
        sections = _sections(document)
    other = (
        Bulletin.objects.filter(month=bulletin.month).exclude(pk=bulletin.pk).only("edition", "month").first()
    )
    if (
        other is not None
        and other.edition == services.MEMBERS
        and not services.can_read_members(request.user)
    ):
        other = None
    response = render(
        request,
        "bulletins/detail.html",
        {
            "bulletin": bulletin,
            "document": document,
            "sections": sections,
            "other": other,
            "shown_rows": core.ROWS_SHOWN,
        },
    )
    if edition == services.MEMBERS:
        response["Cache-Control"] = "private, no-store"
        response["X-Robots-Tag"] = "noindex"
    return response


def _download(body: bytes | str, content_type: str, filename: str, edition: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    disposition = "attachment" if content_type.startswith("text/csv") else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    if edition == services.MEMBERS:
        response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@edition_gate
def pdf_file(request: HttpRequest, month: str, edition: str) -> HttpResponse:
    bulletin = _bulletin(month, edition)
    return _download(
        bytes(bulletin.pdf), "application/pdf", f"bulletin-{bulletin.label}-{edition}.pdf", edition
    )


def _figure(bulletin: Bulletin, key: str) -> dict:
    fig = core.find_figure(bulletin.data, key)
    if fig is None:
        raise Http404(_("This bulletin has no such figure."))
    return fig


@require_GET
@edition_gate
def figure_csv(request: HttpRequest, month: str, edition: str, key: str) -> HttpResponse:
    bulletin = _bulletin(month, edition)
    fig = _figure(bulletin, key)
    return _download(
        core.csv_text(fig),
        "text/csv; charset=utf-8",
        f"bulletin-{bulletin.label}-{edition}-{key}.csv",
        edition,
    )


@require_GET
@edition_gate
def figure_svg(request: HttpRequest, month: str, edition: str, key: str) -> HttpResponse:
    bulletin = _bulletin(month, edition)
    fig = _figure(bulletin, key)
    if not charts.has_chart(fig):
        raise Http404(_("This figure has no chart."))
    response = _download(charts.render(fig, "svg"), "image/svg+xml", f"{key}.svg", edition)
    if edition != services.MEMBERS:
        response["Cache-Control"] = "public, max-age=86400"
    return response
