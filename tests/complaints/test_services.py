"""Filing, finding with the code, the referent's steps and their audit entries."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.utils import timezone

from observatory.accounts.models import AuditEntry
from observatory.complaints import core, services
from observatory.complaints.models import Complaint, Step
from observatory.reports.models import CellDayCount, Report

pytestmark = pytest.mark.django_db


def _file(now=None, **kw):
    filing = services.Filing(kind=kw.pop("kind", "care_refused"), reason=kw.pop("reason", "full"), **kw)
    return services.file_complaint(filing, now=now)


def test_a_complaint_is_no_report_and_stores_only_a_hash_of_its_code(place):
    complaint, code = _file(care_place=place, text="On m'a refusé l'entrée")
    assert core.well_formed(code)
    assert code not in complaint.code_hash and core.normalise(code) not in complaint.code_hash
    assert services.find(code) == complaint
    assert services.find(core.display(code).lower()) == complaint
    assert services.find("AAAA-BBBB-CCCC") is None
    assert services.find("'; drop table") is None
    # Not a report: no moderation queue, no cell count, no map.
    assert Report.objects.count() == 0
    assert CellDayCount.objects.count() == 0
    entry = AuditEntry.objects.get(action="complaint.file")
    assert entry.actor is None and "refusé" not in str(entry.after)
    assert complaint.channel == "self" and not complaint.spoken_consent


def test_on_behalf_needs_spoken_consent_and_keeps_the_organisation_only(worker):
    with pytest.raises(services.ComplaintError):
        services.file_complaint(services.Filing(kind="violence_suffered"), worker=worker)
    complaint, _code = services.file_complaint(
        services.Filing(kind="violence_suffered", violence_by="police", reason="full"),
        worker=worker,
        spoken_consent=True,
    )
    assert complaint.channel == "on_behalf" and complaint.spoken_consent
    assert complaint.organisation.name == "Maraude Nord"
    assert complaint.reason == ""  # a reason belongs to refusals only
    assert AuditEntry.objects.get(action="complaint.file").actor == worker


def test_a_named_person_is_held(place):
    complaint, _code = _file(text="Le docteur Martin m'a mis dehors")
    assert complaint.names_person
    other, _other_code = _file(text="Pas de place")
    assert not other.names_person
    other = services.person_message(other, "C'était l'agent Dupont")
    assert other.names_person


def test_the_referent_answers_refers_and_closes_each_step_audited(referent):
    complaint, _code = _file()
    now = timezone.now()
    complaint = services.answer(
        complaint, "Nous avons appelé le centre.", by=referent, now=now + timedelta(days=2)
    )
    assert complaint.status == "answered" and complaint.first_answer_at is not None
    complaint = services.refer(complaint, "rights_defender", "dossier transmis", by=referent)
    assert complaint.status == "referred"
    complaint = services.answer(complaint, "Le Défenseur des droits a reçu votre dossier.", by=referent)
    first = complaint.first_answer_at
    assert complaint.status == "referred" and complaint.first_answer_at == first
    with pytest.raises(services.ComplaintError):
        services.close(complaint, "maybe", by=referent)
    complaint = services.close(complaint, "partly", by=referent)
    assert complaint.status == "closed" and complaint.outcome == "partly" and complaint.closed_at
    with pytest.raises(services.ComplaintError):
        services.answer(complaint, "encore", by=referent)
    actions = list(AuditEntry.objects.order_by("id").values_list("action", flat=True))
    assert actions == [
        "complaint.file",
        "complaint.answer",
        "complaint.refer",
        "complaint.answer",
        "complaint.close",
    ]
    assert all(e.actor == referent for e in AuditEntry.objects.exclude(action="complaint.file"))
    # The person comes back after the outcome: it is open again, for someone to read.
    complaint = services.person_message(complaint, "Rien n'a changé")
    assert complaint.status == "answered" and complaint.closed_at is None and complaint.outcome == ""
    assert Step.objects.filter(complaint=complaint).count() == 5


def test_queue_puts_late_complaints_first(referent):
    now = timezone.now()
    fresh, _ = _file()
    late, _ = _file()
    answered, _ = _file()
    Complaint.objects.filter(pk=late.pk).update(filed_at=now - timedelta(days=10))
    services.answer(answered, "Bonjour", by=referent)
    items = services.queue(now=now)
    assert [i.complaint.pk for i in items] == [late.pk, fresh.pk, answered.pk]
    assert [i.clock for i in items] == ["late", "new", "answered"]
    assert items[0].days_open == 10
    services.close(answered, "resolved", by=referent)
    assert answered.pk not in [i.complaint.pk for i in services.queue()]
    assert answered.pk in [i.complaint.pk for i in services.queue(include_closed=True)]


def test_rows_feed_the_figures(place, referent):
    a, _ = _file(care_place=place)
    b, _ = _file(care_place=place, reason="papers")
    services.answer(a, "Réponse", by=referent)
    services.close(a, "resolved", by=referent)
    table = core.monthly_table(services.rows())
    assert len(table) == 1
    line = table[0]
    assert (line.place, line.received, line.answered, line.outcomes) == (
        "Espace Jaurès",
        2,
        1,
        {"resolved": 1},
    )
    assert dict(core.refusals_by_reason(services.rows())) == {"full": 1, "papers": 1}
    assert b.pk


def test_retention_erases_the_persons_words_but_keeps_the_figures(place, referent, settings, client):
    from django.core.management import call_command

    settings.OBSERVATORY_COMPLAINT_RETENTION_MONTHS = 12
    now = timezone.now()
    old, _ = _file(care_place=place, text="On m'a refusé l'entrée", contact="06 00 00 00 00",
                   photo=b"\xff\xd8fake-jpeg", now=now - timedelta(days=500))
    services.close(old, "resolved", "Vu avec le CSAPA", by=referent, now=now - timedelta(days=400))
    recent, _ = _file(care_place=place, text="Pas de place ce soir", now=now - timedelta(days=500))
    services.close(recent, "resolved", by=referent, now=now - timedelta(days=30))
    abandoned, _ = _file(text="Personne ne répond", now=now - timedelta(days=800))
    open_case, _ = _file(text="Encore refusé", now=now - timedelta(days=200))
    photo_name = Complaint.objects.get(pk=old.pk).photo.name
    assert Complaint.objects.get(pk=old.pk).photo.storage.exists(photo_name)

    assert services.purge_expired(now, dry_run=True) == 2
    call_command("apply_retention", stdout=io.StringIO())

    old.refresh_from_db()
    assert old.text == "" and old.contact == "" and not old.photo and old.text_purged_at is not None
    assert not Step.objects.filter(complaint=old).exclude(text="").exists()
    assert not old.photo.storage.exists(photo_name)
    # What the figures are made of stays.
    assert (old.kind, old.reason, old.care_place, old.outcome) == ("care_refused", "full", place, "resolved")
    abandoned.refresh_from_db()
    assert abandoned.text == "" and abandoned.text_purged_at is not None
    for kept in (recent, open_case):
        kept.refresh_from_db()
        assert kept.text and kept.text_purged_at is None
    assert AuditEntry.objects.get(action="retention.complaints").after["complaints"] == 2
    assert services.purge_expired(now) == 0  # once only
    # The referent's case page says the words were erased, and when, instead of showing nothing.
    client.force_login(referent)
    page = client.get(f"/complaints/referent/{old.pk}/").content.decode()
    assert 'id="case-purged"' in page and "refusé" not in page
