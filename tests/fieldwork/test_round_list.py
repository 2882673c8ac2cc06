"""/fieldwork/rounds/: an organisation's own rounds in detail, never another's."""

import pytest

from observatory.accounts.roles import OBSERVATORY

pytestmark = pytest.mark.django_db


def test_members_see_their_own_rounds_only(
    client, make_user, make_member, make_round, organisation, other_organisation, quartiers
):
    mine = make_round(organisation, notes="notre tournée")
    theirs = make_round(other_organisation, notes="leur tournée")
    client.force_login(make_member("worker", organisation))
    html = client.get("/fieldwork/rounds/").content.decode()
    assert str(mine.id) in html and "notre tournée" in html
    assert str(theirs.id) not in html and "leur tournée" not in html
    client.force_login(make_user("observer", OBSERVATORY))
    assert client.get("/fieldwork/rounds/").status_code == 403
