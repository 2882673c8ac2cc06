"""The audit log reads as words: actions and objects by name, each entry's changes as a diff
("Status: pending → published"), never a raw Python dict."""

import ast
from datetime import UTC, datetime
from pathlib import Path

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


# Every action recorded anywhere has a label ----------------------------------------------------
# The test reads the source: a new `audit.record(by, "x.y", ...)` without a label in
# accounts/audit.py ACTION_LABELS fails here, before a member reads "X · y" in the log.

SOURCE = Path(audit.__file__).resolve().parents[1]  # src/observatory


def _dynamic_actions() -> dict[str, tuple[str, ...]]:
    """Actions built from a variable (f"complaint.{step}"): the values that variable can take."""
    from observatory.complaints import core as complaints

    return {
        # complaints/services.py _step(): one audit entry per step of a complaint
        "complaint.": (complaints.ANSWER, complaints.REFER, complaints.CLOSE, complaints.PERSON_MESSAGE),
        # consultation/services.py moderate_argument(): the view allows these two actions only
        "argument.": ("publish", "reject"),
    }


def _audit_aliases(tree: ast.Module) -> tuple[set[str], set[str]]:
    """Names under which a module imported the audit module, and the record function itself."""
    modules, functions = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "observatory.accounts":
            modules |= {a.asname or a.name for a in node.names if a.name == "audit"}
        if isinstance(node, ast.ImportFrom) and node.module == "observatory.accounts.audit":
            functions |= {a.asname or a.name for a in node.names if a.name == "record"}
        if isinstance(node, ast.Import):
            modules |= {a.asname for a in node.names if a.name == "observatory.accounts.audit" and a.asname}
    return modules, functions


def recorded_actions() -> tuple[set[str], list[str]]:
    """(every action code recorded in the source, the calls whose action could not be read)."""
    dynamic = _dynamic_actions()
    found: set[str] = set()
    unreadable: list[str] = []
    for path in sorted(SOURCE.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        modules, functions = _audit_aliases(tree)
        if not modules and not functions:
            continue
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            is_record = (isinstance(func, ast.Attribute) and func.attr == "record"
                         and isinstance(func.value, ast.Name) and func.value.id in modules) or (
                isinstance(func, ast.Name) and func.id in functions
            )  # fmt: skip
            if not is_record:
                continue
            where = f"{path.relative_to(SOURCE)}:{node.lineno}"
            action = node.args[1] if len(node.args) > 1 else None
            action = next((k.value for k in node.keywords if k.arg == "action"), action)
            if isinstance(action, ast.Constant) and isinstance(action.value, str):
                found.add(action.value)
            elif (
                isinstance(action, ast.JoinedStr)
                and len(action.values) == 2
                and isinstance(action.values[0], ast.Constant)
                and action.values[0].value in dynamic
            ):
                prefix = action.values[0].value
                found |= {prefix + v for v in dynamic[prefix]}
            else:
                unreadable.append(where)
    return found, unreadable


def test_every_recorded_action_has_a_label():
    found, unreadable = recorded_actions()
    assert not unreadable, f"audit.record() with an action this test cannot read: {unreadable}"
    # The scan sees the whole source (moderation, panels, complaints, retention...).
    assert {"report.publish", "panel.draw", "complaint.close", "retention.text"} <= found
    missing = sorted(found - set(audit.ACTION_LABELS))
    assert not missing, f"actions recorded without a label in accounts/audit.py ACTION_LABELS: {missing}"


def test_the_new_labels_are_sentences_not_codes():
    with translation.override("fr"):
        labels = {code: audit.action_label(code) for code in ("panel.draw", "complaint.answer")}
    for code, label in labels.items():
        assert label and "·" not in label and code not in label
