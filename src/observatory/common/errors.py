"""Error pages in the visitor's language and the site's layout, each saying what to do next.

``handler400/403/404/500`` in urls.py point here; the 429 pages of the rate limits
(common/abuse.py) and of the login lock (accounts/lockout.py) are rendered by
:func:`too_many_requests_page`. The refusals that happen before LocaleMiddleware ran (the early
refusal is the first middleware) choose the language from the request themselves.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.template import loader
from django.utils import timezone, translation
from django.utils.formats import date_format

log = logging.getLogger(__name__)


def _render(request: HttpRequest, template: str, status: int, context: dict | None = None) -> HttpResponse:
    language = getattr(request, "LANGUAGE_CODE", None) or translation.get_language_from_request(request)
    with translation.override(language):
        body = loader.render_to_string(template, context or {}, request=request)
    response = HttpResponse(body, status=status, content_type="text/html; charset=utf-8")
    response["Content-Language"] = language
    return response


def bad_request(request: HttpRequest, exception=None) -> HttpResponse:
    return _render(request, "400.html", 400)


def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    reason = str(exception) if exception is not None and str(exception) else ""
    return _render(request, "403.html", 403, {"reason": reason})


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """settings.CSRF_FAILURE_VIEW: an expired form or refused cookies, said plainly (Django's own
    page is in English and names the mechanism)."""
    return _render(request, "403_csrf.html", 403)


def page_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    return _render(request, "404.html", 404)


def server_error(request: HttpRequest) -> HttpResponse:
    try:
        return _render(request, "500.html", 500)
    except Exception:  # the layout itself may be what fails (the database, a template)
        log.exception("the 500 page could not be rendered in the layout")
        return HttpResponseServerError(
            "<!doctype html><title>Server error</title><h1>Server error</h1>"
            "<p>Something went wrong on our side. Please try again in a few minutes.</p>",
            content_type="text/html; charset=utf-8",
        )


def too_many_requests_page(request: HttpRequest, retry_after: int, *, unlock: bool = False) -> HttpResponse:
    """429: how long to wait, as a duration and as a time of day."""
    minutes = max(1, (retry_after + 59) // 60)
    at = timezone.localtime(timezone.now() + timedelta(seconds=retry_after))
    language = getattr(request, "LANGUAGE_CODE", None) or translation.get_language_from_request(request)
    with translation.override(language):
        when = date_format(at, "TIME_FORMAT")
    context = {"minutes": minutes, "at": when, "retry_after": retry_after, "unlock": unlock}
    return _render(request, "429.html", 429, context)


def login_locked(request: HttpRequest, response=None, credentials=None, *args, **kwargs) -> HttpResponse:
    """django-axes' lockout answer: the site's 429 page, with when the lock ends."""
    from django.conf import settings

    wait = int(settings.AXES_COOLOFF_TIME * 3600)
    page = too_many_requests_page(request, wait, unlock=True)
    page["Retry-After"] = str(wait)
    return page
