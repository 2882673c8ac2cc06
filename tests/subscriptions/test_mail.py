"""E-mail through a real SMTP server started by the test: double opt-in, confirmation, the
digest after a release (released numbers only), one-click unsubscription, reporters' notices."""

from __future__ import annotations

from datetime import date

import pytest
from django.db.models import Sum

from observatory.accounts.roles import MODERATOR
from observatory.releases.models import Release, ReleasedCount
from observatory.reports.services import moderation
from observatory.subscriptions import services
from observatory.subscriptions.models import ReportNotice, Subscription

from .conftest import Mailbox, release_until

pytestmark = pytest.mark.django_db
ADDRESS = "resident@example.org"


def _subscribe(client, smtp, area_key: str, cadence: str = "month") -> str:
    """Subscribe, follow the confirmation link, press the button; returns the confirm path."""
    before = len(smtp.messages)
    page = client.post("/subscribe/", {"area": area_key, "email": ADDRESS, "cadence": cadence})
    assert page.status_code == 200 and "Check your mailbox" in page.content.decode()
    (mail,) = smtp.wait(before + 1)[before:]
    assert mail["To"] == ADDRESS and "Confirm" in mail["Subject"]
    path = Mailbox.link(mail, r"/subscribe/confirm/[^/\s]+/")
    assert "Confirm" in client.get(path).content.decode()
    assert Subscription.objects.get(email=ADDRESS).confirmed_at is None  # a GET confirms nothing
    assert "You now follow" in client.post(path).content.decode()
    return path


def test_double_opt_in_then_a_digest_after_each_release_then_one_click_unsubscribe(client, smtp, scene):
    release_until(date(2026, 2, 10))  # January (and its weeks) released before the subscription
    _subscribe(client, smtp, f"quartier:{scene.code}")
    sub = Subscription.objects.get()
    assert sub.confirmed_at is not None and sub.area == scene

    made = release_until(date(2026, 3, 5))  # February is released: the hook sends the digest
    february = next(r for r in made if r.grain == "month")
    (digest,) = smtp.wait(2)[1:]
    body = Mailbox.body(digest)
    assert scene.name in digest["Subject"] and "2026-02" in digest["Subject"]
    assert "2026-01" not in body  # released before the subscription
    cells = services.cells_in(scene)
    expected = (
        ReleasedCount.objects.filter(release=february, category__isnull=True, cell__in=cells).aggregate(
            n=Sum("count")
        )["n"]
        or 0
    )
    assert f"All categories: {expected}" in body
    # RFC 8058 one-click: the mail client posts to the List-Unsubscribe link, without a form.
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = str(digest["List-Unsubscribe"]).strip().strip("<>")
    assert link in body
    path = link.removeprefix("http://testserver")
    assert "Stop following" in client.get(path).content.decode()
    assert Subscription.objects.exists()  # a GET (a link scanner) stops nothing
    from django.test import Client

    assert Client(enforce_csrf_checks=True).post(path).status_code == 200
    assert not Subscription.objects.exists()  # forgotten, address and all

    release_until(date(2026, 4, 5))  # March: nobody follows any more
    assert len(smtp.wait(3, timeout=0.5)) == 2


def test_nothing_is_sent_before_confirmation_and_asking_twice_sends_one_mail(client, smtp, scene):
    for _ in range(2):
        client.post("/subscribe/", {"area": "city", "email": ADDRESS, "cadence": "month"})
    assert len(smtp.wait(1)) == 1
    release_until(date(2026, 3, 5))
    assert len(smtp.wait(2, timeout=0.5)) == 1
    assert Subscription.objects.get().confirmed_at is None


def test_an_address_already_following_learns_nothing_and_gets_nothing(client, smtp, scene):
    _subscribe(client, smtp, "city")
    page = client.post("/subscribe/", {"area": "city", "email": ADDRESS, "cadence": "month"})
    assert "Check your mailbox" in page.content.decode()
    assert len(smtp.wait(2, timeout=0.5)) == 1


def test_weekly_subscribers_receive_the_weeks_and_the_city_the_whole_city(client, smtp, scene):
    release_until(date(2026, 2, 10))
    _subscribe(client, smtp, "city", cadence="week")
    made = release_until(date(2026, 2, 20))
    weeks = [r for r in made if r.grain == "week"]
    assert weeks and not [r for r in made if r.grain == "month"]
    (digest,) = smtp.wait(2)[1:]
    body = Mailbox.body(digest)
    for r in weeks:
        total = (
            ReleasedCount.objects.filter(release=r, category__isnull=True).aggregate(n=Sum("count"))["n"] or 0
        )
        assert f"{services.period_label(r)} (" in body
        assert f"All categories: {total}" in body


def test_a_failed_send_is_retried_after_the_next_release(client, smtp, scene, settings):
    release_until(date(2026, 2, 10))
    _subscribe(client, smtp, f"arrondissement:{scene.parent_code}")
    port = settings.EMAIL_PORT
    settings.EMAIL_PORT = 1  # the mail server is unreachable on release day
    release_until(date(2026, 3, 5))
    assert Subscription.objects.get().last_sent_at is not None
    assert len(smtp.wait(2, timeout=0.3)) == 1
    settings.EMAIL_PORT = port
    release_until(date(2026, 3, 6))  # nothing new released; the pending digest goes out
    (digest,) = smtp.wait(2)[1:]
    assert "2026-02" in digest["Subject"]
    assert Release.objects.filter(grain="month", period_start=date(2026, 2, 1)).exists()


def test_a_registered_reporter_chooses_to_be_told_and_is_told(
    client, smtp, make_user, make_report, django_capture_on_commit_callbacks
):
    user = make_user("resident")
    client.force_login(user)
    page = client.get("/accounts/me/")
    assert "/me/notices/" in page.content.decode()
    assert client.post("/me/notices/", {"email": ADDRESS}).status_code == 302
    (mail,) = smtp.wait(1)
    path = Mailbox.link(mail, r"/me/notices/confirm/[^/\s]+/")
    client.post(path)
    assert ReportNotice.objects.get(user=user).confirmed_at is not None

    report = make_report("deux personnes devant le 12")
    report.account = user
    report.save()
    moderator = make_user("mod", MODERATOR)
    with django_capture_on_commit_callbacks(execute=True):
        moderation.reject(report, moderator, "not about the scene")
    (notice,) = smtp.wait(2)[1:]
    body = Mailbox.body(notice)
    assert "Not published." in body and "not about the scene" in body
    assert "devant le 12" not in body  # what the report said stays on the site

    client.post("/me/notices/", {"stop": "1"})
    assert not ReportNotice.objects.exists()
    other = make_report()
    other.account = user
    other.save()
    with django_capture_on_commit_callbacks(execute=True):
        moderation.publish(other, moderator)
    assert len(smtp.wait(3, timeout=0.5)) == 2
