"""photos/_moderation.html, included in the moderation queue for each report."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import timezone, translation

from observatory.accounts.roles import MODERATOR
from observatory.photos.services import approve, purge_expired_originals

pytestmark = pytest.mark.django_db


def render(report, user) -> str:
    request = RequestFactory().get("/moderation/?area=7510")
    request.user = user
    with translation.override("en"):  # the test reads English, whatever an earlier test activated
        return render_to_string("photos/_moderation.html", {"report": report}, request=request)


def test_thumbnail_of_the_blurred_copy_link_to_original_and_approve_button(make_user, make_photo):
    photo = make_photo()
    html = render(photo.report, make_user("mod", MODERATOR))
    assert f'src="/photos/{photo.report_id}/blurred.jpg"' in html
    assert f'href="/photos/{photo.report_id}/original.jpg"' in html
    assert f'action="/photos/{photo.report_id}/approve/"' in html
    assert 'value="/moderation/?area=7510"' in html  # back to the same filtered queue


def test_approved_photo_offers_withdrawal_and_purged_original_says_so(make_user, make_photo):
    photo = make_photo()
    mod = make_user("mod", MODERATOR)
    approve(photo, mod)
    purge_expired_originals(now=timezone.now() + timedelta(days=31))
    photo.refresh_from_db()
    html = render(photo.report, mod)
    assert f'action="/photos/{photo.report_id}/unapprove/"' in html
    assert "original.jpg" not in html and "deleted" in html


def test_a_report_without_photo_renders_nothing(make_user, make_report):
    assert render(make_report(), make_user("mod", MODERATOR)).strip() == ""
