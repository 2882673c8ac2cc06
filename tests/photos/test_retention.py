"""Originals are deleted after the retention period; the blurred copy stays."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from observatory.accounts.models import AuditEntry
from observatory.photos.models import Photo
from observatory.photos.services import purge_expired_originals

pytestmark = pytest.mark.django_db


def test_old_originals_are_deleted_and_blurred_copies_kept(make_photo):
    old, recent = make_photo(), make_photo()
    Photo.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=31))
    old_file, blurred_file = Path(old.cleaned.path), Path(old.blurred.path)

    assert purge_expired_originals() == 1

    old.refresh_from_db()
    recent.refresh_from_db()
    assert not old.cleaned and old.original_deleted_at is not None
    assert not old_file.exists()
    assert old.blurred and blurred_file.exists()
    assert recent.cleaned and Path(recent.cleaned.path).exists()
    assert purge_expired_originals() == 0  # a second run finds nothing more
    entry = AuditEntry.objects.get(action="retention.photo")
    assert entry.actor_name == "system" and entry.after["originals"] == 1


def test_the_period_is_a_setting(settings, make_photo):
    settings.OBSERVATORY_PHOTO_RETENTION_DAYS = 2
    photo = make_photo()
    assert purge_expired_originals(now=timezone.now() + timedelta(days=1)) == 0
    assert purge_expired_originals(now=timezone.now() + timedelta(days=3)) == 1
    photo.refresh_from_db()
    assert not photo.cleaned


def test_deleting_a_report_deletes_its_photo_files(make_photo, django_capture_on_commit_callbacks):
    photo = make_photo()
    files = [Path(photo.cleaned.path), Path(photo.blurred.path)]
    with django_capture_on_commit_callbacks(execute=True):
        photo.report.delete()
    assert not any(f.exists() for f in files)
