"""A reporter with an account sees the status of their reports, and only theirs."""

import pytest

from observatory.reports.services.intake import ReportInput, submit
from observatory.reports.services.moderation import reject

pytestmark = pytest.mark.django_db


def test_my_reports_lists_own_reports_with_status(client, make_user):
    alice, bob = make_user("alice"), make_user("bob")
    mine, _ = submit(ReportInput(category="dealing", lat=48.8843, lon=2.3678), source="web", account=alice)
    theirs, _ = submit(ReportInput(category="dealing", lat=48.8843, lon=2.3678), source="web", account=bob)
    reject(mine, None, "not about the scene")
    client.force_login(alice)
    html = client.get("/me/reports/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert str(mine.id) in html and str(theirs.id) not in html
    assert "rejected" in html and "not about the scene" in html


def test_anonymous_is_sent_to_login(client):
    assert client.get("/me/reports/")["Location"].startswith("/accounts/login/")
