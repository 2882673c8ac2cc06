"""/panel/<id>/contacts/: members read how to reach volunteers; contacts go after the term.

Also ``observatory purge-panel-contacts`` and ``purge_expired_contacts(now)``: after the term the
contacts are deleted, the anonymised pool and the draw stay verifiable.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from io import StringIO

from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from observatory.accounts.models import AuditEntry
from observatory.accounts.roles import MODERATOR
from observatory.panel.models import Contact, Volunteer
from observatory.panel.services import purge_expired_contacts

from .test_views_new import create_panel, member, pool_panel, register  # noqa: F401 (fixtures)


def test_members_read_contacts_and_it_is_logged(client, pool_panel):  # noqa: F811
    response = client.get(reverse("panel:contacts", args=[pool_panel.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Volunteer 1" in page and "v1@example.org" in page
    assert AuditEntry.objects.filter(action="panel.contacts.view", object_id=str(pool_panel.pk)).exists()


def test_other_roles_never_see_contacts(client, pool_panel, make_user):  # noqa: F811
    client.force_login(make_user("moderatrice", MODERATOR))
    assert client.get(reverse("panel:contacts", args=[pool_panel.pk])).status_code == 403
    client.logout()
    assert client.get(reverse("panel:contacts", args=[pool_panel.pk])).status_code == 302


def test_contacts_are_purged_after_the_term_only(client, member):  # noqa: F811
    today = timezone.localdate()
    ending = create_panel(client, name="Ends today", term_ends_on=(today + timedelta(days=60)).isoformat())
    running = create_panel(client, name="Runs on", term_ends_on=(today + timedelta(days=400)).isoformat())
    for n, panel in enumerate((ending, ending, running)):
        register(panel, "woman", "16-39", n)
    term_end = datetime.combine(ending.term_ends_on, time(12), tzinfo=timezone.get_current_timezone())
    assert purge_expired_contacts(term_end) == 0  # the last day of the term still counts
    day_after = term_end + timedelta(days=1)
    assert purge_expired_contacts(day_after, dry_run=True) == 2
    assert purge_expired_contacts(day_after) == 2
    assert not Contact.objects.filter(volunteer__panel=ending).exists()
    assert Contact.objects.filter(volunteer__panel=running).count() == 1
    assert Volunteer.objects.filter(panel=ending).count() == 2  # the published pool stays whole
    ending.refresh_from_db()
    assert ending.contacts_purged_at == day_after
    assert AuditEntry.objects.filter(action="retention.panel_contacts").exists()
    page = client.get(reverse("panel:contacts", args=[ending.pk])).content.decode()
    assert "deleted after the term" in page


def test_purge_command(client, member):  # noqa: F811
    today = timezone.localdate()
    panel = create_panel(
        client,
        draw_on=(today - timedelta(days=30)).isoformat(),
        term_ends_on=(today - timedelta(days=1)).isoformat(),
    )
    register(panel, "man", "16-39", 1)  # (registration is only refused once closed)
    out = StringIO()
    call_command("purge_panel_contacts", "--dry-run", stdout=out)
    assert "would delete 1" in out.getvalue() and Contact.objects.count() == 1
    call_command("purge_panel_contacts", stdout=out)
    assert "deleted 1" in out.getvalue() and Contact.objects.count() == 0
