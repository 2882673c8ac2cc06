"""The moderation queue: moderators only, oldest first; publish, reject with a reason, edit the
text (original kept), merge duplicates; every action in the audit log."""

from datetime import timedelta

import pytest
from django.utils import timezone

from observatory.accounts.models import AuditEntry
from observatory.accounts.roles import MODERATOR, OBSERVATORY
from observatory.reports.models import CellDayCount, Report

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator(client, make_user):
    user = make_user("mod", MODERATOR)
    client.force_login(user)
    return user


def test_anonymous_goes_to_login_and_other_roles_are_refused(client, make_user):
    assert client.get("/moderation/")["Location"].startswith("/accounts/login/")
    client.force_login(make_user("member", OBSERVATORY))
    assert client.get("/moderation/").status_code == 403


def test_queue_is_oldest_first_escaped_and_filters(client, moderator, make_report, paris_areas):
    first = make_report(category="dealing", description="<i>first</i>")
    second = make_report(category="litter")
    html = client.get("/moderation/").content.decode()
    assert html.index(str(first.id)) < html.index(str(second.id))
    assert "&lt;i&gt;first&lt;/i&gt;" in html and "<i>first</i>" not in html
    only_litter = client.get("/moderation/", {"category": "litter"}).content.decode()
    assert str(second.id) in only_litter and str(first.id) not in only_litter


def test_publish_and_reject_with_reason_are_audited(client, moderator, make_report):
    a = make_report(observed_at=timezone.now() - timedelta(days=2))
    b = make_report()
    assert client.post(f"/moderation/{a.id}/publish/").status_code == 302
    assert client.post(f"/moderation/{b.id}/reject/", {"reason": "identifies a person"}).status_code == 302
    assert Report.objects.get(pk=a.id).status == "published"
    rejected = Report.objects.get(pk=b.id)
    assert (rejected.status, rejected.rejection_reason) == ("rejected", "identifies a person")
    assert sum(CellDayCount.objects.values_list("count", flat=True)) == 1
    entries = {e.action: e for e in AuditEntry.objects.all()}
    assert entries["report.publish"].actor_name == "mod"
    assert entries["report.publish"].before["status"] == "pending"
    assert entries["report.publish"].after["status"] == "published"
    assert entries["report.reject"].after["rejection_reason"] == "identifies a person"
    assert client.get(f"/moderation/{a.id}/publish/").status_code == 405  # never on GET
    assert client.post(f"/moderation/{a.id}/explode/").status_code == 404


def test_reject_without_reason_changes_nothing(client, moderator, make_report):
    r = make_report()
    client.post(f"/moderation/{r.id}/reject/", {"reason": " "})
    assert Report.objects.get(pk=r.id).status == "pending"
    assert not AuditEntry.objects.exists()


def test_edit_keeps_the_original_text(client, moderator, make_report):
    r = make_report(description="Le dealer du 12 rue X, en veste rouge")
    client.post(f"/moderation/{r.id}/edit/", {"description": "Deal devant un immeuble"})
    client.post(f"/moderation/{r.id}/edit/", {"description": "Deal dans la rue"})
    r.refresh_from_db()
    assert r.description == "Deal dans la rue"
    assert r.original_description == "Le dealer du 12 rue X, en veste rouge"
    assert AuditEntry.objects.filter(action="report.edit_text").count() == 2


def test_duplicates_are_suggested_and_merged(client, moderator, make_report):
    when = timezone.now() - timedelta(hours=3)
    original = make_report(category="gathering", observed_at=when, lat=48.8843, lon=2.3678)
    near = make_report(category="gathering", observed_at=when + timedelta(hours=1), lat=48.8850, lon=2.3680)
    make_report(category="gathering", observed_at=when, lat=48.8990, lon=2.3625)  # 1.7 km away
    make_report(category="dealing", observed_at=when, lat=48.8843, lon=2.3678)  # other category
    html = client.get("/moderation/").content.decode()
    block = html[html.index(f'data-report-id="{near.id}"') :]
    block = block[: block.index("</li>\n  \n") if "</li>\n  \n" in block else len(block)]
    assert f'value="{original.id}"' in block
    client.post(f"/moderation/{near.id}/merge/", {"into": str(original.id)})
    near.refresh_from_db()
    assert (near.status, near.merged_into_id) == ("merged", original.id)
    assert AuditEntry.objects.get(action="report.merge").after["merged_into"] == str(original.id)


def test_audit_log_is_for_observatory_members_and_cannot_be_changed(client, make_user, make_report):
    from observatory.accounts import audit

    r = make_report()
    entry = audit.record(make_user("mod", MODERATOR), "report.publish", r)
    assert client.get("/audit/").status_code == 302
    client.force_login(make_user("obs", OBSERVATORY))
    assert "report.publish" in client.get("/audit/").content.decode()
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().update(action="x")
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().delete()
