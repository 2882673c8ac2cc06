"""Many people behind one address (a shelter's Wi-Fi, a mobile network): a flood on one endpoint
is refused there only; logging in, registering and voting stay open to the same address."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from observatory.common import abuse

from .conftest import NO_LIMITS

pytestmark = pytest.mark.django_db

SHELTER = "203.0.113.80"
REPORT = json.dumps({"category": "litter", "lat": 48.8843, "lon": 2.3678})


@pytest.fixture
def tight_intake(settings):
    settings.OBSERVATORY_RATE_LIMITS = {**NO_LIMITS, "anonymous": "2/h"}


@pytest.fixture
def api_key(db) -> str:
    """A submit key (an anonymous API post needs a proof of work or a key: a key is cheaper)."""
    from observatory.reports.models import ApiKey

    ApiKey.objects.create(name="shelter app", key_hash=ApiKey.hash("shelter-key"))
    return "shelter-key"


def _consultation():
    from observatory.consultation import services
    from observatory.consultation.models import Consultation

    now = timezone.now()
    c = services.create_consultation(
        question="Where?", starts_at=now + timedelta(days=1), ends_at=now + timedelta(days=9)
    )
    services.add_site_options(c, [{"name": "Gare du Nord", "lat": 48.8809, "lon": 2.3553}])
    Consultation.objects.filter(pk=c.pk).update(starts_at=now - timedelta(hours=1))
    c.refresh_from_db()
    return c, services.generate_codes(c, 1)[0]


def test_an_intake_flood_leaves_the_address_free_to_log_in_register_and_vote(
    tight_intake, api_key, make_user
):
    make_user("alice", password="a-long-test-password")
    flooder = Client(REMOTE_ADDR=SHELTER, HTTP_X_API_KEY=api_key)
    statuses = [
        flooder.post("/api/v1/reports", REPORT, content_type="application/json").status_code for _ in range(4)
    ]
    assert statuses == [201, 201, 429, 429]
    assert any(name == "report-api" for name, _fp in abuse._refused)

    # Same address, no session cookie: each endpoint is judged on its own.
    neighbour = Client(REMOTE_ADDR=SHELTER)
    login = neighbour.post("/accounts/login/", {"username": "alice", "password": "a-long-test-password"})
    assert login.status_code == 302 and "_auth_user_id" in neighbour.session

    newcomer = Client(REMOTE_ADDR=SHELTER)
    registered = newcomer.post(
        "/accounts/register/",
        {"username": "bob", "password1": "Shelter-Wifi-2026!", "password2": "Shelter-Wifi-2026!"},
    )
    assert registered.status_code == 302

    consultation, code = _consultation()
    voter = Client(REMOTE_ADDR=SHELTER)
    vote = voter.post(f"/consultations/{consultation.pk}/vote/", {"code": code, "option_1": "1"})
    assert vote.status_code == 200 and "change-key" in vote.content.decode()

    # The form that was not flooded stays open too; the flooded API stays refused.
    assert flooder.post("/api/v1/reports", REPORT, content_type="application/json").status_code == 429


def test_a_flooded_page_answers_in_the_layout_and_says_when_to_try_again(settings):
    settings.OBSERVATORY_RATE_LIMITS = {**NO_LIMITS, "register": "1/h"}
    client = Client(REMOTE_ADDR=SHELTER, HTTP_ACCEPT_LANGUAGE="fr")
    client.post("/accounts/register/", {"username": "x"})
    response = client.post("/accounts/register/", {"username": "y"})
    html = response.content.decode()
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert response["Content-Type"].startswith("text/html")
    assert '<html lang="fr">' in html and "Réessayez dans" in html
    # And early (second refusal, before sessions and locale run): the same page.
    again = client.post("/accounts/register/", {"username": "z"})
    assert again.status_code == 429 and "Réessayez dans" in again.content.decode()
