"""The consultation forms on a phone: quartiers as ticks, errors summed up at the top in sentences."""

import re

import pytest

from observatory.accounts.roles import OBSERVATORY
from observatory.consultation.forms import ArgumentForm, BallotForm
from observatory.consultation.models import Consultation

pytestmark = pytest.mark.django_db
NEW = "/consultations/new/"


def _summary(html: str) -> str:
    start = html.index('id="error-summary"')
    return html[start : html.index("</div>", start)]


def _data(**overrides) -> dict:
    data = {
        "question": "Where should the care room open?",
        "starts_at": "2031-03-01T09:00",
        "ends_at": "2031-03-15T20:00",
        "method": "ranked",
        "eligibility": "code",
    }
    data.update(overrides)
    return data


def test_the_quartiers_of_a_consultation_are_checkboxes_in_a_fieldset(client, make_user, quartiers):
    client.force_login(make_user("member", OBSERVATORY))
    html = client.get(NEW).content.decode()
    assert '<select name="quartiers"' not in html
    assert html.count('type="checkbox" name="quartiers"') == len(quartiers)
    fieldset = html[html.index('<fieldset class="area-choice" id="id_quartiers"') :]
    assert fieldset.index("<legend>Quartiers whose residents vote</legend>") < fieldset.index("</fieldset>")
    names = sorted(q.name for q in quartiers)
    assert html.index(names[0]) < html.index(names[-1])  # alphabetical, easy to scan


def test_two_ticked_quartiers_are_both_kept(client, make_user, quartiers):
    client.force_login(make_user("member", OBSERVATORY))
    two = [quartiers[0].pk, quartiers[3].pk]
    assert client.post(NEW, _data(quartiers=two)).status_code == 302
    assert sorted(Consultation.objects.get().quartiers.values_list("pk", flat=True)) == sorted(two)


def test_a_ticked_quartier_stays_ticked_when_the_form_comes_back(client, make_user, quartiers):
    client.force_login(make_user("member", OBSERVATORY))
    bad = client.post(NEW, _data(ends_at="2031-02-01T09:00", quartiers=[quartiers[1].pk]))
    assert bad.status_code == 400
    ticked = re.findall(
        r'<input type="checkbox" name="quartiers" value="(\d+)"[^>]*checked', bad.content.decode()
    )
    assert ticked == [str(quartiers[1].pk)]


def test_the_vote_lists_its_errors_at_the_top_with_links(client, make_consultation, codes):
    c = make_consultation()
    codes(c, 1)
    response = client.post(f"/consultations/{c.pk}/vote/", {"code": "", "option_1": "1", "option_2": "1"})
    assert response.status_code == 400
    html = response.content.decode()
    summary = _summary(html)
    assert "There are 2 problems to fix" in summary
    assert '<a href="#id_code">Your code: This field is required.</a>' in summary
    assert '<a href="#id_option_2">' in summary and "Rank 1 is already given to" in summary
    assert html.index('id="error-summary"') < html.index('id="ballot-form"')
    assert 'id="id_option_2"' in html and 'id="id_code"' in html  # the links lead somewhere


def test_a_vote_not_yet_open_says_so_at_the_top(client, make_consultation, codes):
    c = make_consultation(state="future")
    code = codes(c, 1)[0]
    html = client.post(f"/consultations/{c.pk}/vote/", {"code": code, "option_1": "1"}).content.decode()
    assert "The vote opens on" in _summary(html)  # a message about the whole ballot: no link


def test_the_argument_form_lists_its_errors_at_the_top_with_links(client, make_user, make_consultation):
    c = make_consultation()
    option = c.options.get(position=1)
    client.force_login(make_user("alice"))
    response = client.post(f"/consultations/{c.pk}/options/{option.pk}/argue/", {"text": ""})
    assert response.status_code == 400
    html = response.content.decode()
    summary = _summary(html)
    assert '<a href="#id_side">Your argument is: This field is required.</a>' in summary
    assert '<a href="#id_text">Argument: This field is required.</a>' in summary
    assert '<div id="id_side">' in html and 'id="id_text"' in html


def test_errors_of_the_public_forms_read_as_sentences(make_consultation):
    """Messages written to follow a name ("text too long") are shown with a capital and a full stop."""
    argument = ArgumentForm({"side": "for", "text": "ok"})
    assert argument.is_valid()
    argument.add_error("text", "speak of the place, not of people")
    assert "Speak of the place, not of people." in str(argument["text"].errors)
    c = make_consultation()
    ballot = BallotForm(
        {"code": "X", "option_1": "1"},
        consultation=c,
        options=list(c.options.all()),
        ask_code=True,
        ask_quartier=False,
    )
    assert ballot.is_valid()
    ballot.add_error(None, "a ballot ranks each option once")
    assert list(ballot.non_field_errors()) == ["A ballot ranks each option once."]


def test_the_new_consultation_form_lists_its_errors_at_the_top_with_links(client, make_user, quartiers):
    client.force_login(make_user("member", OBSERVATORY))
    response = client.post(NEW, _data(question="", ends_at="2031-02-01T09:00"))
    assert response.status_code == 400
    html = response.content.decode()
    summary = _summary(html)
    assert "There are 3 problems to fix" in summary
    assert '<a href="#id_question">Question: This field is required.</a>' in summary
    assert '<a href="#id_ends_at">Voting closes: The vote must close after it opens.</a>' in summary
    assert '<a href="#id_quartiers">Quartiers whose residents vote: Choose the quartiers' in summary
    assert html.index('id="error-summary"') < html.index('<form method="post" novalidate')  # above the form
    assert html.index("<h1>") < html.index('id="error-summary"')


def test_the_option_and_codes_forms_list_their_errors_at_the_top_with_links(
    client, make_user, make_consultation
):
    c = make_consultation(state="upcoming", sites=[])
    client.force_login(make_user("member", OBSERVATORY))
    html = client.post(
        f"/consultations/{c.pk}/options/new/", {"name": "", "lat": "", "lon": "2.36"}
    ).content.decode()
    summary = _summary(html)
    assert '<a href="#id_name">Name of the site: This field is required.</a>' in summary
    assert '<a href="#id_lat">Latitude: This field is required.</a>' in summary
    html = client.post(
        f"/consultations/{c.pk}/options/new/", {"name": "Lyon", "lat": "45.76", "lon": "4.83"}
    ).content.decode()
    assert re.search(r'<a href="#id_lat">Latitude: [A-Z][^<]*outside the city[^<]*\.</a>', _summary(html))
    assert html.index('id="error-summary"') < html.index("<h2>")  # before the list of options
    html = client.post(
        f"/consultations/{c.pk}/codes/", {"quartier": c.quartiers.first().pk, "count": "0"}
    ).content.decode()
    summary = _summary(html)
    assert "There is a problem to fix" in summary
    assert (
        '<a href="#id_count">Number of codes: Ensure this value is greater than or equal to 1.</a>' in summary
    )
    assert html.index('id="error-summary"') < html.index('<form method="post" novalidate')
