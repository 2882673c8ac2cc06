"""The blurred copy: moderators always; the public only once approved and the report published."""

from __future__ import annotations

import pytest

from observatory.accounts.roles import MODERATOR, OBSERVATORY, ORGANISATION
from observatory.photos.services import approve, unapprove
from observatory.reports.services import publication

from .conftest import body, read

pytestmark = pytest.mark.django_db


def url(photo) -> str:
    return f"/photos/{photo.report_id}/blurred.jpg"


@pytest.mark.parametrize(
    ("status", "approved"), [("pending", False), ("pending", True), ("published", False)]
)
def test_hidden_from_the_public_unless_approved_and_published(
    client, make_user, make_photo, status, approved
):
    photo = make_photo(status=status)
    if approved:
        approve(photo, make_user("mod", MODERATOR))
    assert client.get(url(photo)).status_code == 404
    client.force_login(make_user("resident"))
    assert client.get(url(photo)).status_code == 404
    client.force_login(make_user("outreach", ORGANISATION, OBSERVATORY))
    assert client.get(url(photo)).status_code == 404


def test_public_once_approved_and_published_and_hidden_again_when_withdrawn(client, make_user, make_photo):
    photo = make_photo(status="published")
    approve(photo, make_user("mod", MODERATOR))

    r = client.get(url(photo))
    assert r.status_code == 200
    assert r["Content-Type"] == "image/jpeg" and r["X-Content-Type-Options"] == "nosniff"
    assert r["Cache-Control"].startswith("public")
    assert body(r) == read(photo.blurred)

    unapprove(photo)
    assert client.get(url(photo)).status_code == 404
    approve(photo, photo.approved_by)
    publication.set_status(photo.report, "rejected")  # a report leaving the public takes its photo
    assert client.get(url(photo)).status_code == 404


def test_moderators_see_it_before_approval_privately(client, make_user, make_photo):
    photo = make_photo()
    client.force_login(make_user("mod", MODERATOR))
    r = client.get(url(photo))
    assert r.status_code == 200 and r["Content-Type"] == "image/jpeg"
    body(r)
    assert r["Cache-Control"].startswith("private")


def test_a_report_without_photo_looks_like_an_unknown_one(client, make_report):
    report = make_report(status="published")
    assert client.get(f"/photos/{report.id}/blurred.jpg").status_code == 404
