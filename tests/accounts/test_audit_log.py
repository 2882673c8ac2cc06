"""The audit log reads as words: actions and objects by name, each entry's changes as a diff
("Status: pending → published"), never a raw Python dict."""

from datetime import UTC, datetime

import pytest
from django.utils import translation

from observatory.accounts import audit
from observatory.accounts.models import AuditEntry
from observatory.accounts.roles import MODERATOR, OBSERVATORY
from observatory.reports.services import moderation
from observatory.reports.services.intake import ReportInput, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def report(paris_areas):
    created, _ = submit(
        ReportInput(
            category="gathering",
            lat=48.8843,
            lon=2.3678,
            observed_at=datetime.now(UTC),
            description="Devant le square",
        ),
        source="web",
    )
    return created


def test_a_moderation_reads_as_a_diff_in_french(client, make_user, report):
    moderation.reject(report, make_user("modo", MODERATOR), "identifies a person")
    client.force_login(make_user("obs", OBSERVATORY))
    page = client.get("/audit/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    with translation.override("fr"):
        status_label = str(report._meta.get_field("status").verbose_name)
        rejected = dict(report._meta.get_field("status").flatchoices)["rejected"]
        pending = dict(report._meta.get_field("status").flatchoices)["pending"]
    row = page[page.index('data-action="report.reject"') :]
    row = row[: row.index("</tr>")]
    assert (
        f"{status_label[:1].upper()}{status_label[1:]}: <del>{pending}</del> → <ins>{rejected}</ins>" in row
    )
    assert "identifies a person" in row  # the reason, set where it was empty
    # Unchanged fields are left out; no dict, no quotes around keys, no None.
    assert "Devant le square" not in row
    assert "{" not in row and "'status'" not in row and "None" not in row
    assert "report.reject" not in row.split(">", 1)[1]  # the code is only in the attribute


def test_labels_for_actions_objects_and_values():
    with translation.override("en"):
        assert audit.action_label("report.publish") == "Report published"
        assert audit.action_label("argument.hide") == "Argument · hide"  # no label yet: words still
        assert audit.object_label("reports.report") == "report"
        entry = AuditEntry(
            action="retention.photo",
            object_type="photos.photo",
            object_id="*",
            after={"originals": 12345, "before": "2026-09-15T08:30:00+00:00"},
        )
        rows = audit.changes(entry)
    assert rows == [
        {"field": "Originals", "before": "", "after": "12,345", "kind": "set"},
        {"field": "Before", "before": "", "after": "Sept. 15, 2026, 10:30 a.m.", "kind": "set"},
    ]


def test_the_action_filter_lists_labels(client, make_user, report):
    moderation.publish(report, make_user("modo", MODERATOR))
    audit.record(None, "account.delete", report, before={"reports": 3}, note="deleted by its owner")
    client.force_login(make_user("obs", OBSERVATORY))
    page = client.get("/audit/", {"action": "report.publish"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<option value="report.publish" selected>Report published</option>' in page
    assert '<option value="account.delete">Account deleted</option>' in page
    assert 'data-action="account.delete"' not in page  # filtered out
