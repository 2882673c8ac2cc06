"""The street round form (/fieldwork/rounds/new/) without JavaScript: counts only, errors on fields."""

import uuid
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from observatory.accounts.roles import OBSERVATORY
from observatory.fieldwork.models import Round

pytestmark = pytest.mark.django_db
URL = "/fieldwork/rounds/new/"


def local(moment):
    return moment.astimezone(ZoneInfo("Europe/Paris")).strftime("%Y-%m-%dT%H:%M")


def form_data(organisation, **overrides):
    start = timezone.now() - timedelta(hours=3)
    data = {
        "organisation": organisation.pk,
        "started_at": local(start),
        "ended_at": local(start + timedelta(hours=2)),
        "route": '{"type": "Point", "coordinates": [2.3678, 48.8843]}',
        "people_met": "9",
        "new_contacts": "2",
        "meals": "0",
        "referrals_care": "1",
        "referrals_housing": "0",
        "referrals_shelter": "0",
        "referrals_consumption_room": "0",
        "kit_crack_pipe": "12",
        "kit_syringe": "0",
        "kit_naloxone": "1",
        "kit_other": "0",
        "notes": "",
        "submission_id": str(uuid.uuid4()),
    }
    data.update(overrides)
    return data


def test_the_form_warns_against_identifying_anyone(client, make_member, organisation):
    client.force_login(make_member("worker", organisation))
    html = client.get(URL).content.decode()
    assert "Never write anything that could identify someone" in html
    assert "fieldwork/round_form.js" in html and "<script>" not in html  # no inline script
    assert 'name="kit_crack_pipe"' in html and 'name="referrals_shelter"' in html


def test_a_round_is_recorded_once_even_when_posted_twice(client, make_member, organisation, quartiers):
    client.force_login(make_member("worker", organisation))
    data = form_data(organisation)
    assert client.post(URL, data)["Location"] == "/fieldwork/rounds/"
    assert client.post(URL, data).status_code == 302
    round_ = Round.objects.get()
    assert round_.people_met == 9 and round_.source == "web"
    assert {k.kit_type.code: k.count for k in round_.kits.all()} == {"crack_pipe": 12, "naloxone": 1}
    assert [a.code for a in round_.areas.all()] == ["7511901"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"people_met": "-2"}, "people_met"),
        ({"kit_syringe": "-1"}, "kit_syringe"),
        ({"route": '{"type": "Point", "coordinates": [2.6, 48.95]}'}, "route"),
        ({"route": "not json"}, "route"),
    ],
)
def test_bad_input_shows_the_error_on_the_field(
    client, make_member, organisation, quartiers, overrides, field
):
    client.force_login(make_member("worker", organisation))
    response = client.post(URL, form_data(organisation, **overrides))
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert not Round.objects.exists()


def test_end_before_start_is_an_error_on_the_end(client, make_member, organisation, quartiers):
    client.force_login(make_member("worker", organisation))
    start = timezone.now() - timedelta(hours=3)
    data = form_data(organisation, started_at=local(start), ended_at=local(start - timedelta(hours=1)))
    response = client.post(URL, data)
    assert "ends before it starts" in response.context["form"].errors["ended_at"][0]
    assert not Round.objects.exists()


def test_only_organisation_members_may_enter_rounds(client, make_user, organisation, other_organisation):
    assert client.get(URL)["Location"].startswith("/accounts/login/")
    client.force_login(make_user("observer", OBSERVATORY))
    assert client.get(URL).status_code == 403


def test_quartiers_are_ticked_not_ctrl_clicked(client, make_member, organisation, quartiers):
    """On a phone a multiple select needs ctrl-click: the quartiers are checkboxes in a fieldset."""
    from observatory.reports.models import Area

    client.force_login(make_member("worker", organisation))
    html = client.get(URL).content.decode()
    assert '<select name="quartiers"' not in html
    names = list(Area.objects.filter(level="quartier").order_by("name").values_list("name", flat=True))
    assert html.count('type="checkbox" name="quartiers"') == len(names) > 2
    assert '<fieldset class="area-choice" id="id_quartiers"' in html
    assert "<legend>Quartiers walked</legend>" in html
    assert html.index(names[0]) < html.index(names[-1])  # in alphabetical order


def test_two_ticked_quartiers_are_both_recorded(client, make_member, organisation, quartiers):
    from observatory.reports.models import Area

    client.force_login(make_member("worker", organisation))
    two = list(Area.objects.filter(level="quartier").exclude(code="7511901").order_by("code")[:2])
    data = form_data(organisation, route="", quartiers=[a.code for a in two])
    assert client.post(URL, data).status_code == 302
    assert sorted(a.code for a in Round.objects.get().areas.all()) == [a.code for a in two]


def test_errors_are_listed_at_the_top_with_links_to_the_fields(client, make_member, organisation, quartiers):
    client.force_login(make_member("worker", organisation))
    response = client.post(URL, form_data(organisation, people_met="-2", quartiers=["nowhere"]))
    assert response.status_code == 400
    html = response.content.decode()
    summary = html[html.index('id="error-summary"') : html.index("</div>", html.index('id="error-summary"'))]
    assert '<a href="#id_people_met">People met:' in summary
    assert '<a href="#id_quartiers">Quartiers walked:' in summary  # the fieldset of the boxes
    assert 'id="id_quartiers"' in html.split('id="error-summary"')[1]
