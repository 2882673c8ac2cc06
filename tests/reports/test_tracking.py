"""A reporter hears back: the reference and private link on the thanks page, the history in
plain words on the tracking page, follow-ups that reach moderation, nothing without the token."""

from __future__ import annotations

import uuid
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from observatory.accounts.roles import MODERATOR
from observatory.common import abuse
from observatory.common.core import proof
from observatory.reports.models import FollowUp
from observatory.reports.services import moderation, tracking

pytestmark = pytest.mark.django_db


def form_data() -> dict[str, str]:
    seen = timezone.now() - timedelta(minutes=30)
    return {
        "altcha": proof.solve(abuse.new_challenge()),
        "reporter_kind": "resident",
        "category": "gathering",
        "lat": "48.8843",
        "lon": "2.3678",
        "observed_at": seen.astimezone(ZoneInfo("Europe/Paris")).strftime("%Y-%m-%dT%H:%M"),
        "description": "Une vingtaine de personnes",
        "submission_id": str(uuid.uuid4()),
    }


def test_thanks_page_shows_the_reference_and_the_private_link_once(client, paris_areas):
    assert client.post("/report/", form_data()).status_code == 302
    from observatory.reports.models import Report

    report = Report.objects.get()
    page = client.get("/report/thanks/")
    html = page.content.decode()
    assert tracking.reference(report) in html
    assert f"/report/track/{report.access_token}/" in html
    # Never cached; the token never leaves in a Referer to another site.
    assert "no-store" in page["Cache-Control"] and page["Referrer-Policy"] == "same-origin"
    # The next person on a shared phone (Back, a reload) sees no one else's link.
    again = client.get("/report/thanks/").content.decode()
    assert report.access_token not in again and tracking.reference(report) not in again


def test_tracking_page_tells_the_history_in_plain_words(client, make_report, make_user):
    moderator = make_user("mod", MODERATOR)
    report = make_report(description="seringues près du square")
    url = f"/report/track/{report.access_token}/"
    page = client.get(url)
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    assert "Received: it waits for a moderator." in page.content.decode()
    moderation.reject(report, moderator, "identifies a person")
    html = client.get(url).content.decode()
    assert "Not published." in html and "identifies a person" in html
    assert 'name="kind"' not in html  # no follow-up on a rejected report: a new report instead

    other = make_report()
    moderation.publish(other, moderator)
    html = client.get(f"/report/track/{other.access_token}/").content.decode()
    assert "Published: it is counted on the public map" in html

    third = make_report()
    moderation.merge(third, other, moderator)
    html = client.get(f"/report/track/{third.access_token}/").content.decode()
    assert "Merged: another report already described the same thing" in html


def test_a_follow_up_reaches_the_moderation_queue_and_a_service_action_the_history(
    client, make_report, make_user
):
    from django.test import Client

    report = make_report(status="published")
    url = f"/report/track/{report.access_token}/"
    r = client.post(url, {"kind": "still_there", "text": "toujours là ce matin"})
    assert r.status_code == 302
    follow_up = FollowUp.objects.get()
    assert (follow_up.report_id, follow_up.kind, follow_up.reviewed_at) == (report.pk, "still_there", None)
    assert "You added: still there" in client.get(url).content.decode()

    staff = Client(HTTP_ACCEPT_LANGUAGE="en")
    staff.force_login(make_user("mod", MODERATOR))
    queue = staff.get("/moderation/").content.decode()
    assert "toujours là ce matin" in queue and f'data-follow-up-id="{follow_up.pk}"' in queue
    r = staff.post(f"/moderation/follow-ups/{follow_up.pk}/service/", {"note": "nettoyé par la DPE"})
    assert r.status_code == 302
    follow_up.refresh_from_db()
    assert follow_up.reviewed_at is not None
    assert "toujours là ce matin" not in staff.get("/moderation/").content.decode()
    html = client.get(url).content.decode()
    assert "A service acted on it." in html and "nettoyé par la DPE" in html


def test_a_follow_up_is_checked(client, make_report):
    report = make_report()
    url = f"/report/track/{report.access_token}/"
    page = client.post(url, {"kind": "nonsense"})
    # The reporter reads why, as a sentence: a capital first, a full stop last.
    assert page.status_code == 400
    assert "Choose what you want to tell us." in page.content.decode()
    page = client.post(url, {"kind": "other", "text": "x" * 501})
    assert page.status_code == 400
    assert "The text is longer than 500 characters." in page.content.decode()
    assert not FollowUp.objects.exists()


def test_follow_up_refusals_are_sentences(make_report):
    from observatory.reports.models import Report

    published = make_report(status="published")
    refusals = []
    for kind, text in (("nonsense", ""), ("other", "x" * (tracking.FOLLOW_UP_MAX + 1)), ("other", "a\x00b")):
        with pytest.raises(ValueError) as refused:
            tracking.add_follow_up(published, kind, text)
        refusals.append(str(refused.value))
    rejected = make_report()
    Report.objects.filter(pk=rejected.pk).update(status=Report.Status.REJECTED)
    rejected.refresh_from_db()
    with pytest.raises(ValueError) as refused:
        tracking.add_follow_up(rejected, "other", "")
    refusals.append(str(refused.value))
    for _ in range(tracking.FOLLOW_UPS_PER_REPORT):
        tracking.add_follow_up(published, "still_there", "")
    with pytest.raises(ValueError) as refused:
        tracking.add_follow_up(published, "cleared", "")
    refusals.append(str(refused.value))
    assert len(set(refusals)) == 5
    for message in refusals:
        assert message[0].isupper() and message.endswith("."), message


def test_without_the_token_nothing_is_shown(client, make_report):
    report = make_report(description="texte privé du rapport")
    for token in (
        "x" * 32,
        report.access_token[:-1] + ("A" if report.access_token[-1] != "A" else "B"),
        "short",
    ):
        page = client.get(f"/report/track/{token}/")
        assert page.status_code == 404
        body = page.content.decode()
        assert "texte privé" not in body and tracking.reference(report) not in body
        assert client.post(f"/report/track/{token}/", {"kind": "cleared"}).status_code == 404
    assert not FollowUp.objects.exists()


def test_retention_erases_old_follow_up_text(make_report):
    import io

    from django.core.management import call_command

    report = make_report(status="published")
    old = tracking.add_follow_up(report, "still_there", "devant le 12, tous les soirs")
    recent = tracking.add_follow_up(report, "cleared", "plus personne")
    FollowUp.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=800))
    call_command("apply_retention", stdout=io.StringIO())
    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.text, old.kind) == ("", "still_there")
    assert recent.text == "plus personne"
