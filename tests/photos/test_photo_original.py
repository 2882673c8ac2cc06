"""The original photo (faces visible): moderators only, never cached, gone after retention."""

from __future__ import annotations

import pytest

from observatory.accounts.models import AuditEntry
from observatory.accounts.roles import MODERATOR, OBSERVATORY, ORGANISATION

from .conftest import body, read

pytestmark = pytest.mark.django_db


def url(photo) -> str:
    return f"/photos/{photo.report_id}/original.jpg"


def test_anonymous_is_sent_to_login(client, make_photo):
    photo = make_photo(status="published")
    r = client.get(url(photo))
    assert r.status_code == 302 and r["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("role", [None, OBSERVATORY, ORGANISATION])
def test_residents_and_other_roles_are_refused(client, make_user, make_photo, role):
    photo = make_photo(status="published")
    photo.approved_at = photo.created_at  # even an approved photo's original stays private
    photo.save()
    client.force_login(make_user("someone", *([role] if role else [])))
    assert client.get(url(photo)).status_code == 403


def test_moderator_gets_the_jpeg_privately(client, make_user, make_photo):
    photo = make_photo()
    client.force_login(make_user("mod", MODERATOR))
    r = client.get(url(photo))
    assert r.status_code == 200
    assert r["Content-Type"] == "image/jpeg"
    assert r["X-Content-Type-Options"] == "nosniff"
    assert r["Cache-Control"].startswith("private")
    assert body(r) == read(photo.cleaned)
    # Looking at a face is logged.
    assert AuditEntry.objects.filter(action="photo.view_original", actor_name="mod").count() == 1


def test_after_retention_the_moderator_is_told_it_is_gone(client, make_user, make_photo):
    from datetime import timedelta

    from django.utils import timezone

    from observatory.photos.services import purge_expired_originals

    photo = make_photo()
    purge_expired_originals(now=timezone.now() + timedelta(days=31))
    client.force_login(make_user("mod", MODERATOR))
    assert client.get(url(photo)).status_code == 404


def test_unknown_report_is_404(client, make_user):
    client.force_login(make_user("mod", MODERATOR))
    assert client.get("/photos/00000000-0000-0000-0000-000000000000/original.jpg").status_code == 404
