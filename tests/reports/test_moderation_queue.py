"""The moderation queue: moderators only, oldest first, publish and reject."""

from datetime import timedelta

import pytest
from django.utils import timezone

from observatory.accounts.roles import MODERATOR, OBSERVATORY
from observatory.reports.models import CellDayCount, Report

pytestmark = pytest.mark.django_db


def test_anonymous_goes_to_login_and_other_roles_are_refused(client, make_user):
    assert client.get("/moderation/")["Location"].startswith("/accounts/login/")
    client.force_login(make_user("member", OBSERVATORY))
    assert client.get("/moderation/").status_code == 403


def test_queue_is_oldest_first_and_filters(client, make_user, make_report, paris_areas):
    first = make_report(category="dealing", description="<i>first</i>")
    second = make_report(category="litter")
    client.force_login(make_user("mod", MODERATOR))
    html = client.get("/moderation/").content.decode()
    assert html.index(str(first.id)) < html.index(str(second.id))
    assert "&lt;i&gt;first&lt;/i&gt;" in html
    only_litter = client.get("/moderation/", {"category": "litter"}).content.decode()
    assert str(second.id) in only_litter and str(first.id) not in only_litter


def test_publish_and_reject(client, make_user, make_report):
    a = make_report(observed_at=timezone.now() - timedelta(days=2))
    b = make_report()
    client.force_login(make_user("mod", MODERATOR))
    assert client.post(f"/moderation/{a.id}/publish/").status_code == 302
    assert client.post(f"/moderation/{b.id}/reject/").status_code == 302
    assert Report.objects.get(pk=a.id).status == "published"
    assert Report.objects.get(pk=b.id).status == "rejected"
    assert sum(CellDayCount.objects.values_list("count", flat=True)) == 1
    assert client.get(f"/moderation/{a.id}/publish/").status_code == 405  # never on GET
    assert client.post(f"/moderation/{a.id}/explode/").status_code == 404
