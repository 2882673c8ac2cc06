"""End to end at phone size: a resident types the code from a paper slip, ranks the sites, and
after the end reads the published result."""

from datetime import timedelta

import pytest
from django.utils import timezone

from observatory.consultation import services
from observatory.consultation.models import Ballot, Consultation
from observatory.reports.models import Area

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SITES = [
    {"name": "Rue d'Aubervilliers", "lat": 48.8870, "lon": 2.3660, "coverage_share": 0.62},
    {"name": "Porte de la Villette", "lat": 48.8975, "lon": 2.3850},
    {"name": "Gare du Nord", "lat": 48.8809, "lon": 2.3553},
]


def test_a_code_from_paper_to_the_published_result(live_server, phone, paris_areas, screenshot):
    now = timezone.now()
    quartier = Area.objects.filter(level="quartier", parent_code="19").order_by("code").first()
    consultation = services.create_consultation(
        question="Où ouvrir la nouvelle salle de consommation ?",
        starts_at=now + timedelta(days=1),
        ends_at=now + timedelta(days=10),
        method="ranked",
        eligibility="code",
        quartiers=[quartier],
    )
    services.add_site_options(consultation, SITES)
    Consultation.objects.filter(pk=consultation.pk).update(starts_at=now - timedelta(hours=1))
    consultation.refresh_from_db()
    slip, *others = services.generate_codes(consultation, 3, quartier)
    services.cast_ballot(consultation, [1, 3], code=others[0])
    services.cast_ballot(consultation, [2, 3, 1], code=others[1])

    page = phone
    page.goto(f"{live_server.url}/consultations/{consultation.pk}/")
    page.locator('.option-map[data-ready="1"]').first.wait_for(state="attached")  # the evidence maps drew
    page.goto(f"{live_server.url}/consultations/{consultation.pk}/vote/")
    page.fill("#id_code", slip.lower())  # typed as read, lower case
    page.select_option("#id_option_3", "1")  # Gare du Nord first
    page.select_option("#id_option_1", "2")
    page.locator("form.ballot button[type=submit]").click()
    key = page.locator("#change-key")
    key.wait_for()
    assert len(key.inner_text().strip()) == 14
    assert Ballot.objects.filter(consultation=consultation).count() == 3

    # The same slip a second time is refused, nothing stored.
    page.fill("#id_code", slip)
    page.select_option("#id_option_3", "")  # the form shows the ballot just cast: start afresh
    page.select_option("#id_option_1", "")
    page.select_option("#id_option_2", "1")
    page.locator("form.ballot button[type=submit]").click()
    page.locator(".errorlist").first.wait_for()
    assert "Ce code a déjà été utilisé" in page.content()  # the phone reads the site in French
    assert Ballot.objects.filter(consultation=consultation).count() == 3

    # The vote closes; the result is public.
    Consultation.objects.filter(pk=consultation.pk).update(ends_at=timezone.now() - timedelta(seconds=1))
    page.goto(f"{live_server.url}/consultations/{consultation.pk}/results/")
    assert page.locator("#winner .winner-name").inner_text() == "Gare du Nord"
    assert page.locator("#pairwise tbody tr").count() == 4
    assert quartier.name in page.locator("#participation").inner_text()
    # In French a ballot is a "bulletin de vote"; the monthly "lettre mensuelle" is another thing.
    assert "Bulletins de vote" in page.locator("#participation thead").inner_text()
    assert page.locator("#site-menu a", has_text="Lettres mensuelles").count() == 1  # menu folded
    # The page fits the phone (it was 405 px wide at 390: the participation table): wide tables
    # scroll in their own region, which the keyboard can reach, and the page never sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    for table in ("#pairwise", "#participation"):
        region = page.locator(f".scroll[role=region]:has({table})")
        assert region.get_attribute("tabindex") == "0"
    screenshot(page, "result")
