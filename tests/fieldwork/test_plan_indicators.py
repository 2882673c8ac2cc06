"""/fieldwork/plan/indicators/: observatory members add and edit the plan's commitments without the
Django admin; bad input is refused on the field to change and nothing is saved; changes are audited."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from observatory.accounts.models import AuditEntry
from observatory.accounts.roles import MODERATOR, OBSERVATORY, ORGANISATION
from observatory.fieldwork.models import Indicator, IndicatorValue

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(client, make_user):
    user = make_user("planner", OBSERVATORY)
    client.force_login(user)
    return user


def data(**overrides) -> dict:
    values = {
        "name": "Places of housing with care open",
        "code": "housing-places",
        "source": "housing_places_open",
        "target": "120",
        "unit": "places",
        "start": "2026-01-05",
        "deadline": "2026-12-31",
        "order": "1",
    }
    values.update(overrides)
    return values


def test_only_observatory_members_may_add_or_edit(client, make_user):
    Indicator.objects.create(
        code="x", name="X", source="manual", target=1, start=date(2026, 1, 1), deadline=date(2026, 6, 1)
    )
    for url in (
        reverse("fieldwork:plan-indicator-new"),
        reverse("fieldwork:plan-indicator-edit", args=["x"]),
    ):
        assert client.get(url).status_code == 302  # to the login page
        for role in (MODERATOR, ORGANISATION):
            client.force_login(make_user(f"u-{role}-{url[-6:-1]}", role))
            assert client.get(url).status_code == 403
            assert client.post(url, data()).status_code == 403
        client.logout()
    assert Indicator.objects.count() == 1


def test_a_member_adds_an_indicator_and_the_plan_shows_it(client, member):
    page = client.get(reverse("fieldwork:plan")).content.decode()
    assert reverse("fieldwork:plan-indicator-new") in page
    response = client.post(reverse("fieldwork:plan-indicator-new"), data())
    assert response.status_code == 302
    assert response.url.endswith("#indicator-housing-places")
    indicator = Indicator.objects.get(code="housing-places")
    assert (indicator.target, indicator.unit, indicator.deadline) == (120.0, "places", date(2026, 12, 31))
    plan = client.get(reverse("fieldwork:plan")).content.decode()
    assert "Places of housing with care open" in plan and 'id="indicator-housing-places"' in plan
    assert reverse("fieldwork:plan-indicator-edit", args=["housing-places"]) in plan
    entry = AuditEntry.objects.get(action="plan.indicator.create")
    assert entry.actor == member and entry.after["target"] == 120.0


def test_anonymous_visitors_see_the_plan_without_edit_links(client):
    Indicator.objects.create(
        code="x", name="X", source="manual", target=1, start=date(2026, 1, 1), deadline=date(2026, 6, 1)
    )
    page = client.get(reverse("fieldwork:plan")).content.decode()
    assert 'id="indicator-x"' in page
    assert reverse("fieldwork:plan-indicator-new") not in page
    assert reverse("fieldwork:plan-indicator-edit", args=["x"]) not in page


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"deadline": "2025-12-31"}, "deadline", "The deadline must come after the start of the plan."),
        ({"target": "-5"}, "target", "The target cannot be negative"),
        ({"target": "lots"}, "target", "Enter a number."),
        ({"target": "inf"}, "target", ""),
        ({"name": "   "}, "name", ""),
        ({"code": "Places du plan!"}, "code", ""),
        ({"source": "weather"}, "source", "Select a valid choice."),
    ],
)
def test_bad_input_is_refused_on_its_field(client, member, overrides, field, message):
    response = client.post(reverse("fieldwork:plan-indicator-new"), data(**overrides))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors, errors
    assert message in " ".join(errors[field])
    assert 'id="error-summary"' in response.content.decode()
    assert not Indicator.objects.exists()


def test_a_code_already_taken_is_refused(client, member):
    Indicator.objects.create(
        code="housing-places",
        name="Housing",
        source="manual",
        target=1,
        start=date(2026, 1, 1),
        deadline=date(2026, 6, 1),
    )
    response = client.post(reverse("fieldwork:plan-indicator-new"), data())
    assert response.status_code == 400
    assert "already used by “Housing”" in " ".join(response.context["form"].errors["code"])
    assert Indicator.objects.count() == 1


def test_a_member_edits_an_indicator_and_the_change_is_audited(client, member):
    indicator = Indicator.objects.create(
        code="housing-places",
        name="Housing",
        source="housing_places_open",
        target=100,
        start=date(2026, 1, 5),
        deadline=date(2026, 12, 31),
    )
    url = reverse("fieldwork:plan-indicator-edit", args=["housing-places"])
    form = client.get(url).content.decode()
    assert 'value="100.0"' in form or 'value="100"' in form
    response = client.post(url, data(target="150", name="Housing places open", unit="", order="0"))
    assert response.status_code == 302
    indicator.refresh_from_db()
    assert (indicator.target, indicator.name) == (150.0, "Housing places open")
    entry = AuditEntry.objects.get(action="plan.indicator.edit")
    assert entry.before == {"target": 100.0, "name": "Housing"}
    assert entry.after == {"target": 150.0, "name": "Housing places open"}


def test_an_unknown_indicator_is_not_found(client, member):
    assert client.get(reverse("fieldwork:plan-indicator-edit", args=["nothing"])).status_code == 404


def test_values_entered_by_hand_are_not_hidden_by_a_computed_source(client, member):
    indicator = Indicator.objects.create(
        code="syringes",
        name="Syringes",
        source="manual",
        target=400,
        start=date(2026, 1, 1),
        deadline=date(2026, 12, 31),
    )
    IndicatorValue.objects.create(indicator=indicator, date=date(2026, 2, 1), value=900)
    url = reverse("fieldwork:plan-indicator-edit", args=["syringes"])
    response = client.post(url, data(code="syringes", name="Syringes", source="contacts_week"))
    assert response.status_code == 400
    assert "1 values entered by hand" in " ".join(response.context["form"].errors["source"])
    indicator.refresh_from_db()
    assert indicator.source == "manual"


def _summary(html: str) -> str:
    start = html.index('id="error-summary"')
    return html[start : html.index("</div>", start)]


def test_the_indicator_form_sums_up_its_errors_at_the_top_with_links(client, member):
    response = client.post(
        reverse("fieldwork:plan-indicator-new"), data(target="lots", deadline="2025-12-31")
    )
    html = response.content.decode()
    summary = _summary(html)
    assert "There are 2 problems to fix" in summary  # the site's summary, not a page's own
    assert '<a href="#id_target">Target value: Enter a number.</a>' in summary
    assert (
        '<a href="#id_deadline">Deadline: The deadline must come after the start of the plan.</a>' in summary
    )
    assert html.index("<h1>") < html.index('id="error-summary"') < html.index('id="indicator-form"')


def test_the_value_form_sums_up_its_errors_at_the_top(client, member):
    Indicator.objects.create(
        code="beds",
        name="Beds",
        source="manual",
        target=10,
        start=date(2026, 1, 1),
        deadline=date(2026, 12, 31),
    )
    response = client.post(reverse("fieldwork:plan-value"), {"date": "2026-02-01", "value": ""})
    html = response.content.decode()
    assert '<a href="#id_value">Value: This field is required.</a>' in _summary(html)
    assert html.index('id="error-summary"') < html.index('<form method="post" novalidate')


def test_a_value_in_the_future_is_refused_with_a_400_and_a_sentence(client, member):
    Indicator.objects.create(
        code="beds",
        name="Beds",
        source="manual",
        target=10,
        start=date(2026, 1, 1),
        deadline=date(2030, 12, 31),
    )
    indicator = Indicator.objects.get(code="beds")
    response = client.post(
        reverse("fieldwork:plan-value"), {"indicator": indicator.pk, "date": "2999-01-01", "value": "3"}
    )
    assert response.status_code == 400
    assert list(response.context["form"].errors["date"]) == ["The date is in the future."]
    html = response.content.decode()
    assert '<a href="#id_date">Date: The date is in the future.</a>' in _summary(html)
    assert not IndicatorValue.objects.exists()


def test_an_empty_value_is_refused_with_a_400(client, member):
    Indicator.objects.create(
        code="beds",
        name="Beds",
        source="manual",
        target=10,
        start=date(2026, 1, 1),
        deadline=date(2026, 12, 31),
    )
    response = client.post(reverse("fieldwork:plan-value"), {"date": "2026-02-01", "value": ""})
    assert response.status_code == 400
    assert client.get(reverse("fieldwork:plan-value")).status_code == 200


def test_the_indicator_form_writes_its_messages_as_sentences(client, member):
    response = client.post(reverse("fieldwork:plan-indicator-new"), data(target="-5"))
    assert response.status_code == 400
    assert all(m[0].isupper() and m.endswith(".") for m in response.context["form"].errors["target"])
    assert type(response.context["form"].errors["target"]).__name__ == "SentenceErrorList"


def test_the_plan_groups_thousands_and_writes_its_days_in_french(client):
    """Issue 19: "12 345" (Django's French no-break space), "31 décembre 2026", never 12345 or ISO."""
    indicator = Indicator.objects.create(
        code="syringes", name="Seringues", source="manual", target=12345, unit="seringues",
        start=date(2026, 1, 1), deadline=date(2026, 12, 31),
    )  # fmt: skip
    IndicatorValue.objects.create(indicator=indicator, date=date(2026, 9, 15), value=4567.5)
    page = client.get("/fieldwork/plan/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "12\xa0345\xa0seringues d’ici le 31 décembre 2026" in page.replace("'", "’")
    assert "4\xa0567,50 (15 septembre 2026)" in page
    assert "12345" not in page and "2026-12-31" not in page
    english = client.get("/fieldwork/plan/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "12,345 seringues" in english and "4,567.50" in english
