"""An injection corpus through every text field a user can fill, then the pages that show it.

Each payload must be either stored exactly as typed or refused with a 4xx that names the field
(nothing stored); never a 500. Wherever the text is shown again, it appears escaped: no element,
attribute or script of the payload is live in the page. After the SQL fragment the tables are
still there. The last tests check the security headers and that no template holds inline script.
"""

from __future__ import annotations

import io
import json
import re
import uuid
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

import defusedxml.ElementTree as DET
import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import timezone
from django.utils.html import escape

from observatory.accounts.roles import MODERATOR, ORGANISATION
from observatory.reports.models import Report
from observatory.reports.services import publication

pytestmark = pytest.mark.django_db

STALINGRAD = (48.8843, 2.3678)
PAYLOADS = {
    "script": "<script>alert('xss')</script>",
    "attribute": '"><img src=x onerror=alert(1)>',
    "sql": "'; DROP TABLE reports_report;--",
    "unicode": "rue de Flandre \u202egnp.exe\u200b\u200d\ufeff fin",
    "nul": "avant\x00apres",
    "long": ("<svg onload=alert(1)>" * 500)[:10_000],
}
assert len(PAYLOADS["long"]) == 10_000
TABLES = ("reports_report", "auth_user", "fieldwork_round", "consultation_argument")


class LiveMarkup(HTMLParser):
    """Collect what a browser would run: inline scripts and event-handler attributes, and any
    element the corpus injects (img src=x, svg)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.live: list[str] = []

    def handle_starttag(self, tag, attrs):
        names = {name for name, _ in attrs}
        if tag == "script" and "src" not in names and dict(attrs).get("type") != "application/json":
            self.live.append("<script> without src")
        if tag == "svg" or (tag == "img" and dict(attrs).get("src") == "x"):
            self.live.append(f"<{tag}> from the payload")
        self.live += [f"{tag} {name}=" for name in names if name.startswith("on")]


def assert_inert(html: str, payload: str, *, shown: bool = True) -> None:
    """The page holds no live markup; when ``shown``, the payload is there, escaped."""
    parser = LiveMarkup()
    parser.feed(html)
    assert not parser.live, f"live markup in the page: {parser.live[:3]}"
    if any(c in payload for c in "<>\"'"):
        assert payload not in html, "the payload appears unescaped"
    if shown:
        assert escape(payload) in html, "the payload is not shown (escaped) on the page"


def assert_tables_intact() -> None:
    names = set(connection.introspection.table_names())
    assert set(TABLES) <= names
    Report.objects.count()  # the table still answers


def assert_refused(response) -> None:
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:300])


def form_errors(response) -> dict:
    return response.context["form"].errors


def local(moment) -> str:
    return moment.astimezone(ZoneInfo("Europe/Paris")).strftime("%Y-%m-%dT%H:%M")


def refused_on_length_or_nul(payload: str, max_length: int) -> bool:
    """What every text field refuses: a NUL character (Django's form fields and the intake both
    refuse it; PostgreSQL cannot store it) and a text over the field's limit."""
    return "\x00" in payload or len(payload) > max_length


@pytest.fixture
def moderator_client(make_user):
    client = Client()
    client.force_login(make_user("moderator", MODERATOR))
    return client


# Report description: the web form (logged in, so the proof of work is not asked).


@pytest.mark.parametrize("name", PAYLOADS)
def test_report_form_description(client, make_user, moderator_client, no_rate_limits, name):
    payload = PAYLOADS[name]
    client.force_login(make_user("resident"))
    data = {
        "reporter_kind": "resident",
        "category": "litter",
        "lat": str(STALINGRAD[0]),
        "lon": str(STALINGRAD[1]),
        "observed_at": local(timezone.now() - timedelta(hours=1)),
        "description": payload,
        "submission_id": str(uuid.uuid4()),
    }
    response = client.post("/report/", data)
    if refused_on_length_or_nul(payload, 4000):
        assert_refused(response)
        assert "description" in form_errors(response)
        assert not Report.objects.exists()
        assert_inert(response.content.decode(), payload, shown=False)
        return
    assert response.status_code == 302, form_errors(response) if response.context else response
    assert Report.objects.get().description == payload
    assert_tables_intact()
    assert_inert(client.get("/me/reports/").content.decode(), payload, shown=False)  # lists no text
    assert_inert(moderator_client.get("/moderation/").content.decode(), payload)


# Report description: the JSON API, read back with the access token.


@pytest.mark.parametrize("name", PAYLOADS)
def test_report_api_description(client, moderator_client, no_rate_limits, api_key, name):
    payload = PAYLOADS[name]
    body = {"category": "litter", "lat": STALINGRAD[0], "lon": STALINGRAD[1], "description": payload}
    response = client.post(
        "/api/v1/reports", json.dumps(body), content_type="application/json", HTTP_X_API_KEY=api_key
    )
    if refused_on_length_or_nul(payload, 4000):
        assert response.status_code == 422, response.content
        assert any("description" in e["loc"] for e in response.json()["detail"]), response.json()
        assert not Report.objects.exists()
        return
    assert response.status_code == 201, response.content
    created = response.json()
    back = client.get(f"/api/v1/reports/{created['id']}", HTTP_X_REPORT_TOKEN=created["access_token"])
    assert back.json()["description"] == payload
    assert Report.objects.get().description == payload
    assert_tables_intact()
    assert_inert(moderator_client.get("/moderation/").content.decode(), payload)


# Report description: Open311 POST with an operator's API key; once published, the XML is sound.


@pytest.fixture
def api_key(db) -> str:
    out = io.StringIO()
    call_command("apikey", "create", "security-tests", stdout=out)
    return out.getvalue().strip()


@pytest.mark.parametrize("name", PAYLOADS)
def test_open311_description(client, api_key, no_rate_limits, name):
    payload = PAYLOADS[name]
    seen = (timezone.now() - timedelta(days=3)).replace(microsecond=0)
    data = {
        "api_key": api_key,
        "service_code": "litter",
        "lat": str(STALINGRAD[0]),
        "long": str(STALINGRAD[1]),
        "observed_datetime": seen.isoformat(),
        "description": payload,
    }
    response = client.post("/open311/v2/requests.json", data)
    if refused_on_length_or_nul(payload, 4000):
        assert response.status_code == 400, response.content
        assert any(e["description"].startswith("description") for e in response.json())
        assert not Report.objects.exists()
        return
    assert response.status_code == 200, response.content
    report = Report.objects.get()
    assert report.description == payload
    assert_tables_intact()
    publication.set_status(report, Report.Status.PUBLISHED)
    # The text goes back to its reporter only (anonymous Open311 reads carry none): the token.
    token = response.json()[0]["token"]
    xml = client.get(f"/open311/v2/requests/{report.pk}.xml", HTTP_X_REPORT_TOKEN=token)
    assert xml.status_code == 200
    [item] = list(DET.fromstring(xml.content))  # well-formed: the payload did not break the XML
    assert item.findtext("description") == payload


# Moderation: a moderator's edit of the text.


@pytest.mark.parametrize(
    "name",
    list(PAYLOADS),
)
def test_moderation_edit_text(moderator_client, make_report, name):
    payload = PAYLOADS[name]
    report = make_report(description="Seringues devant l'école")
    response = moderator_client.post(f"/moderation/{report.pk}/edit/", {"description": payload}, follow=True)
    assert response.status_code < 500
    report.refresh_from_db()
    page = response.content.decode()
    if refused_on_length_or_nul(payload, 4000):
        assert report.description == "Seringues devant l'école" and not report.original_description
        assert "text" in page  # the message says what is wrong with the text
        assert_inert(page, payload, shown=False)
        return
    assert report.description == payload
    assert report.original_description == "Seringues devant l'école"
    assert_tables_intact()
    assert_inert(moderator_client.get("/moderation/").content.decode(), payload)


# Registration: the user name.


@pytest.mark.parametrize("name", PAYLOADS)
def test_registration_username(client, no_rate_limits, name):
    payload = PAYLOADS[name]
    password = "correct-horse-battery-staple-42"
    response = client.post(
        "/accounts/register/", {"username": payload, "password1": password, "password2": password}
    )
    # Django's user names allow letters, digits and @ . + - _ only: every payload is refused there.
    assert_refused(response)
    assert "username" in form_errors(response)
    assert not User.objects.exists()
    assert_tables_intact()
    assert_inert(response.content.decode(), payload, shown=False)


# Fieldwork: an outreach round's notes, seen by the organisation and the moderators.


@pytest.fixture
def organisation(db):
    from observatory.fieldwork.models import Organisation

    return Organisation.objects.create(name="Gaïa", kind="outreach")


@pytest.mark.parametrize("name", PAYLOADS)
def test_round_notes(client, make_user, moderator_client, organisation, some_areas, name):
    from observatory.fieldwork.models import Membership, Round

    payload = PAYLOADS[name]
    worker = make_user("worker", ORGANISATION)
    Membership.objects.create(user=worker, organisation=organisation)
    client.force_login(worker)
    start = timezone.now() - timedelta(hours=3)
    data = {
        "organisation": organisation.pk,
        "started_at": local(start),
        "ended_at": local(start + timedelta(hours=2)),
        "route": '{"type": "Point", "coordinates": [2.3678, 48.8843]}',
        "submission_id": str(uuid.uuid4()),
        "notes": payload,
    }
    for field in ("people_met", "new_contacts", "meals", "kit_crack_pipe", "kit_syringe", "kit_naloxone"):
        data[field] = "1"
    for field in ("referrals_care", "referrals_housing", "referrals_shelter", "referrals_consumption_room"):
        data[field] = "0"
    data["kit_other"] = "0"
    response = client.post("/fieldwork/rounds/new/", data)
    if refused_on_length_or_nul(payload, 2000):
        assert response.status_code < 500
        assert "notes" in form_errors(response)
        assert not Round.objects.exists()
        assert_inert(response.content.decode(), payload, shown=False)
        return
    assert response.status_code == 302, form_errors(response)
    assert Round.objects.get().notes == payload
    assert_tables_intact()
    assert_inert(client.get("/fieldwork/rounds/").content.decode(), payload)
    assert_inert(moderator_client.get("/fieldwork/rounds/notes/").content.decode(), payload)


def test_round_form_refusal_is_a_4xx(client, make_user, organisation, some_areas):
    from observatory.fieldwork.models import Membership

    worker = make_user("worker", ORGANISATION)
    Membership.objects.create(user=worker, organisation=organisation)
    client.force_login(worker)
    response = client.post("/fieldwork/rounds/new/", {"notes": PAYLOADS["long"]})
    assert "notes" in form_errors(response)
    assert 400 <= response.status_code < 500


# Consultations: an argument for or against a site, seen by moderators, then by everyone.


@pytest.fixture
def consultation(some_areas):
    from observatory.consultation import services
    from observatory.consultation.models import Consultation

    now = timezone.now()
    quartiers = [a for a in some_areas if a.level == "quartier"][:2]
    consultation = services.create_consultation(
        question="Where should the new care room open?",
        starts_at=now + timedelta(days=1),
        ends_at=now + timedelta(days=14),
        method="ranked",
        eligibility="code",
        quartiers=quartiers,
    )
    services.add_site_options(
        consultation,
        [
            {"name": "Rue d'Aubervilliers", "lat": 48.8870, "lon": 2.3660},
            {"name": "Gare du Nord", "lat": 48.8809, "lon": 2.3553},
        ],
    )
    # Options are set before the vote opens; arguments are written while it is open.
    Consultation.objects.filter(pk=consultation.pk).update(
        starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=13)
    )
    consultation.refresh_from_db()
    return consultation


@pytest.mark.parametrize("name", PAYLOADS)
def test_consultation_argument(client, make_user, moderator_client, consultation, name):
    from observatory.consultation import services
    from observatory.consultation.models import Argument

    payload = PAYLOADS[name]
    option = consultation.options.order_by("position").first()
    client.force_login(make_user("alice"))
    response = client.post(
        f"/consultations/{consultation.pk}/options/{option.pk}/argue/", {"side": "against", "text": payload}
    )
    if refused_on_length_or_nul(payload, 1000):
        assert_refused(response)
        assert "text" in form_errors(response)
        assert not Argument.objects.exists()
        assert_inert(response.content.decode(), payload, shown=False)
        return
    assert response.status_code == 302, form_errors(response)
    argument = Argument.objects.get()
    assert argument.text == payload
    assert_tables_intact()
    assert_inert(moderator_client.get("/consultations/moderation/").content.decode(), payload)
    services.moderate_argument(argument, "publish")
    assert_inert(Client().get(f"/consultations/{consultation.pk}/").content.decode(), payload)


# Security headers and the no-inline-script rule.


def test_security_headers_on_a_page(client):
    response = client.get("/report/")
    assert response.status_code == 200
    csp = {d.split()[0]: d.split()[1:] for d in response["Content-Security-Policy"].split(";") if d.strip()}
    assert csp["script-src"] == ["'self'"], csp.get("script-src")
    assert "'unsafe-inline'" not in csp.get("script-src", []) + csp.get("default-src", [])
    assert csp["object-src"] == ["'none'"] and csp["frame-ancestors"] == ["'none'"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_no_template_holds_inline_script():
    import observatory

    root = Path(observatory.__file__).parent
    templates = sorted(root.glob("**/templates/**/*.html"))
    assert len(templates) > 20
    inline = []
    for path in templates:
        for match in re.finditer(r"<script\b[^>]*>", path.read_text(encoding="utf-8"), re.IGNORECASE):
            tag = match.group(0)
            if "src=" not in tag and 'type="application/json"' not in tag:
                inline.append(f"{path.relative_to(root)}: {tag}")
    assert not inline, inline
