"""/fieldwork/rounds/notes/: moderators read round notes and redact those that identify someone."""

import pytest

from observatory.accounts.roles import MODERATOR
from observatory.fieldwork.models import Round

pytestmark = pytest.mark.django_db


def test_a_moderator_redacts_a_note_for_good(
    client, make_user, make_member, make_round, organisation, quartiers
):
    bad = make_round(organisation, notes="Karim, 30 ans, dort sous le pont")
    fine = make_round(organisation, notes="Calme.")
    client.force_login(make_member("worker", organisation))
    assert client.get("/fieldwork/rounds/notes/").status_code == 403
    client.force_login(make_user("mod", MODERATOR))
    html = client.get("/fieldwork/rounds/notes/").content.decode()
    assert "Karim" in html and "Calme." in html
    assert client.post(f"/fieldwork/rounds/{bad.id}/notes/redact/").status_code == 302
    assert client.post(f"/fieldwork/rounds/{fine.id}/notes/keep/").status_code == 302
    bad.refresh_from_db()
    assert bad.notes == "" and bad.notes_redacted
    assert Round.objects.get(pk=fine.pk).notes == "Calme."
    assert "Karim" not in client.get("/fieldwork/rounds/notes/").content.decode()
    assert client.get(f"/fieldwork/rounds/{bad.id}/notes/redact/").status_code == 405
