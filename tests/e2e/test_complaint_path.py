"""A complaint's whole path in Chromium: an outreach worker files on someone's behalf and prints
the slip; the person opens the code on a phone and sees the status; the referent answers; the
person sees the answer; the figures count it; a resident and an anonymous visitor see none of it.

Phone screenshots of the form, the slip and the page are kept as test artefacts (``screenshot``).
"""

from __future__ import annotations

from datetime import date

import pytest

from observatory.accounts.roles import OBSERVATORY, ORGANISATION, REFERENT
from observatory.complaints.models import Complaint
from observatory.fieldwork.models import CarePlace, Membership, Organisation

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-test-password"
ANSWER = "Nous avons appelé l'Espace Jaurès : revenez demain, une place vous attend."


def _phone(browser, locale: str = "fr-FR"):
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale=locale,
        timezone_id="Europe/Paris",
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


def _login(page, base: str, username: str, target: str) -> None:
    page.goto(f"{base}/accounts/login/?next={target}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(f"**{target}")


def test_complaint_from_the_street_to_its_answer(live_server, browser, make_user, settings, screenshot):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    base = live_server.url
    care = Organisation.objects.create(name="Soins Nord", kind="care")
    place = CarePlace.objects.create(
        name="Espace Jaurès",
        kind="consumption_room",
        organisation=care,
        lat=48.88,
        lon=2.37,
        capacity=10,
        opened_on=date(2020, 1, 1),
    )
    worker = make_user("maraude", ORGANISATION, password=PASSWORD)
    Membership.objects.create(user=worker, organisation=Organisation.objects.create(name="Maraude Nord"))
    make_user("referente", REFERENT, password=PASSWORD)
    make_user("observateur", OBSERVATORY, password=PASSWORD)
    make_user("riverain", password=PASSWORD)

    # 1. The outreach worker, on the street, files for the person with their spoken consent.
    context, page = _phone(browser)
    _login(page, base, "maraude", "/complaints/new/")
    assert page.locator("#id_spoken_consent").count() == 1
    page.locator("label[for=id_kind_0]").click()  # care refused
    page.locator("#reason-field").wait_for(state="visible")
    assert page.locator("#by-field").is_hidden()
    page.locator("label[for=id_reason_0]").click()  # no place left
    page.select_option("#id_care_place", str(place.pk))
    page.fill("#id_text", "On m'a dit qu'il n'y avait plus de place, trois soirs de suite.")
    page.check("#id_spoken_consent")
    screenshot(page, "1-filing-form")
    page.locator("#send").click()
    code = page.locator("#complaint-code").inner_text().strip()
    assert len(code) == 14 and code.count("-") == 2
    screenshot(page, "2-slip")
    # Printing shows the slip alone, and the PDF slip is there for a printer.
    page.emulate_media(media="print")
    assert page.locator("header.top").is_hidden() and page.locator("#slip").is_visible()
    page.emulate_media(media="screen")
    with context.expect_event("response", lambda r: r.url.endswith("/complaints/slip.pdf")) as pdf:
        page.locator("form[action$='slip.pdf'] button").click()
    assert pdf.value.status == 200 and pdf.value.headers["content-type"] == "application/pdf"
    complaint = Complaint.objects.get()
    assert complaint.channel == "on_behalf" and complaint.spoken_consent
    context.close()

    # 2. The person, later, on their own phone: the QR code's address carries the code after '#'.
    context, person = _phone(browser)
    person.goto(f"{base}/complaints/follow/#{code}")
    assert person.locator("#id_code").input_value() == code
    assert "#" not in person.url
    person.locator("#code-form button[type=submit]").click()
    person.locator("#complaint-status").wait_for()
    assert "status-received" in person.locator("#complaint-status").get_attribute("class")
    assert "trois soirs" not in person.content()
    screenshot(person, "3-person-page")

    # 3. The referent finds it in the queue, with its clock, and answers.
    ref_context, ref = _phone(browser, "en-GB")
    _login(ref, base, "referente", "/complaints/referent/")
    row = ref.locator("#complaint-queue tbody tr").first
    assert "Espace Jaurès" in row.inner_text()
    row.locator("a").click()
    assert "trois soirs" in ref.locator("#case-text").inner_text()
    ref.fill("#id_answer-text", ANSWER)
    ref.locator("#answer-form button").click()
    ref.locator("#case-status").wait_for()
    assert "Answered" in ref.locator("#case-status").inner_text()
    ref_context.close()

    # 4. The person types the code again and reads the answer; they add a message.
    person.goto(f"{base}/complaints/follow/")
    person.fill("#id_code", code.lower().replace("-", " "))
    person.locator("#code-form button[type=submit]").click()
    person.locator("#complaint-status").wait_for()
    assert ANSWER in person.locator("blockquote.answer").inner_text()
    person.fill("#id_text", "Merci, j'y vais demain.")
    person.locator("#message-form button").click()
    person.locator("p.done").wait_for()
    screenshot(person, "4-person-answer")
    context.close()

    # 5. The observatory's figures count it (exact figures are for members only).
    obs_context, obs = _phone(browser, "en-GB")
    _login(obs, base, "observateur", "/complaints/figures/")
    figures = obs.locator("#complaint-figures tbody tr").first.inner_text()
    assert "Espace Jaurès" in figures
    cells = [c.strip() for c in figures.split("\t")]
    assert cells[2:4] == ["1", "1"], cells
    obs_context.close()

    # 6. A resident and an anonymous visitor see none of it.
    res_context, resident = _phone(browser, "en-GB")
    _login(resident, base, "riverain", "/accounts/me/")
    anon_context, anon = _phone(browser, "en-GB")
    for visitor in (resident, anon):
        for url in ("/complaints/referent/", f"/complaints/referent/{complaint.pk}/", "/complaints/figures/"):
            response = visitor.goto(f"{base}{url}")
            assert response.status == 403 or "/accounts/login/" in visitor.url, (url, response.status)
        for url in ("/", "/complaints/released/", "/api/v1/public/cells", "/open311/v2/requests.json"):
            visitor.goto(f"{base}{url}")
            text = visitor.content()
            assert "trois soirs" not in text and ANSWER not in text and code not in text
        assert visitor.locator("a[href='/complaints/referent/']").count() == 0
    res_context.close()
    anon_context.close()
