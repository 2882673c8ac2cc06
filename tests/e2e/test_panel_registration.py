"""End to end at phone size: a volunteer registers for the citizens' panel, forgetting consent first."""

from datetime import timedelta

import pytest
from django.utils import timezone

from observatory.panel.models import Contact, Feature, FeatureValue, Panel, Volunteer

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def make_panel() -> Panel:
    today = timezone.localdate()
    panel = Panel.objects.create(
        name="Panel Stalingrad 2026",
        size=20,
        term_ends_on=today + timedelta(days=365),
        draw_on=today + timedelta(days=30),
        seed_source="six boules tirées au sort en réunion publique",
    )
    for position, (key, label, values) in enumerate(
        [
            ("genre", "Genre", [("femme", "Femme"), ("homme", "Homme"), ("autre", "Autre")]),
            ("age", "Âge", [("16-29", "16-29"), ("30-59", "30-59"), ("60", "60 et plus")]),
        ]
    ):
        feature = Feature.objects.create(panel=panel, key=key, label=label, position=position)
        for i, (vkey, vlabel) in enumerate(values):
            FeatureValue.objects.create(feature=feature, key=vkey, label=vlabel, position=i)
    return panel


def test_volunteer_registers_on_a_phone(live_server, phone, screenshot):
    panel = make_panel()
    page = phone
    page.goto(f"{live_server.url}/panel/")
    page.locator(f'li[data-panel="{panel.pk}"] a.button').click()
    page.wait_for_url(f"**/panel/{panel.pk}/register/")
    assert page.locator("html").get_attribute("lang") == "fr"

    # Big touch targets: each answer is a whole row to tap.
    page.get_by_label("Femme").check()
    page.get_by_label("30-59").check()
    assert page.get_by_label("30-59").bounding_box()["height"] >= 20
    page.fill("#id_name", "Nadia B.")
    page.fill("#id_phone", "06 12 34 56 78")
    page.locator("#registration-form button[type=submit]").click()

    # Without consent: refused, the answers kept, nothing stored.
    page.locator(".consent .errorlist").wait_for()
    assert page.get_by_label("Femme").is_checked()
    assert not Volunteer.objects.exists()

    page.locator("#id_consent").check()
    page.locator("#registration-form button[type=submit]").click()
    page.wait_for_url(f"**/panel/{panel.pk}/register/thanks/")
    volunteer = Volunteer.objects.get()
    assert page.locator("#public-id").inner_text().strip() == volunteer.public_id
    assert volunteer.values == {"genre": "femme", "age": "30-59"}
    assert Contact.objects.get(volunteer=volunteer).phone == "06 12 34 56 78"
    # the page fits the phone: no horizontal scrolling
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "registration")
