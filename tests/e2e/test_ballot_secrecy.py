"""Two residents vote with two paper codes on ONE browser (a kiosk, an outreach worker's tablet):
the second sees nothing of the first, and going Back after a vote shows no ballot."""

from datetime import timedelta

import pytest
from django.utils import timezone

from observatory.consultation import services
from observatory.consultation.models import Ballot, Consultation
from observatory.reports.models import Area

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SITES = [
    {"name": "Rue d'Aubervilliers", "lat": 48.8870, "lon": 2.3660},
    {"name": "Porte de la Villette", "lat": 48.8975, "lon": 2.3850},
    {"name": "Gare du Nord", "lat": 48.8809, "lon": 2.3553},
]
RANKS = ("#id_option_1", "#id_option_2", "#id_option_3", "#id_option_0")


@pytest.fixture
def kiosk(browser):
    """One browser context shared by every voter, as on a kiosk."""
    context = browser.new_context(locale="en-GB", timezone_id="Europe/Paris")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def _nothing_of_a_ballot(page) -> None:
    assert page.locator("#current-ballot").count() == 0
    assert "current ballot" not in page.content().lower()
    for select in RANKS:
        assert page.locator(select).input_value() == ""
    assert page.locator("#id_code").input_value() == ""


def test_two_voters_on_one_browser_see_nothing_of_each_other(live_server, kiosk, paris_areas):
    now = timezone.now()
    quartier = Area.objects.filter(level="quartier", parent_code="19").order_by("code").first()
    consultation = services.create_consultation(
        question="Where should the new care room open?",
        starts_at=now + timedelta(days=1),
        ends_at=now + timedelta(days=10),
        method="ranked",
        eligibility="code",
        quartiers=[quartier],
    )
    services.add_site_options(consultation, SITES)
    Consultation.objects.filter(pk=consultation.pk).update(starts_at=now - timedelta(hours=1))
    first, second = services.generate_codes(consultation, 2, quartier)
    url = f"{live_server.url}/consultations/{consultation.pk}/vote/"
    page = kiosk

    # The first voter ranks all three sites.
    page.goto(url)
    page.fill("#id_code", first)
    page.select_option("#id_option_2", "1")
    page.select_option("#id_option_1", "2")
    page.select_option("#id_option_3", "3")
    page.locator("form.ballot button[type=submit]").click()
    page.locator("#change-key").wait_for()

    # Back: the form the first voter filled in comes back empty.
    page.go_back()
    page.locator("form.ballot").wait_for()
    _nothing_of_a_ballot(page)

    # The second voter, on the same browser, opens the page and sets rank 1 only.
    page.goto(url)
    _nothing_of_a_ballot(page)
    page.fill("#id_code", second)
    page.select_option("#id_option_3", "1")
    page.locator("form.ballot button[type=submit]").click()
    page.locator("#change-key").wait_for()
    assert sorted(b.choices for b in Ballot.objects.filter(consultation=consultation)) == [[2, 1, 3], [3]]

    # "Done" clears the screen; Back after it shows no ballot either.
    page.locator("#vote-done").click()
    page.locator("form.ballot").wait_for()
    _nothing_of_a_ballot(page)
    page.go_back()
    assert page.locator("#change-key").count() == 0
    assert "Gare du Nord &gt;" not in page.content() and "Porte de la Villette &gt;" not in page.content()

    # The browser keeps no session: no cookie but the CSRF token (and the language, if any).
    names = {c["name"] for c in page.context.cookies()}
    assert names <= {"csrftoken", "django_language"}


def test_the_change_key_alone_opens_a_ballot_again(live_server, kiosk, paris_areas):
    now = timezone.now()
    quartier = Area.objects.filter(level="quartier", parent_code="19").order_by("code").first()
    consultation = services.create_consultation(
        question="Where should the new care room open?",
        starts_at=now + timedelta(days=1),
        ends_at=now + timedelta(days=10),
        method="ranked",
        eligibility="code",
        quartiers=[quartier],
    )
    services.add_site_options(consultation, SITES)
    Consultation.objects.filter(pk=consultation.pk).update(starts_at=now - timedelta(hours=1))
    consultation.refresh_from_db()
    (code,) = services.generate_codes(consultation, 1, quartier)
    key = services.cast_ballot(consultation, [2, 1], code=code).change_key
    page = kiosk
    page.goto(f"{live_server.url}/consultations/{consultation.pk}/vote/")
    page.fill("#id_code", code)  # the used code is not a change key
    page.locator("#show-ballot").click()
    page.locator(".errorlist").first.wait_for()
    _nothing_of_a_ballot(page)
    page.fill("#id_code", key)
    page.locator("#show-ballot").click()
    page.locator("#current-ballot").wait_for()
    assert page.locator("#id_option_2").input_value() == "1"
    assert page.locator("#id_option_1").input_value() == "2"
    page.select_option("#id_option_3", "1")
    page.select_option("#id_option_2", "2")
    page.select_option("#id_option_1", "")
    page.locator("form.ballot button[type=submit]").click()
    page.locator("#vote-confirmed").wait_for()
    assert Ballot.objects.get(consultation=consultation).choices == [3, 2]
