"""Open311 GeoReport v2 endpoints (http://wiki.open311.org/GeoReport_v2), plain function views.

GET answers need no key and go through :func:`observatory.open311.public.public_service_requests`
(the privacy rule): anyone gets the anonymous view; the reporter who presents a report's token
(``X-Report-Token`` header or ``token`` parameter) and a key with the city-service role
(``api_key`` parameter) get full records. POST goes through the single intake path
(:func:`observatory.reports.services.intake.submit`) and authenticates with an API key. Input is
form-encoded, as the spec says; XML or JSON bodies are refused, never parsed.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from pydantic import ValidationError

from observatory.open311.formats import FORMATS, Open311Error, problem, render, render_errors
from observatory.open311.public import ANONYMOUS, MAX_RESULTS, Reader, public_service_requests
from observatory.reports.models import ApiKey, Category, Report
from observatory.reports.services.intake import IntakeError, ReportInput, submit

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-12-03T00:00:00Z"  # bump when this endpoint's behaviour changes
DEFAULT_DAYS = 90
MAX_DEVICE_ID = 200

# Our field names (intake) in Open311's words, for error messages.
OPEN311_FIELD = {"category": "service_code", "lon": "long", "observed_at": "observed_datetime"}

# POST fields we read; the others the spec defines are accepted and dropped (see docs/open311.md).
POST_FIELDS = ("api_key", "service_code", "lat", "long", "description", "device_id", "observed_datetime")
UNSUPPORTED_FIELDS = {
    "address_string": gettext_lazy("addresses are not supported: send lat and long"),
    "address_id": gettext_lazy("addresses are not supported: send lat and long"),
    "media_url": gettext_lazy("media are not accepted over Open311"),
}
FORM_TYPES = ("", "application/x-www-form-urlencoded", "multipart/form-data")


def endpoint(*methods: str) -> Callable:
    """Check the format suffix and the method; turn an Open311Error into the spec's error list."""

    allowed = set(methods) | ({"HEAD"} if "GET" in methods else set())

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request: HttpRequest, fmt: str, **kwargs) -> HttpResponse:
            fmt = fmt.lower()
            if fmt not in FORMATS:
                return render_errors("json", 404, [problem("format", _("use .json or .xml"))])
            if request.method not in allowed:
                message = problem("method", _("%(m)s is not allowed") % {"m": request.method})
                response = render_errors(fmt, 405, [message])
                response["Allow"] = ", ".join(sorted(allowed))
                return response
            try:
                return view(request, fmt, **kwargs)
            except Open311Error as exc:
                return render_errors(fmt, exc.status, exc.descriptions)

        return wrapper

    return decorate


def _single(params, name: str) -> str | None:
    """One value of a parameter; repeating it is an error rather than a silent choice."""
    values = params.getlist(name)
    if len(values) > 1:
        raise Open311Error(400, [problem(name, _("give it once"))])
    return values[0] if values else None


# --- discovery and services ---------------------------------------------------------------------


@endpoint("GET")
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    base = request.build_absolute_uri(reverse("open311:discovery", kwargs={"fmt": fmt}))
    url = base.rsplit("/", 1)[0]
    body = {
        "changeset": CHANGESET,
        "contact": settings.OBSERVATORY_CONTACT or _("the observatory's operators"),
        "key_service": _("API keys for POST are issued by the operators (observatory apikey create NAME)"),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": url,
                "changeset": CHANGESET,
                "type": "test" if settings.DEBUG else "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return render(fmt, "discovery", body)


def _service(category: Category) -> dict:
    group = _("people who use drugs") if category.for_pwud else _("public space")
    keywords = ", ".join(dict.fromkeys([category.code, category.name_fr, category.name_en]))
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.help or None,
        "metadata": False,
        "type": "realtime",
        "keywords": keywords,
        "group": str(group),
    }


@endpoint("GET")
def services(request: HttpRequest, fmt: str) -> HttpResponse:
    return render(fmt, "services", [_service(c) for c in Category.objects.filter(active=True)])


def _active_category(code: str) -> Category:
    category = Category.objects.filter(code=code, active=True).first()
    if category is None:
        raise Open311Error(404, [problem("service_code", _("unknown service %(code)r") % {"code": code})])
    return category


@endpoint("GET")
def service_definition(request: HttpRequest, fmt: str, service_code: str) -> HttpResponse:
    category = _active_category(service_code)
    # Our services ask for nothing beyond the core fields: no attributes (metadata is false).
    return render(fmt, "service_definition", {"service_code": category.code, "attributes": []})


# --- service requests ---------------------------------------------------------------------------


def _parse_datetime(value: str) -> datetime | None:
    try:
        return parse_datetime(value)
    except ValueError:  # well formed but impossible, such as month 13
        return None


def _query_time(value: str, name: str, *, end: bool) -> datetime:
    """A W3C date-time; a date alone means the start (or end) of that day, naive means local time."""
    try:
        day = parse_date(value)
    except ValueError:
        day = None
    if day is not None:  # checked first: Python reads a bare date as a datetime at midnight
        parsed: datetime | None = datetime.combine(day + timedelta(days=1) if end else day, time(0))
    else:
        parsed = _parse_datetime(value)
    if parsed is None:
        raise Open311Error(400, [problem(name, _("not a date-time (ISO 8601)"))])
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


MAX_TOKEN = 100


def _reader(request: HttpRequest) -> Reader:
    """Who reads: a key (``api_key``, as for POST, here in the query string) and/or a report token.

    A key that is given but unknown or revoked is a 403, as for POST. A submit-only key reads like
    anyone. An unknown token is not an error: it matches no report, so the answer is the
    anonymous one (which does not tell whether the token exists).
    """
    key_value = _single(request.GET, "api_key")
    full = False
    if key_value:
        api_key = ApiKey.lookup(key_value)
        if api_key is None:
            raise Open311Error(403, [problem("api_key", _("invalid or revoked"))])
        full = api_key.can_read_full
    token = (request.headers.get("X-Report-Token") or _single(request.GET, "token") or "").strip()
    if len(token) > MAX_TOKEN:
        token = ""
    return Reader(full=full, token=token) if full or token else ANONYMOUS


def _personal(response: HttpResponse, reader: Reader) -> HttpResponse:
    """Answers that depend on a key or a token must not be kept by shared caches."""
    if not reader.anonymous:
        patch_cache_control(response, private=True, no_store=True)
    patch_vary_headers(response, ["X-Report-Token"])
    return response


def list_requests(request: HttpRequest, fmt: str) -> HttpResponse:
    params = request.GET
    reader = _reader(request)
    errors: list[str] = []
    raw_ids = _single(params, "service_request_id")
    if raw_ids is not None:
        # The spec: with service_request_id, every other filter is ignored.
        ids = [i.strip() for i in raw_ids.split(",") if i.strip()]
        if not ids or len(ids) > MAX_RESULTS:
            message = _("give 1 to %(n)d ids, comma-separated") % {"n": MAX_RESULTS}
            raise Open311Error(400, [problem("service_request_id", message)])
        try:
            ids = [str(uuid.UUID(i)) for i in ids]
        except ValueError:
            raise Open311Error(400, [problem("service_request_id", _("not a request id"))]) from None
        rows = public_service_requests(reader=reader, ids=ids)
        return _personal(render(fmt, "service_requests", rows), reader)
    codes = None
    raw_codes = _single(params, "service_code")
    if raw_codes is not None:
        codes = [c.strip() for c in raw_codes.split(",") if c.strip()]
        known = set(Category.objects.filter(code__in=codes).values_list("code", flat=True))
        unknown = [c for c in codes if c not in known]
        if not codes or unknown:
            message = _("unknown service %(code)r") % {"code": ",".join(unknown)}
            errors.append(problem("service_code", message))
    statuses = None
    raw_status = _single(params, "status")
    if raw_status is not None:
        statuses = {s.strip().lower() for s in raw_status.split(",") if s.strip()}
        if not statuses or not statuses <= {"open", "closed"}:
            errors.append(problem("status", _("open, closed or open,closed")))
    start = end = None
    for name in ("start_date", "end_date"):
        raw = _single(params, name)
        if raw is not None:
            try:
                value = _query_time(raw, name, end=name == "end_date")
            except Open311Error as exc:
                errors.extend(exc.descriptions)
                continue
            if name == "start_date":
                start = value
            else:
                end = value
    if start and end and start > end:
        errors.append(problem("start_date", _("after end_date")))
    if errors:
        raise Open311Error(400, errors)
    # The spec's default window: the last 90 days, or 90 days from/to the one date given.
    if start is None and end is None:
        end = timezone.now()
    if start is None:
        assert end is not None
        start = end - timedelta(days=DEFAULT_DAYS)
    rows = public_service_requests(
        reader=reader, service_codes=codes, start=start, end=end, statuses=statuses
    )
    return _personal(render(fmt, "service_requests", rows), reader)


def _open311_field(loc: tuple) -> str:
    name = str(loc[0]) if loc else "request"
    return OPEN311_FIELD.get(name, name)


def _float(value: str | None, name: str, errors: list[str]) -> float | None:
    if value is None or value.strip() == "":
        errors.append(problem(name, _("required")))
        return None
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        errors.append(problem(name, _("not a number")))
        return None
    return number


def create_request(request: HttpRequest, fmt: str) -> HttpResponse:
    content_type = request.content_type or ""
    if content_type not in FORM_TYPES:
        message = _(
            "send the fields form-encoded (application/x-www-form-urlencoded); %(type)s bodies are not read"
        ) % {"type": content_type}
        raise Open311Error(400, [problem("Content-Type", message)])
    params = request.POST
    # api_key is a POST field in the spec; some clients put it in the query string.
    key_value = _single(params, "api_key") or _single(request.GET, "api_key")
    api_key = ApiKey.lookup(key_value)
    if api_key is None:
        message = problem("api_key", _("invalid or revoked") if key_value else _("required"))
        raise Open311Error(403, [message])
    errors: list[str] = []
    if request.FILES:
        errors.append(problem("media", _("photos are not accepted over Open311")))
    for name, refusal in UNSUPPORTED_FIELDS.items():
        if params.get(name):
            errors.append(problem(name, str(refusal)))
    attributes = sorted(k for k in params if k.startswith("attribute"))
    if attributes:
        errors.append(problem(attributes[0], _("this service has no attributes")))
    values = {name: _single(params, name) for name in POST_FIELDS}
    service_code = (values["service_code"] or "").strip()
    if not service_code:
        errors.append(problem("service_code", _("required")))
    lat = _float(values["lat"], "lat", errors)
    lon = _float(values["long"], "long", errors)
    observed_at = None
    if values["observed_datetime"]:
        parsed = _parse_datetime(values["observed_datetime"].strip())
        if parsed is None:
            errors.append(problem("observed_datetime", _("not a date-time (ISO 8601)")))
        elif timezone.is_naive(parsed):
            errors.append(problem("observed_datetime", _("give a time zone (for example +01:00 or Z)")))
        else:
            observed_at = parsed
    device_id = (values["device_id"] or "").strip()
    if len(device_id) > MAX_DEVICE_ID:
        errors.append(problem("device_id", _("at most %(n)d characters") % {"n": MAX_DEVICE_ID}))
    if errors or lat is None or lon is None:  # a missing lat or long is one of the errors
        raise Open311Error(400, errors)
    try:
        payload = ReportInput(
            category=service_code,
            lat=lat,
            lon=lon,
            observed_at=observed_at,
            description=values["description"] or "",
        )
    except ValidationError as exc:
        raise Open311Error(400, [problem(_open311_field(e["loc"]), e["msg"]) for e in exc.errors()]) from None
    # A retried POST (same key, same device, same observation time) returns the first answer.
    # Without observed_datetime the time is the server's, so a retry could not be recognised.
    idempotency_key = None
    if device_id and observed_at is not None:
        idempotency_key = f"{api_key.pk}\x00{device_id}\x00{observed_at.astimezone(UTC).isoformat()}"
    try:
        report, _created = submit(
            payload, source=Report.Source.OPEN311, idempotency_key=idempotency_key, source_name=api_key.name
        )
    except IntakeError as exc:
        raise Open311Error(
            400, [problem(OPEN311_FIELD.get(p.field, p.field), p.message) for p in exc.problems]
        ) from None
    notice = _(
        "Received. It will be shown after moderation, never within %(hours)d hours of the observation, "
        "and only at the centre of its map cell."
    ) % {"hours": settings.OBSERVATORY_PUBLIC_DELAY_HOURS}
    body = [{"service_request_id": str(report.pk), "token": report.access_token, "service_notice": notice}]
    return render(fmt, "service_requests", body)


# POST authenticates with the api_key field, never with the session cookie (it does not read
# request.user at all), so a cross-site form cannot act with a visitor's rights: the CSRF check
# has nothing to protect here, and API clients hold no CSRF token. GET is safe by nature.
@csrf_exempt
@endpoint("GET", "POST")
def service_requests(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return create_request(request, fmt)
    return list_requests(request, fmt)


@endpoint("GET")
def service_request(request: HttpRequest, fmt: str, service_request_id: str) -> HttpResponse:
    try:
        request_id = str(uuid.UUID(service_request_id))
    except ValueError:
        request_id = None
    reader = _reader(request)
    rows = public_service_requests(reader=reader, ids=[request_id]) if request_id else []
    if not rows:
        # Unknown, or not for this reader (pending, rejected, too recent, or a category for
        # people who use drugs read anonymously): the same answer, so the endpoint does not
        # tell which ids exist.
        message = problem("service_request_id", _("unknown request %(id)r") % {"id": service_request_id})
        raise Open311Error(404, [message])
    return _personal(render(fmt, "service_requests", rows), reader)


@endpoint("GET")
def token(request: HttpRequest, fmt: str, token: str) -> HttpResponse:
    report = Report.objects.filter(access_token=token).exclude(access_token="").only("pk").first()
    if report is None:
        raise Open311Error(404, [problem("token", _("unknown token"))])
    return render(fmt, "service_requests", [{"service_request_id": str(report.pk), "token": token}])
