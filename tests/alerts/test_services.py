"""The hourly run over the database: an emerging cluster is stored once, e-mailed to the members
who receive it (read back from a real SMTP server), and never to anyone else."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from observatory import cli
from observatory.alerts import services
from observatory.alerts.models import Alert, RecipientRule

from .conftest import NOW, Mailbox, make_reports

pytestmark = pytest.mark.django_db


def test_quiet_weeks_raise_no_alert(quiet_scene, members, smtp):
    result = services.run(NOW)
    assert result.reports > 200
    assert result.new == [] and Alert.objects.count() == 0
    assert smtp.messages == []


def test_an_emerging_cluster_is_stored_and_mailed_to_members_only(cluster_scene, members, smtp, paris_areas):
    result = services.run(NOW)
    # The scan's cluster and the area's rise are one episode: one alert, by the stronger signal.
    assert len(result.new) == 1 and result.new[0].kind in (Alert.Kind.CLUSTER, Alert.Kind.RISE)
    alert = result.new[0]
    assert alert.observed >= 6 and alert.observed > 3 * alert.expected
    assert alert.recurrence_days >= 100
    assert alert.window_end == NOW and alert.window_end - alert.window_start <= dt.timedelta(hours=24)
    assert alert.place  # the quartier's name, for the sentence
    # Harm-reduction organisation members and observatory members, by default; nobody else.
    messages = smtp.wait(2)
    assert result.mailed == 2 == alert.recipients
    assert sorted(str(m["To"]) for m in messages) == ["observer@example.org", "outreach@example.org"]
    body = Mailbox.body(messages[0])
    assert services.sentence(alert) in body and alert.place in body
    assert "by chance alone" in body
    assert f"http://testserver/alerts/{alert.pk}/" in body
    attachments = list(messages[0].iter_attachments())
    assert [a.get_content_type() for a in attachments] == ["image/png"]
    assert attachments[0].get_content()[:8] == b"\x89PNG\r\n\x1a\n"


def test_an_ongoing_cluster_is_one_alert_and_one_mail(cluster_scene, members, smtp):
    first = services.run(NOW)
    smtp.wait(2)
    # The next hour the cluster is still in its window: the same alert, signalled again, no mail.
    again = services.run(NOW + dt.timedelta(hours=1))
    assert again.new == []
    assert [a.pk for a in again.continued] == [first.new[0].pk]
    alert = Alert.objects.get()
    assert alert.signals == 2 and alert.last_signalled_at == NOW + dt.timedelta(hours=1)
    assert len(smtp.wait(3, timeout=1.0)) == 2
    # Running the same hour twice changes nothing.
    services.run(NOW + dt.timedelta(hours=1))
    assert Alert.objects.get().signals == 2


def test_a_new_cluster_elsewhere_is_a_new_alert(cluster_scene, members, smtp):
    services.run(NOW)
    later = NOW + dt.timedelta(hours=3)
    make_reports([(48.8690 + 0.0002 * (i % 3), 2.3800, later - dt.timedelta(hours=i % 4)) for i in range(12)])
    result = services.run(later)
    assert len(result.new) == 1 and Alert.objects.count() == 2
    assert not set(result.new[0].areas) & set(Alert.objects.earliest("signalled_at").areas)


def test_who_receives_what_is_the_observatorys_setting(cluster_scene, members, smtp):
    off = {(RecipientRule.Audience.HARM_REDUCTION, k): False for k in Alert.Kind.values}
    on = {(RecipientRule.Audience.OTHER_ORGANISATIONS, k): True for k in Alert.Kind.values}
    services.set_rules(off | on)
    result = services.run(NOW)
    messages = smtp.wait(2)
    assert result.mailed == 2
    assert sorted(str(m["To"]) for m in messages) == ["care@example.org", "observer@example.org"]


def test_only_member_audiences_exist_and_the_public_is_never_one(members):
    every = set()
    for audience in RecipientRule.Audience.values:
        services.set_rules({(audience, k): True for k in Alert.Kind.values})
        every |= set(services.recipients(Alert.Kind.CLUSTER))
    assert every == {"outreach@example.org", "care@example.org", "observer@example.org"}
    with pytest.raises(ValueError):
        services.set_rules({("public", Alert.Kind.CLUSTER): True})


def test_reports_still_pending_are_not_read(members, smtp):
    import numpy as np

    from .conftest import scene

    rng = np.random.default_rng(1)
    make_reports(scene(rng))
    make_reports(scene(np.random.default_rng(2), days=1, per_day=0, cluster=10), status="pending")
    assert services.run(NOW).new == []


def test_outreach_rounds_with_many_more_people_per_visit(members, smtp):
    from observatory.fieldwork.models import Organisation, Round

    org = Organisation.objects.get(name="Maraude de soirée")
    route = {"type": "Point", "coordinates": [2.3678, 48.8843]}
    for day in range(1, 29):
        start = NOW - dt.timedelta(days=day, hours=-1)
        Round.objects.create(
            organisation=org,
            started_at=start,
            ended_at=start + dt.timedelta(hours=2),
            route=route,
            people_met=18 + day % 5,
        )
    for hours in (5, 20, 30):
        start = NOW - dt.timedelta(hours=hours)
        Round.objects.create(
            organisation=org,
            started_at=start,
            ended_at=start + dt.timedelta(hours=2),
            route=route,
            people_met=70,
        )
    result = services.run(NOW)
    assert [a.kind for a in result.new] == [Alert.Kind.ROUNDS]
    assert result.new[0].observed >= 140
    assert "Outreach rounds met more people" in services.sentence(result.new[0])


def test_the_command_runs_now_and_prints_one_document(cluster_scene, members, smtp, capsys):
    code = cli.main(["alerts", "--now", NOW.isoformat(), "--no-mail", "--json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 0
    assert len(doc["new_alerts"]) == 1 and doc["mailed"] == 0
    assert doc["new_alerts"][0]["kind"] in ("cluster", "rise")
    assert smtp.messages == []


def test_the_command_refuses_a_time_without_offset(capsys):
    assert cli.main(["alerts", "--now", "2026-05-04T15:00"]) == 2
    assert "--now" in capsys.readouterr().err


def test_the_hourly_job_is_scheduled_and_runs_the_service(cluster_scene, members, smtp):
    from django.utils.module_loading import import_string

    from observatory.jobs.periodic import SCHEDULE

    entry = next(p for p in SCHEDULE if p.name == "alerts")
    assert entry.cron == {"minute": 5} and entry.slot_format == "%Y-%m-%dT%H"
    assert import_string(entry.kind) is not None
