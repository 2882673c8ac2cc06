"""Registration, downloading one's data and deleting the account (reports kept, anonymised)."""

import json

import pytest
from django.contrib.auth.models import User

from observatory.accounts.models import AuditEntry
from observatory.reports.models import Report
from observatory.reports.services.intake import ReportInput, submit

pytestmark = pytest.mark.django_db


def test_register_needs_no_email_and_logs_in(client):
    r = client.post(
        "/accounts/register/",
        {"username": "voisine", "password1": "une-phrase-longue-42", "password2": "une-phrase-longue-42"},
    )
    assert r.status_code == 302 and r["Location"] == "/me/reports/"
    assert User.objects.get(username="voisine").email == ""
    assert client.get("/me/reports/").status_code == 200


def test_register_refuses_a_weak_password_on_the_field(client):
    r = client.post("/accounts/register/", {"username": "v", "password1": "123", "password2": "123"})
    assert r.status_code == 400 and "password2" in r.context["form"].errors
    assert not User.objects.exists()


def test_download_my_data(client, make_user):
    user = make_user("alice")
    submit(
        ReportInput(category="dealing", lat=48.8843, lon=2.3678, description="vu ce soir"),
        source="web",
        account=user,
    )
    client.force_login(user)
    r = client.get("/accounts/me/data.json")
    data = json.loads(r.content)
    assert r["Content-Disposition"].startswith("attachment")
    assert data["account"]["username"] == "alice"
    assert [x["description"] for x in data["reports"]] == ["vu ce soir"]


def test_delete_account_keeps_reports_anonymised(client, make_user):
    user = make_user("alice")
    report, _ = submit(ReportInput(category="dealing", lat=48.8843, lon=2.3678), source="web", account=user)
    client.force_login(user)
    client.post("/accounts/me/delete/", {"confirm": "wrong"})
    assert User.objects.filter(username="alice").exists()
    r = client.post("/accounts/me/delete/", {"confirm": "alice"})
    assert r.status_code == 302
    assert not User.objects.filter(username="alice").exists()
    report.refresh_from_db()
    assert report.account_id is None and report.access_token == ""
    assert AuditEntry.objects.filter(action="account.delete").exists()
    assert Report.objects.count() == 1
