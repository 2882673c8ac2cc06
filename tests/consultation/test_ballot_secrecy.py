"""Paper-code votes on a shared device: the browser is not the voter.

Nothing of a code ballot is shown or pre-filled to anyone who has not typed its change key, no
session entry keeps a code or a ballot, and every vote page is sent with ``no-store``.
"""

import re

import pytest

from observatory.consultation.models import Ballot

pytestmark = pytest.mark.django_db


def _key(html: str) -> str:
    return re.search(r'id="change-key">([0-9A-Z-]+)<', html).group(1)


def _selected(html: str) -> list[str]:
    return re.findall(r"<option value=\"\d+\" selected>", html)


def test_the_next_person_on_the_same_browser_sees_nothing_of_the_first_ballot(
    client, make_consultation, codes
):
    c = make_consultation()
    first, second = codes(c, 2)
    url = f"/consultations/{c.pk}/vote/"
    done = client.post(url, {"code": first, "option_2": "1", "option_1": "2", "option_3": "3"})
    assert done.status_code == 200 and "Your vote was recorded" in done.content.decode()

    page = client.get(url)
    html = page.content.decode()
    assert "current-ballot" not in html and "Your current ballot" not in html
    assert _selected(html) == []
    assert "Porte de la Villette &gt;" not in html and "Change my vote" not in html

    # The second voter only sets rank 1: only their rank 1 is stored.
    client.post(url, {"code": second, "option_3": "1"})
    assert sorted(b.choices for b in Ballot.objects.all()) == [[2, 1, 3], [3]]


def test_the_confirmation_form_is_empty_and_nothing_stays_in_the_session(client, make_consultation, codes):
    c = make_consultation()
    code = codes(c, 1)[0]
    url = f"/consultations/{c.pk}/vote/"
    response = client.post(url, {"code": code, "option_2": "1"})
    html = response.content.decode()
    assert _selected(html) == [] and code not in html
    assert 'name="code"' in html and 'value="' + code not in html
    assert dict(client.session.items()) == {}
    assert "messages" not in response.cookies  # no flash message waits for the next page
    changed = client.post(url, {"code": _key(html), "option_1": "1"})
    assert "Your vote was changed" in changed.content.decode()
    assert dict(client.session.items()) == {}


def test_a_ballot_id_left_by_an_earlier_version_is_forgotten(client, make_consultation, codes):
    c = make_consultation()
    code = codes(c, 1)[0]
    url = f"/consultations/{c.pk}/vote/"
    client.post(url, {"code": code, "option_2": "1"})
    session = client.session
    session["consultation_ballots"] = {str(c.pk): str(Ballot.objects.get().pk)}
    session.save()
    html = client.get(url).content.decode()
    assert "current-ballot" not in html and _selected(html) == []
    assert "consultation_ballots" not in client.session


def test_vote_pages_and_the_confirmation_are_not_stored(client, make_consultation, codes):
    c = make_consultation()
    code = codes(c, 1)[0]
    url = f"/consultations/{c.pk}/vote/"
    for response in (
        client.get(url),
        client.post(url, {"code": code, "option_2": "1"}),
        client.post(url, {"code": code, "option_2": "1"}),  # refused: already used
    ):
        assert "no-store" in response["Cache-Control"]
    html = client.get(url).content.decode()
    assert re.search(r'<form[^>]*autocomplete="off"[^>]*class="ballot"', html)
    code_input = re.search(r'<input[^>]*name="code"[^>]*>', html).group(0)
    assert 'autocomplete="off"' in code_input


def test_only_the_change_key_shows_and_pre_fills_a_ballot(client, make_consultation, codes):
    c = make_consultation()
    code, unused = codes(c, 2)
    url = f"/consultations/{c.pk}/vote/"
    key = _key(client.post(url, {"code": code, "option_2": "1", "option_1": "2"}).content.decode())

    for wrong in (code, unused, "", "ABCD-EFGH-JKMN"):  # the used code, a fresh code, nothing, a guess
        refused = client.post(url, {"code": wrong, "show": "1"})
        html = refused.content.decode()
        assert refused.status_code == 400 and "not a change key" in html
        assert "current-ballot" not in html and _selected(html) == []

    shown = client.post(url, {"code": key.lower(), "show": "1", "option_3": "1"})
    html = shown.content.decode()
    assert shown.status_code == 200 and "no-store" in shown["Cache-Control"]
    assert "Porte de la Villette &gt; Rue d&#x27;Aubervilliers" in html
    form = shown.context["form"]
    assert (form["option_2"].value(), form["option_1"].value(), form["option_3"].value()) == (1, 2, None)
    assert Ballot.objects.get().choices == [2, 1]  # showing changes nothing
    client.post(url, {"code": key, "option_3": "1", "option_2": "2"})
    assert Ballot.objects.get().choices == [3, 2]


def test_account_votes_still_show_the_voters_own_ballot(client, make_consultation, make_user):
    c = make_consultation(eligibility="account")
    url = f"/consultations/{c.pk}/vote/"
    client.force_login(make_user("alice"))
    client.post(url, {"option_1": "1"})
    page = client.get(url)
    assert "current-ballot" in page.content.decode() and "no-store" in page["Cache-Control"]
    client.logout()
    client.force_login(make_user("bob"))
    assert "current-ballot" not in client.get(url).content.decode()
