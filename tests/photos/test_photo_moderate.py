"""Approving and withdrawing a photo: moderators, POST only, back to where they were."""

from __future__ import annotations

import pytest

from observatory.accounts.models import AuditEntry
from observatory.accounts.roles import MODERATOR, OBSERVATORY
from observatory.photos.models import Photo

from .conftest import body

pytestmark = pytest.mark.django_db


def test_moderator_approves_then_withdraws(client, make_user, make_photo):
    photo = make_photo(status="published")
    mod = make_user("mod", MODERATOR)
    client.force_login(mod)

    r = client.post(f"/photos/{photo.report_id}/approve/", {"next": "/moderation/?category=litter"})
    assert r.status_code == 302 and r["Location"] == "/moderation/?category=litter"
    photo.refresh_from_db()
    assert photo.approved_by == mod and photo.approved_at is not None
    r = client.get(f"/photos/{photo.report_id}/blurred.jpg")
    assert r.status_code == 200
    body(r)

    r = client.post(f"/photos/{photo.report_id}/unapprove/")
    assert r.status_code == 302 and r["Location"] == "/moderation/"
    photo.refresh_from_db()
    assert photo.approved_by is None and photo.approved_at is None
    log = list(AuditEntry.objects.filter(object_type="photos.photo").order_by("at", "id"))
    assert [(e.action, e.actor_name) for e in log] == [("photo.approve", "mod"), ("photo.unapprove", "mod")]
    assert log[0].after["approved_by"] == "mod" and log[1].before["approved_by"] == "mod"


def test_next_pointing_elsewhere_is_ignored(client, make_user, make_photo):
    photo = make_photo()
    client.force_login(make_user("mod", MODERATOR))
    r = client.post(f"/photos/{photo.report_id}/approve/", {"next": "https://evil.example/"})
    assert r["Location"] == "/moderation/"


def test_only_moderators_and_only_post(client, make_user, make_photo):
    photo = make_photo(status="published")
    assert client.post(f"/photos/{photo.report_id}/approve/")["Location"].startswith("/accounts/login/")
    client.force_login(make_user("member", OBSERVATORY))
    assert client.post(f"/photos/{photo.report_id}/approve/").status_code == 403
    client.force_login(make_user("mod", MODERATOR))
    assert client.get(f"/photos/{photo.report_id}/approve/").status_code == 405
    assert client.post(f"/photos/{photo.report_id}/explode/").status_code == 404
    assert not Photo.objects.filter(approved_at__isnull=False).exists()


def test_a_photo_without_blurred_copy_cannot_be_approved(client, make_user, make_photo):
    photo = make_photo()
    Photo.objects.filter(pk=photo.pk).update(blurred="")
    client.force_login(make_user("mod", MODERATOR))
    r = client.post(f"/photos/{photo.report_id}/approve/", follow=True)
    assert "no blurred copy" in r.content.decode()
    photo.refresh_from_db()
    assert photo.approved_at is None
