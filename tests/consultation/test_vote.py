"""/consultations/<id>/vote/: the ballot form with a code, the change key, refusals on the field."""

import re

import pytest

from observatory.consultation.models import Ballot

from .conftest import set_state

pytestmark = pytest.mark.django_db


def _ranks(**ranks) -> dict:
    return {f"option_{p}": r for p, r in ranks.items()}


def test_a_resident_votes_with_a_code_then_changes_with_the_key(client, make_consultation, codes):
    c = make_consultation()
    code = codes(c, 1)[0]
    url = f"/consultations/{c.pk}/vote/"
    page = client.get(url).content.decode()
    assert "Your code" in page and "Gare du Nord" in page and "None of these" in page
    response = client.post(url, {"code": code, "option_2": "1", "option_1": "2", "option_0": ""})
    html = response.content.decode()
    assert response.status_code == 200 and "Your vote was recorded" in html
    key = re.search(r'id="change-key">([0-9A-Z-]+)<', html).group(1)
    assert Ballot.objects.get().choices == [2, 1]
    assert "Porte de la Villette &gt; Rue d&#x27;Aubervilliers" in html

    again = client.post(url, {"code": code, "option_1": "1"})
    assert again.status_code == 400 and "already been used" in again.content.decode()
    changed = client.post(url, {"code": key, "option_3": "1"}, follow=True)
    assert "Your vote was changed" in changed.content.decode()
    assert Ballot.objects.get().choices == [3]


def test_a_repeated_rank_is_refused_on_the_field_and_nothing_stored(client, make_consultation, codes):
    c = make_consultation()
    code = codes(c, 1)[0]
    response = client.post(f"/consultations/{c.pk}/vote/", {"code": code, **_ranks(**{"1": "1", "2": "1"})})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "Rank 1 is already given to “Rue d’Aubervilliers”".replace("’", "'") in errors["option_2"][0]
    assert not Ballot.objects.exists()


def test_a_code_of_another_consultation_and_a_late_vote_are_refused(client, make_consultation, codes):
    c = make_consultation()
    other = make_consultation(question="Other")
    theirs = codes(other, 1)[0]
    response = client.post(f"/consultations/{c.pk}/vote/", {"code": theirs, "option_1": "1"})
    assert response.status_code == 400
    assert response.context["form"].errors["code"] == ["This code belongs to another consultation."]
    mine = codes(c, 1)[0]
    set_state(c, "over")
    late = client.post(f"/consultations/{c.pk}/vote/", {"code": mine, "option_1": "1"})
    assert late.status_code == 400 and "The vote is over" in late.content.decode()
    assert "ended on" in str(late.context["form"].non_field_errors())
    assert not Ballot.objects.exists()


def test_account_consultations_ask_to_log_in_and_approval_ticks(
    client, make_consultation, make_user, quartiers
):
    c = make_consultation(eligibility="account", method="approval")
    url = f"/consultations/{c.pk}/vote/"
    assert client.get(url)["Location"].startswith("/accounts/login/")
    client.force_login(make_user("alice"))
    assert "Your code" not in client.get(url).content.decode()
    client.post(url, {"option_1": "on", "option_3": "on", "quartier": quartiers[1].pk})
    ballot = Ballot.objects.get()
    assert ballot.choices == [1, 3] and ballot.area == quartiers[1]
    client.post(url, {"option_2": "on"})
    assert Ballot.objects.get().choices == [2]
