"""Abuse resistance without storing anyone's address.

* A client is known only by a keyed hash of its address that rotates every UTC day: enough to
  count its submissions today, useless to find or follow anyone tomorrow. No raw IP address is
  stored (database, cache or logs).
* Intake endpoints are rate limited in one middleware, before any parsing or database work, so
  a flooding client costs little and gets a 429 with a Retry-After header.
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
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django_ratelimit.core import get_usage


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


def _limits() -> list[Limit]:
    rates = settings.OBSERVATORY_RATE_LIMITS
    return [
        Limit("report-form", re.compile(r"^/report/$"), rates["anonymous"], rates["user"]),
        Limit("report-api", re.compile(r"^/api/v1/reports/?$"), rates["anonymous"], rates["user"]),
        Limit(
            "open311", re.compile(r"^/open311/v2/requests\.(json|xml)$"), rates["open311"], rates["open311"]
        ),
        Limit("register", re.compile(r"^/accounts/register/$"), rates["register"], rates["register"]),
        Limit("panel-register", re.compile(r"^/panel/\d+/register/$"), rates["register"], rates["register"]),
    ]


def too_many_requests(retry_after: int, *, json: bool) -> HttpResponse:
    message = "too many submissions from this connection; try again later"
    if json:
        response: HttpResponse = JsonResponse({"detail": message}, status=429)
    else:
        response = HttpResponse(message, status=429, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(max(1, retry_after))
    return response


# Anonymous clients this process has refused, until their window ends (fingerprint -> monotonic
# time). A flooder's later attempts are answered before sessions, CSRF, auth or CSP run: the
# refusal path was costing a core, and honest clients waited behind it.
_refused: dict[str, float] = {}
_refused_lock = threading.Lock()
MAX_REFUSED = 50_000


def _remember_refusal(fingerprint: str, seconds: int) -> None:
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
    behind the same shared address as a flooder is judged later on their own account.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _refused and request.method == "POST" and settings.SESSION_COOKIE_NAME not in request.COOKIES:
            fingerprint = client_fingerprint(request)
            until = _refused.get(fingerprint)
            if until is not None:
                left = until - time.monotonic()
                if left > 0:
                    path = request.path_info
                    return too_many_requests(int(left) + 1, json=path.startswith(("/api/", "/open311/")))
                with _refused_lock:
                    _refused.pop(fingerprint, None)
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
            for limit in self.limits:
                if limit.pattern.match(path):
                    blocked = self.check(request, limit)
                    if blocked is not None:
                        return too_many_requests(blocked, json=json_like)
                    break
        return self.get_response(request)

    @staticmethod
    def check(request: HttpRequest, limit: Limit) -> int | None:
        """Seconds to wait when the client is over its limit, None otherwise."""
        user = getattr(request, "user", None)
        anonymous = user is None or not user.is_authenticated
        fingerprint = client_fingerprint(request) if anonymous else ""
        key, rate = (
            (f"client:{fingerprint}", limit.anonymous_rate)
            if anonymous
            else (f"user:{user.pk}", limit.user_rate)
        )
        usage = get_usage(request, group=limit.name, key=lambda _g, _r: key, rate=rate, increment=True)
        if usage and usage["should_limit"]:
            wait = int(usage["time_left"])
            if anonymous:
                _remember_refusal(fingerprint, wait)
            return wait
        return None


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


def solve_for_tests(challenge: dict) -> str:
    """Solve a challenge the way the browser does (tests and benchmarks)."""
    import base64
    import json

    start = time.monotonic()
    for n in range(int(challenge["maxNumber"]) + 1):
        if hashlib.sha256(f"{challenge['salt']}{n}".encode()).hexdigest() == challenge["challenge"]:
            payload = {
                **{k: challenge[k] for k in ("algorithm", "challenge", "salt", "signature")},
                "number": n,
                "took": int((time.monotonic() - start) * 1000),
            }
            return base64.b64encode(json.dumps(payload).encode()).decode()
    raise ValueError("no solution")
