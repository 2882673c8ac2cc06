"""The complaint pages: filing, the slip, the code, the referent, the figures, who sees what."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from observatory.accounts.models import AuditEntry
from observatory.accounts.roles import MODERATOR, OBSERVATORY
from observatory.complaints import services
from observatory.complaints.models import Complaint, Step

pytestmark = pytest.mark.django_db

CODE = re.compile(r'id="complaint-code">([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})<')


def _code(response) -> str:
    match = CODE.search(response.content.decode())
    assert match, "no code on the slip"
    return match[1]


def test_the_person_files_anonymously_and_gets_a_slip_once(client, place):
    form = client.get("/complaints/new/")
    assert form.status_code == 200
    body = form.content.decode()
    assert 'name="spoken_consent"' not in body and 'name="operation"' not in body
    response = client.post(
        "/complaints/new/",
        {"kind": "care_refused", "reason": "full", "care_place": place.pk, "text": "Plus de place"},
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    code = _code(response)
    complaint = Complaint.objects.get()
    assert complaint.channel == "self" and complaint.care_place == place
    assert services.find(code) == complaint
    assert "<svg" in response.content.decode()  # the QR code
    pdf = client.post("/complaints/slip.pdf", {"code": code})
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert client.post("/complaints/slip.pdf", {"code": "AAAA-BBBB-CCCC"}).status_code == 404


def test_bad_input_is_refused_with_reasons(client):
    assert client.post("/complaints/new/", {}).status_code == 400
    assert client.post("/complaints/new/", {"kind": "litter"}).status_code == 400
    too_long = client.post("/complaints/new/", {"kind": "violence_suffered", "text": "x" * 3001})
    assert too_long.status_code == 400
    future = client.post("/complaints/new/", {"kind": "violence_suffered", "happened_on": "2999-01-01"})
    assert future.status_code == 400
    assert Complaint.objects.count() == 0


def summary_links(html: str) -> list[tuple[str, str]]:
    """The error summary at the top of the page: (anchor, text) of each error it lists. Each
    anchor names an element further down the page, so following the link reaches the field."""
    start = html.index('id="error-summary"')
    box = html[start : html.index("</div>", start)]
    links = re.findall(r'<a href="#([^"]+)">([^<]+)</a>', box)
    for anchor, _text in links:
        assert html.index(f'id="{anchor}"') > start, f"#{anchor} is not on the page, below the summary"
    return links


def test_errors_are_summarised_at_the_top_in_sentence_case(client):
    page = client.post(
        "/complaints/new/", {"text": "x" * 3001, "happened_on": "2999-01-01", "contact": ""}
    ).content.decode()
    assert page.index('id="error-summary"') < page.index('id="complaint-form"')  # before the form
    assert "There are 3 problems to fix" in page
    links = dict(summary_links(page))
    assert set(links) == {"id_kind", "id_happened_on", "id_text"}
    assert links["id_kind"] == "What happened: This field is required."
    assert links["id_happened_on"] == "When: This date is in the future."
    assert "Ensure this value has at most 3000 characters (it has 3001)." in links["id_text"]
    # Under each field too, in sentence case.
    assert '<ul class="errorlist"' in page and "This date is in the future." in page

    page = client.post("/complaints/follow/", {"code": "abc"}).content.decode()
    expected = "Your code: A code has 12 letters and numbers. Check your slip."
    assert dict(summary_links(page)) == {"id_code": expected}
    # A form shown for the first time has no summary.
    assert 'id="error-summary"' not in client.get("/complaints/new/").content.decode()


def test_an_outreach_worker_files_with_spoken_consent(client, worker):
    client.force_login(worker)
    page = client.get("/complaints/new/").content.decode()
    assert 'name="spoken_consent"' in page
    assert (
        client.post("/complaints/new/", {"kind": "violence_suffered", "violence_by": "police"}).status_code
        == 400
    )
    response = client.post(
        "/complaints/new/", {"kind": "violence_suffered", "violence_by": "police", "spoken_consent": "on"}
    )
    assert response.status_code == 200
    _code(response)
    complaint = Complaint.objects.get()
    assert complaint.channel == "on_behalf" and complaint.spoken_consent
    assert AuditEntry.objects.get(action="complaint.file").actor == worker


def test_the_person_follows_with_the_code_and_adds_a_message(client, referent):
    complaint, code = services.file_complaint(services.Filing(kind="care_refused", text="Mon texte secret"))
    assert client.get("/complaints/follow/").status_code == 200
    wrong = client.post("/complaints/follow/", {"code": "AAAA-BBBB-CCCC"})
    assert wrong.status_code == 400 and "No complaint has this code" in wrong.content.decode()
    assert client.post("/complaints/follow/", {"code": "short"}).status_code == 400
    page = client.post("/complaints/follow/", {"code": code.lower()})
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    body = page.content.decode()
    assert "Received" in body
    assert "Mon texte secret" not in body  # the person's words are never shown back
    services.answer(complaint, "Nous avons parlé au centre.", by=referent)
    body = client.post("/complaints/follow/", {"code": code}).content.decode()
    assert "Nous avons parlé au centre." in body and "Answered" in body
    sent = client.post("/complaints/follow/message/", {"code": code, "text": "Merci, j'y retourne demain"})
    assert sent.status_code == 200 and "Your message is sent." in sent.content.decode()
    assert Step.objects.filter(kind="person_message").count() == 1
    assert (
        client.post("/complaints/follow/message/", {"code": "AAAA-BBBB-CCCC", "text": "x"}).status_code == 400
    )
    assert client.post("/complaints/follow/message/", {"code": code, "text": ""}).status_code == 400


def test_the_referent_answers_refers_and_closes(client, referent):
    complaint, _code = services.file_complaint(services.Filing(kind="care_refused", text="Le docteur Martin"))
    client.force_login(referent)
    queue = client.get("/complaints/referent/")
    assert queue.status_code == 200 and complaint.short_id in queue.content.decode()
    assert "names a person" in queue.content.decode()
    url = f"/complaints/referent/{complaint.pk}/"
    page = client.get(url)
    assert page.status_code == 200 and "Le docteur Martin" in page.content.decode()
    assert AuditEntry.objects.filter(action="complaint.view", actor=referent).count() == 1
    assert client.post(url, {"action": "answer", "answer-text": ""}).status_code == 400
    assert (
        client.post(url, {"action": "answer", "answer-text": "Bonjour, nous appelons le centre."}).status_code
        == 302
    )
    assert client.post(url, {"action": "refer", "refer-referred_to": "care_place"}).status_code == 302
    assert client.post(url, {"action": "close", "close-outcome": "resolved"}).status_code == 302
    complaint.refresh_from_db()
    assert (complaint.status, complaint.outcome) == ("closed", "resolved")
    assert client.post(url, {"action": "answer", "answer-text": "Encore"}).status_code == 400
    assert client.post(url, {"action": "release"}).status_code == 302
    complaint.refresh_from_db()
    assert not complaint.names_person
    actions = set(AuditEntry.objects.filter(actor=referent).values_list("action", flat=True))
    assert {"complaint.answer", "complaint.refer", "complaint.close", "complaint.names_person"} <= actions
    assert client.get(f"/complaints/referent/{complaint.pk}/photo/").status_code == 404


def test_only_the_referent_sees_complaints(make_user, referent):
    complaint, _code = services.file_complaint(services.Filing(kind="violence_suffered", text="rien"))
    urls = ["/complaints/referent/", f"/complaints/referent/{complaint.pk}/"]
    for role in (MODERATOR, OBSERVATORY):
        c = Client()
        c.force_login(make_user(f"someone-{role}", role))
        for url in urls:
            assert c.get(url).status_code == 403, (role, url)
    c = Client()
    c.force_login(referent)
    for url in urls:
        assert c.get(url).status_code == 200
    assert c.get("/complaints/figures/").status_code == 200
    # The moderation queue knows nothing of complaints.
    mod = Client()
    mod.force_login(make_user("mod", MODERATOR))
    assert complaint.short_id not in mod.get("/moderation/").content.decode()


def test_navigation_and_report_form_point_to_complaints(client, referent):
    form = client.get("/report/").content.decode()
    assert "/complaints/new/" in form
    client.force_login(referent)
    assert "/complaints/referent/" in client.get("/").content.decode()


def test_code_lookups_are_limited_but_not_in_a_meeting(settings, make_user):
    settings.OBSERVATORY_RATE_LIMITS = {**settings.OBSERVATORY_RATE_LIMITS, "complaint_code": "3/h"}
    guesser = Client()
    codes = [guesser.post("/complaints/follow/", {"code": "AAAA-BBBB-CCCC"}).status_code for _ in range(5)]
    assert codes[:3] == [400, 400, 400] and codes[3:] == [429, 429]
    # A drop-in centre: staff open a meeting; its devices are not limited per address.
    from observatory.web.meetings import open_meeting

    meeting = open_meeting("Permanence", 4, by=make_user("staff", OBSERVATORY))
    centre = Client()
    assert centre.post("/meeting/join/", {"code": meeting.code}).status_code == 200
    codes = [centre.post("/complaints/follow/", {"code": "AAAA-BBBB-CCCC"}).status_code for _ in range(6)]
    assert 429 not in codes
