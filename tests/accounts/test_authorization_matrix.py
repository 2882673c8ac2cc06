"""Every URL and API operation × every role: allowed or refused, as the rules below say.

The list of endpoints is generated from the URL configuration and the OpenAPI document, so a new
endpoint without a rule here fails this test: access is decided on purpose, never by accident.

"Allowed" means the request passed the access check (any answer but 401, 403 or a redirect to
the login page; 404 is fine when the object in the URL does not exist). "Refused" means 401, 403
or, for an anonymous visitor, a redirect to the login page.
"""

from __future__ import annotations

import uuid

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter, SlugConverter, UUIDConverter

from observatory.accounts.roles import MODERATOR, OBSERVATORY, ORGANISATION

pytestmark = pytest.mark.django_db

ANON, RESIDENT, ORG, MOD, OBS, ADMIN = (
    "anonymous",
    "resident",
    "organisation",
    "moderator",
    "observatory",
    "admin",
)
ROLES = (ANON, RESIDENT, ORG, MOD, OBS, ADMIN)
PUBLIC = frozenset(ROLES)
LOGGED_IN = PUBLIC - {ANON}
MODS = frozenset({MOD, ADMIN})
OBSERVERS = frozenset({OBS, ADMIN})
ORGS = frozenset({ORG, ADMIN})
STAFF = frozenset({MOD, OBS, ADMIN})
ORGS_AND_STAFF = frozenset({ORG, MOD, OBS, ADMIN})

# URL name -> (method, roles allowed). People who use drugs report anonymously: they have the
# anonymous visitor's rights, by design (no account, nothing identifying asked).
PAGES: dict[str, tuple[str, frozenset[str]]] = {
    "home": ("GET", PUBLIC),
    "privacy": ("GET", PUBLIC),
    "open-data": ("GET", PUBLIC),  # the released tables, as files (releases/opendata.py)
    "open-data-file": ("GET", PUBLIC),
    "report-new": ("GET", PUBLIC),
    "report-thanks": ("GET", PUBLIC),
    "report-track": ("GET", PUBLIC),  # the report's token is the key: 404 without it
    "address-search": ("GET", PUBLIC),  # street addresses: public data, for the report form's map
    # Bulletins: the archive and the public edition are public; a members' edition asks for a
    # dashboard role, checked per edition in tests/bulletins (the sample edition here is unknown: 404).
    "bulletins:archive": ("GET", PUBLIC),
    "bulletins:detail": ("GET", PUBLIC),
    "bulletins:pdf": ("GET", PUBLIC),
    "bulletins:csv": ("GET", PUBLIC),
    "bulletins:svg": ("GET", PUBLIC),
    "map-labels": ("GET", PUBLIC),  # area and landmark names: the city pack's public data
    "map-pmtiles": ("GET", PUBLIC),  # the city's base map tiles (404 when none is configured)
    "moderate-follow-up": ("POST", MODS),
    # Following an area: e-mail (double opt-in, signed links) and Atom feeds, no account needed.
    "subscribe": ("GET", PUBLIC),
    "subscribe-confirm": ("GET", PUBLIC),
    "unsubscribe": ("GET", PUBLIC),
    "feed-city": ("GET", PUBLIC),
    "feed-area": ("GET", PUBLIC),
    "report-notices": ("GET", LOGGED_IN),
    "report-notices-confirm": ("GET", PUBLIC),
    "challenge": ("GET", PUBLIC),
    "meeting": ("GET", STAFF),  # opening meeting mode (web/meetings.py)
    "meeting-join": ("GET", PUBLIC),
    "moderation-queue": ("GET", MODS),
    "moderate": ("POST", MODS),
    "my-reports": ("GET", LOGGED_IN),
    "login": ("GET", PUBLIC),
    "register": ("GET", PUBLIC),
    "my-account": ("GET", LOGGED_IN),
    "my-data": ("GET", LOGGED_IN),
    "delete-account": ("POST", LOGGED_IN),
    "audit-log": ("GET", OBSERVERS),
    "otp-setup": ("GET", LOGGED_IN),  # residents are sent back to their account page
    "otp-verify": ("GET", LOGGED_IN),
    "otp-unlock": ("GET", PUBLIC),
    "logout": ("POST", PUBLIC),
    "set_language": ("POST", PUBLIC),
    "api-v1:openapi-json": ("GET", PUBLIC),
    "api-v1:openapi-view": ("GET", PUBLIC),
    "api-v1:api-root": ("GET", PUBLIC),
    # Field activity: aggregates for every role, detail and entry for organisations.
    "fieldwork:dashboard": ("GET", ORGS_AND_STAFF),
    "fieldwork:timeline-chart": ("GET", ORGS_AND_STAFF),
    "fieldwork:rounds": ("GET", ORGS),
    "fieldwork:round-new": ("GET", frozenset({ORG})),  # members only: an administrator is no outreach worker
    "fieldwork:round-service-worker": ("GET", PUBLIC),  # the offline script of the form: URLs only, no data
    "fieldwork:notes": ("GET", MODS),
    "fieldwork:notes-review": ("POST", MODS),
    "fieldwork:operations": ("GET", ORGS_AND_STAFF),
    "fieldwork:operation-new": ("GET", OBSERVERS),
    "fieldwork:operation": ("GET", ORGS_AND_STAFF),
    "fieldwork:operation-csv": ("GET", ORGS_AND_STAFF),
    "fieldwork:places": ("GET", ORGS_AND_STAFF),
    "fieldwork:place-new": ("GET", frozenset({OBS, ORG, ADMIN})),
    "fieldwork:place-count": ("GET", ORGS),
    "fieldwork:plan": ("GET", PUBLIC),
    "fieldwork:plan-chart": ("GET", PUBLIC),
    "fieldwork:plan-value": ("GET", OBSERVERS),
    "fieldwork:plan-indicator-new": ("GET", OBSERVERS),
    "fieldwork:plan-indicator-edit": ("GET", OBSERVERS),
    # Analysis dashboards: observatory members.
    "analysis:hotspots": ("GET", OBSERVERS),
    "analysis:density": ("GET", OBSERVERS),
    "analysis:rhythm": ("GET", OBSERVERS),
    "analysis:trends": ("GET", OBSERVERS),
    "analysis:displacement": ("GET", OBSERVERS),
    "analysis:operation-csv": ("GET", ORGS_AND_STAFF),
    # Consultations: public pages and results; residents vote (with a code or an account) and
    # argue; observatory members set them up; moderators review arguments.
    "consultation:list": ("GET", PUBLIC),
    "consultation:new": ("GET", OBSERVERS),
    "consultation:detail": ("GET", PUBLIC),
    "consultation:option-new": ("GET", OBSERVERS),
    "consultation:codes": ("GET", OBSERVERS),
    "consultation:vote": ("GET", PUBLIC),
    "consultation:argument-new": ("GET", LOGGED_IN),
    "consultation:endorse": ("POST", LOGGED_IN),
    "consultation:moderation": ("GET", MODS),
    "consultation:moderate": ("POST", MODS),
    "consultation:results": ("GET", PUBLIC),
    "consultation:export-csv": ("GET", PUBLIC),
    "consultation:export-json": ("GET", PUBLIC),
    # Siting scenarios: observatory members.
    "siting:index": ("GET", OBSERVERS),
    "siting:new": ("GET", OBSERVERS),
    "siting:scenario": ("GET", OBSERVERS),
    "siting:compare": ("GET", OBSERVERS),
    "siting:geojson": ("GET", OBSERVERS),
    "siting:robustness": ("POST", OBSERVERS),
    "siting:send": ("POST", OBSERVERS),
    # What-if simulations: observatory members.
    "simulation:index": ("GET", OBSERVERS),
    "simulation:scenario": ("GET", OBSERVERS),
    "simulation:operation-save": ("POST", OBSERVERS),
    "simulation:room-save": ("POST", OBSERVERS),
    "simulation:item-delete": ("POST", OBSERVERS),
    "simulation:run-new": ("POST", OBSERVERS),
    "simulation:run": ("GET", OBSERVERS),
    "simulation:compare": ("GET", OBSERVERS),
    # Background jobs (the queue's pages): observatory members.
    "jobs:index": ("GET", OBSERVERS),
    "jobs:detail": ("GET", OBSERVERS),
    "jobs:status": ("GET", OBSERVERS),
    "jobs:cancel": ("POST", OBSERVERS),
    # Citizens' panel: the list, registration and the draw with its files are public; members
    # set up, compute, commit, draw and read contacts.
    "panel:index": ("GET", PUBLIC),
    "panel:new": ("GET", OBSERVERS),
    "panel:manage": ("GET", OBSERVERS),
    "panel:status": ("POST", OBSERVERS),
    "panel:register": ("GET", PUBLIC),
    "panel:registered": ("GET", PUBLIC),
    "panel:quotas": ("GET", OBSERVERS),
    "panel:compute": ("POST", OBSERVERS),
    "panel:compare": ("GET", OBSERVERS),
    "panel:commit": ("POST", OBSERVERS),
    "panel:run-draw": ("POST", OBSERVERS),
    "panel:contacts": ("GET", OBSERVERS),
    "panel:draw": ("GET", PUBLIC),
    "panel:pool-file": ("GET", PUBLIC),
    "panel:quotas-file": ("GET", PUBLIC),
    "panel:audit-file": ("GET", PUBLIC),
    # Photos: originals for moderators; the blurred copy is public only once approved and
    # published (404 otherwise, so nobody learns a report has a photo).
    "photos:original": ("GET", MODS),
    "photos:blurred": ("GET", PUBLIC),
    "photos:moderate": ("POST", MODS),  # approve / unapprove
    # Complaints of people who use drugs: anyone files and follows with a code; the complaints
    # referent (a role of its own, checked in tests/complaints/test_views.py) answers; exact
    # figures for observatory members and referents; the released counts are public.
    "complaints:new": ("GET", PUBLIC),
    "complaints:slip-pdf": ("POST", PUBLIC),  # then the code decides (404 without one)
    "complaints:follow": ("GET", PUBLIC),
    "complaints:message": ("POST", PUBLIC),  # then the code decides
    "complaints:figures": ("GET", OBSERVERS),
    "complaints:released": ("GET", PUBLIC),
    "complaints:queue": ("GET", frozenset({ADMIN})),
    "complaints:case": ("GET", frozenset({ADMIN})),
    "complaints:photo": ("GET", frozenset({ADMIN})),
    # Alerts for the field: organisation and observatory members, never the public.
    "alerts:list": ("GET", frozenset({ORG, OBS, ADMIN})),
    "alerts:detail": ("GET", frozenset({ORG, OBS, ADMIN})),
    "alerts:recipients": ("GET", OBSERVERS),
}

# Open311 is public by the standard: reads show anyone only moderated, delayed, cell-centred
# requests without text, without the categories for people who use drugs and to the day; the
# report's token or a city-service API key (not a role) opens the full record (tests/open311/
# test_open311_readers.py). POST is authenticated by an API key, not a role.
OPEN311 = {
    "open311:discovery": PUBLIC,
    "open311:services": PUBLIC,
    "open311:service": PUBLIC,
    "open311:requests": PUBLIC,
    "open311:request": PUBLIC,
    "open311:request-alt": PUBLIC,
    "open311:token": PUBLIC,
}

# "METHOD /path" of the JSON API -> roles allowed.
API: dict[str, frozenset[str]] = {
    "POST /api/v1/reports": PUBLIC,
    "GET /api/v1/reports/{report_id}": PUBLIC,  # then author (token) or staff only: see test_api_reports
    "GET /api/v1/categories": PUBLIC,
    "GET /api/v1/areas": PUBLIC,
    "GET /api/v1/public/cells": PUBLIC,
    "POST /api/v1/fieldwork/rounds": ORGS,
    "GET /api/v1/fieldwork/rounds": LOGGED_IN,  # your organisations' rounds only (empty otherwise)
    "GET /api/v1/fieldwork/rounds/{round_id}": LOGGED_IN,  # then members of its organisation only
    "GET /api/v1/fieldwork/organisations": LOGGED_IN,
    "GET /api/v1/fieldwork/stats/outreach": ORGS_AND_STAFF,
    "GET /api/v1/fieldwork/stats/kits": ORGS_AND_STAFF,
    "GET /api/v1/fieldwork/stats/referrals": ORGS_AND_STAFF,
    "GET /api/v1/fieldwork/stats/occupancy": ORGS_AND_STAFF,
    "GET /api/v1/fieldwork/stats/timeline": ORGS_AND_STAFF,
    "POST /api/v1/fieldwork/operations": OBSERVERS,
    "GET /api/v1/fieldwork/operations": ORGS_AND_STAFF,
    "GET /api/v1/fieldwork/operations/{operation_id}": ORGS_AND_STAFF,
    "GET /api/v1/fieldwork/places": ORGS_AND_STAFF,
    "POST /api/v1/fieldwork/places": frozenset({OBS, ORG, ADMIN}),
    "POST /api/v1/fieldwork/places/{place_id}/counts": ORGS,
    "GET /api/v1/fieldwork/plan": PUBLIC,
    "POST /api/v1/fieldwork/plan/{code}/values": OBSERVERS,
}


def _users(make_user) -> dict[str, object]:
    users: dict[str, object] = {ANON: None, RESIDENT: make_user("resident")}
    users[ORG] = make_user("outreach", ORGANISATION)
    users[MOD] = make_user("moderator", MODERATOR)
    users[OBS] = make_user("observer", OBSERVATORY)
    users[ADMIN] = make_user("admin", is_superuser=True, is_staff=True)
    try:  # an organisation member belongs to an organisation
        from observatory.fieldwork.models import Membership, Organisation

        org = Organisation.objects.create(name="Matrix outreach")
        Membership.objects.create(organisation=org, user=users[ORG])
    except ImportError:
        pass
    return users


def _walk(patterns, ns: str | None = None):
    for p in patterns:
        if isinstance(p, URLResolver):
            if p.app_name == "admin":
                continue
            yield from _walk(p.url_patterns, p.namespace or ns)
        elif isinstance(p, URLPattern) and p.name:
            yield (f"{ns}:{p.name}" if ns else p.name), p


def _sample_kwargs(pattern: URLPattern) -> dict[str, str]:
    kwargs = {}
    converters = getattr(pattern.pattern, "converters", {})
    names = list(converters) or list(pattern.pattern.regex.groupindex)
    for name in names:
        conv = converters.get(name)
        if isinstance(conv, UUIDConverter) or name.endswith("report_id") or name == "round_id":
            kwargs[name] = str(uuid.uuid4())
        elif isinstance(conv, IntConverter):
            kwargs[name] = "999999"
        elif name == "fmt":
            kwargs[name] = "json"
        elif isinstance(conv, SlugConverter):
            kwargs[name] = "nothing"
        else:
            kwargs[name] = "nothing"
    return kwargs


def _verdict(response, role: str) -> str:
    if response.status_code >= 500:
        return f"error {response.status_code}"
    if response.status_code in (401, 403):
        return "refused"
    if response.status_code == 302 and "/accounts/login/" in response.get("Location", ""):
        return "refused"
    if response.status_code == 405:
        return "wrong method"
    return "allowed"


def _page_endpoints():
    for name, pattern in _walk(get_resolver().url_patterns):
        if name.startswith("api-v1:") and name not in PAGES:
            continue  # API operations are checked per method from the OpenAPI document below
        yield name, pattern


def test_every_page_has_a_rule():
    rules = {**PAGES, **{k: ("GET", v) for k, v in OPEN311.items()}}
    missing = sorted(name for name, _ in _page_endpoints() if name not in rules)
    assert not missing, f"endpoints without an access rule in this test: {missing}"


def test_every_api_operation_has_a_rule(client):
    doc = client.get("/api/v1/openapi.json").json()
    operations = {f"{m.upper()} {path}" for path, methods in doc["paths"].items() for m in methods}
    missing = sorted(operations - set(API))
    assert not missing, f"API operations without an access rule in this test: {missing}"


def test_pages_matrix(make_user):
    users = _users(make_user)
    rules = {**PAGES, **{k: ("GET", v) for k, v in OPEN311.items()}}
    wrong = []
    for name, pattern in _page_endpoints():
        method, allowed = rules[name]
        url = reverse(name, kwargs=_sample_kwargs(pattern))
        for role in ROLES:
            client = Client(HTTP_ACCEPT_LANGUAGE="en")
            if users[role] is not None:
                client.force_login(users[role])
            response = client.post(url) if method == "POST" else client.get(url)
            got = _verdict(response, role)
            expected = "allowed" if role in allowed else "refused"
            if got != expected:
                wrong.append(f"{method} {url} as {role}: {got} ({response.status_code}), expected {expected}")
    assert not wrong, "\n".join(wrong)


def test_api_matrix(make_user):
    users = _users(make_user)
    doc = Client().get("/api/v1/openapi.json").json()
    wrong = []
    for path, methods in doc["paths"].items():
        for method in methods:
            key = f"{method.upper()} {path}"
            url = path
            for param in [p for p in path.split("/") if p.startswith("{")]:
                value = str(uuid.uuid4()) if "report" in param or "round" in param else "999999"
                url = url.replace(param, value)
            for role in ROLES:
                client = Client()
                if users[role] is not None:
                    client.force_login(users[role])
                if method == "get":
                    response = client.get(url)
                else:
                    response = getattr(client, method)(url, "{}", content_type="application/json")
                got = _verdict(response, role)
                expected = "allowed" if role in API[key] else "refused"
                if got != expected:
                    wrong.append(f"{key} as {role}: {got} ({response.status_code}), expected {expected}")
    assert not wrong, "\n".join(wrong)
