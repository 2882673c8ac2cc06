"""Subscribers get the public bulletin: through a real SMTP server, once, and in their feed."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from xml.etree import ElementTree

from django.utils import timezone

from observatory.bulletins import services
from observatory.bulletins.models import Bulletin, Delivery
from observatory.subscriptions import services as subscriptions
from observatory.subscriptions.models import Subscription

from .conftest import MONTH

ATOM = "{http://www.w3.org/2005/Atom}"


@dataclass
class Ctx:
    params: dict = field(default_factory=dict)
    steps: list = field(default_factory=list)

    def progress(self, percent, message=""):
        self.steps.append((percent, message))


def _follow(email: str, area=None) -> Subscription:
    return Subscription.objects.create(email=email, area=area, confirmed_at=timezone.now(), language="en")


def test_the_monthly_job_makes_both_editions_and_mails_the_public_one_once(winter, field, smtp, settings):
    settings.LANGUAGE_CODE = "en"
    from observatory.reports.models import Area

    quartier = Area.objects.filter(level="quartier").first()
    _follow("ana@example.org")
    _follow("ana@example.org", quartier)  # one address, two areas: one e-mail
    _follow("bo@example.org", quartier)
    Subscription.objects.create(email="unconfirmed@example.org", language="en")  # never confirmed

    result = subscriptions.monthly_bulletin_job(Ctx())
    assert sorted(result["made"]) == ["2026-03 members", "2026-03 public"]
    assert result["sent"] == 2 and result["failed"] == 0
    messages = smtp.wait(2)
    assert sorted(str(m["To"]) for m in messages) == ["ana@example.org", "bo@example.org"]
    public = Bulletin.objects.get(month=MONTH, edition="public")
    for msg in messages:
        body = smtp.body(msg)
        assert str(msg["Subject"]) == public.data["title"]
        assert "http://testserver/bulletins/2026-03/public/" in body
        assert "http://testserver/bulletins/2026-03/public/bulletin.pdf" in body
        assert "/members/" not in body
        for line in public.data["summary"]:
            assert re.sub(r"\s+", " ", line) in re.sub(r"\s+", " ", body)
        assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert re.search(r"http://testserver/subscribe/stop/\S+/", body)
    assert public.mailed_at is not None
    assert Delivery.objects.filter(bulletin=public).count() == 3  # every subscription of both addresses

    again = subscriptions.monthly_bulletin_job(Ctx())
    assert again == {"made": [], "sent": 0, "failed": 0}
    assert len(smtp.wait(3, timeout=0.5)) == 2


def test_a_failed_send_is_retried_for_those_who_missed_it(winter, field, smtp, settings):
    from observatory.subscriptions import services as subscriptions

    _follow("ana@example.org")
    public = services.generate(MONTH, "public", language="en")
    port = settings.EMAIL_PORT
    settings.EMAIL_PORT = 1  # nobody listens there
    run = subscriptions.send_bulletin(public)
    assert run.failed == 1 and run.sent == 0
    public.refresh_from_db()
    assert public.mailed_at is None
    settings.EMAIL_PORT = port
    _follow("bo@example.org")
    assert subscriptions.send_bulletin(public).sent == 2
    assert len(smtp.wait(2)) == 2


def test_the_feed_announces_public_bulletins_only(winter, field, client):
    services.generate(MONTH, "public", language="en")
    services.generate(MONTH, "members", language="en")
    response = client.get("/feed/")
    assert response.status_code == 200
    root = ElementTree.fromstring(response.content)
    entries = [e for e in root.iter(f"{ATOM}entry") if "bulletin" in (e.findtext(f"{ATOM}id") or "")]
    assert len(entries) == 1
    link = entries[0].find(f"{ATOM}link").get("href")
    assert link.endswith("/bulletins/2026-03/public/")
    assert b"/bulletins/2026-03/members/" not in response.content
    assert entries[0].findtext(f"{ATOM}updated").endswith("T00:00:00+00:00")
