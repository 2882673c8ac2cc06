"""Abuse resistance without storing anyone's address.

* A client is known only by a keyed hash of its address that rotates every UTC day: enough to
  count its submissions today, useless to find or follow anyone tomorrow. No raw IP address is
  stored (database, cache or logs).
* Intake endpoints are rate limited in one middleware, before any parsing or database work, so
  a flooding client costs little and gets a 429 with a Retry-After header (a page in the
  visitor's language, or JSON on the API).
* A refusal holds for the flooded endpoint only: a shelter's Wi-Fi or a mobile network puts many
  people behind one address, and one flooder there must not lock the others out of logging in,
  registering, voting or signing up for a panel.
* Meeting mode (web/meetings.py): devices that typed the code of an open meeting are not limited
  per address on panel sign-up and paper-code votes, where a whole room shares one address.
* The anonymous web form carries a proof-of-work challenge (ALTCHA) instead of a third-party
  captcha: the browser spends a fraction of a second, a flood spends a lot.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import altcha
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django_ratelimit.core import get_usage

from observatory.accounts.models import Meeting
from observatory.common.errors import too_many_requests_page


def client_address(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or the proxy chain's entry when proxies are trusted."""
    proxies = settings.OBSERVATORY_TRUSTED_PROXIES
    if proxies:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")


def client_fingerprint(request: HttpRequest, *, day: str | None = None) -> str:
    """A keyed hash of the client's address, rotated every UTC day."""
    day = day or datetime.now(UTC).strftime("%Y-%m-%d")
    key = hmac.new(settings.SECRET_KEY.encode(), f"client-key:{day}".encode(), hashlib.sha256).digest()
    return hmac.new(key, client_address(request).encode(), hashlib.sha256).hexdigest()[:32]


def fingerprint_as_ip(request: HttpRequest) -> str:
    """The fingerprint shaped as an IPv6 unique-local address, for libraries with an IP column.

    django-axes stores a client "IP" with each failed login; giving it this instead keeps the
    lockout per client working while no real address reaches the database.
    """
    digest = bytes.fromhex(client_fingerprint(request))
    return str(ipaddress.IPv6Address(b"\xfd" + digest[:15]))


@dataclass(frozen=True)
class Limit:
    name: str
    pattern: re.Pattern[str]
    anonymous_rate: str
    user_rate: str
    meeting: bool = False  # lifted for the devices of an open meeting (web/meetings.py)


def _limits() -> list[Limit]:
    rates = settings.OBSERVATORY_RATE_LIMITS
    return [
        Limit("report-form", re.compile(r"^/report/$"), rates["anonymous"], rates["user"]),
        Limit("report-api", re.compile(r"^/api/v1/reports/?$"), rates["anonymous"], rates["user"]),
        Limit(
            "open311", re.compile(r"^/open311/v2/requests\.(json|xml)$"), rates["open311"], rates["open311"]
        ),
        Limit("register", re.compile(r"^/accounts/register/$"), rates["register"], rates["register"]),
        Limit(
            "panel-register",
            re.compile(r"^/panel/\d+/register/$"),
            rates.get("panel", rates["register"]),
            rates.get("panel", rates["register"]),
            meeting=True,
        ),
        Limit(
            "vote",
            re.compile(r"^/consultations/\d+/vote/$"),
            rates.get("vote", "60/h"),
            rates.get("vote", "60/h"),
            meeting=True,
        ),
        Limit("meeting-join", re.compile(r"^/meeting/join/$"), rates.get("meeting", "300/h"), "300/h"),
        # Complaints (complaints/): filing, and every lookup of a code (typed codes, messages, the
        # PDF slip). Lifted in meeting mode: a drop-in centre's computers share one address.
        Limit(
            "complaint-file",
            re.compile(r"^/complaints/new/$"),
            rates["anonymous"],
            rates["user"],
            meeting=True,
        ),
        Limit(
            "complaint-code",
            re.compile(r"^/complaints/(follow/|follow/message/|slip\.pdf)$"),
            rates.get("complaint_code", "30/h"),
            rates.get("complaint_code", "120/h"),
            meeting=True,
        ),
    ]


def limit_for(path: str, limits: list[Limit] | None = None) -> Limit | None:
    for limit in _limits() if limits is None else limits:
        if limit.pattern.match(path):
            return limit
    return None


def too_many_requests(retry_after: int, *, json: bool, request: HttpRequest | None = None) -> HttpResponse:
    """429 with Retry-After: JSON on the API, otherwise the site's page in the visitor's language."""
    retry_after = max(1, retry_after)
    message = "too many submissions from this connection; try again later"
    if json:
        response: HttpResponse = JsonResponse(
            {"detail": f"{message} (in {retry_after} s)", "retry_after": retry_after}, status=429
        )
    elif request is not None:
        response = too_many_requests_page(request, retry_after)
    else:
        response = HttpResponse(message, status=429, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(retry_after)
    return response


# Anonymous clients this process has refused, until their window ends ((limit name, fingerprint)
# -> monotonic time). A flooder's later attempts on the same endpoint are answered before
# sessions, CSRF, auth or CSP run: the refusal path was costing a core, and honest clients waited
# behind it. Other endpoints stay open to the same address (people share addresses).
_refused: dict[tuple[str, str], float] = {}
_refused_lock = threading.Lock()
MAX_REFUSED = 50_000


def _remember_refusal(fingerprint: tuple[str, str], seconds: int) -> None:
    now = time.monotonic()
    with _refused_lock:
        if len(_refused) >= MAX_REFUSED:
            for key in [k for k, until in _refused.items() if until <= now]:
                del _refused[key]
        if len(_refused) < MAX_REFUSED:
            _refused[fingerprint] = now + seconds


class EarlyRefusalMiddleware:
    """First in the chain: an anonymous client refused a moment ago stays refused, cheaply.

    Only posts without a session cookie are answered here, so a resident who is logged in
    behind the same shared address as a flooder is judged later on their own account; and only
    on the endpoint that was flooded, so the same address may still log in, register or vote.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.limits = _limits()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _refused and request.method == "POST" and settings.SESSION_COOKIE_NAME not in request.COOKIES:
            path = request.path_info
            limit = limit_for(path, self.limits)
            if limit is not None and not (limit.meeting and MEETING_COOKIE in request.COOKIES):
                key = (limit.name, client_fingerprint(request))
                until = _refused.get(key)
                if until is not None:
                    left = until - time.monotonic()
                    if left > 0:
                        json_like = path.startswith(("/api/", "/open311/"))
                        return too_many_requests(int(left) + 1, json=json_like, request=request)
                    with _refused_lock:
                        _refused.pop(key, None)
        return self.get_response(request)


class IntakeLimitMiddleware:
    """Rate limits and body-size limits on every intake endpoint, checked in one place."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.limits = _limits()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST":
            path = request.path_info
            json_like = path.startswith(("/api/", "/open311/"))
            if json_like:
                try:
                    length = int(request.META.get("CONTENT_LENGTH") or 0)
                except ValueError:
                    length = 0
                if length > settings.OBSERVATORY_API_MAX_BODY:
                    return JsonResponse(
                        {"detail": f"the body is larger than {settings.OBSERVATORY_API_MAX_BODY} bytes"},
                        status=413,
                    )
            limit = limit_for(path, self.limits)
            if limit is not None:
                blocked = self.check(request, limit)
                if blocked is not None:
                    return too_many_requests(blocked, json=json_like, request=request)
        return self.get_response(request)

    @staticmethod
    def check(request: HttpRequest, limit: Limit) -> int | None:
        """Seconds to wait when the client is over its limit, None otherwise."""
        if limit.meeting and meeting_of(request) is not None:
            return None  # a device of an open meeting: the room shares one address
        user = getattr(request, "user", None)
        anonymous = user is None or not user.is_authenticated
        fingerprint = client_fingerprint(request) if anonymous else ""
        key, rate = (
            (f"client:{fingerprint}", limit.anonymous_rate)
            if anonymous or user is None  # user is None implies anonymous (narrows the type)
            else (f"user:{user.pk}", limit.user_rate)
        )
        usage = get_usage(request, group=limit.name, key=lambda _g, _r: key, rate=rate, increment=True)
        if usage and usage["should_limit"]:
            wait = int(usage["time_left"])
            if anonymous:
                _remember_refusal((limit.name, fingerprint), wait)
            return wait
        return None


# Meeting mode: the device's signed cookie names the meeting; the meeting must still be open.
MEETING_COOKIE = "observatory_meeting"
MEETING_SALT = "observatory.meeting"


def meeting_of(request: HttpRequest):
    """The open meeting this device joined (signed cookie), or None: closed or expired meetings,
    and forged or stale cookies, mean the normal limits again."""
    raw = request.COOKIES.get(MEETING_COOKIE)
    if not raw:
        return None
    try:
        pk = int(signing.loads(raw, salt=MEETING_SALT, max_age=settings.OBSERVATORY_MEETING_MAX_HOURS * 3600))
    except (signing.BadSignature, TypeError, ValueError):
        return None
    meeting = Meeting.objects.filter(pk=pk).first()
    return meeting if meeting is not None and meeting.is_active() else None


# Proof of work (ALTCHA, protocol v1: find n with SHA-256(salt + n) = challenge).


def new_challenge() -> dict:
    expires = datetime.now(UTC) + timedelta(minutes=settings.OBSERVATORY_CHALLENGE_MINUTES)
    challenge = altcha.create_challenge_v1(
        altcha.ChallengeOptionsV1(
            hmac_key=settings.SECRET_KEY,
            max_number=settings.OBSERVATORY_CHALLENGE_MAX_NUMBER,
            expires=expires,
        )
    )
    return challenge.to_dict()


def verify_challenge(payload: str) -> str | None:
    """None when the solution is valid and unused; otherwise the reason it is refused."""
    if not payload:
        return "missing"
    ok, error = altcha.verify_solution_v1(payload, settings.SECRET_KEY, check_expires=True)
    if not ok:
        return error or "invalid"
    # A solved challenge is good for one submission: remember it until it expires.
    if not cache.add(
        f"altcha:{hashlib.sha256(payload.encode()).hexdigest()}",
        1,
        timeout=settings.OBSERVATORY_CHALLENGE_MINUTES * 60,
    ):
        return "already used"
    return None


def challenge_view(request: HttpRequest) -> JsonResponse:
    response = JsonResponse(new_challenge())
    response["Cache-Control"] = "no-store"
    return response
