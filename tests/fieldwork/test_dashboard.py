"""/fieldwork/ and the aggregate API: outreach by week and quartier, kits, referrals, timeline."""

from datetime import timedelta

import pytest
from django.utils import timezone

from observatory.accounts.roles import MODERATOR, OBSERVATORY

pytestmark = pytest.mark.django_db


def test_aggregates_for_every_role_and_no_round_detail(
    client, make_user, make_member, make_round, organisation, other_organisation, quartiers
):
    start = timezone.now() - timedelta(days=1)
    make_round(organisation, started_at=start, notes="secret de Gaïa")
    make_round(other_organisation, started_at=start, people_met=6, kits={"naloxone": 2})
    client.force_login(make_member("worker", other_organisation))
    html = client.get("/fieldwork/").content.decode()
    assert "secret de Gaïa" not in html
    outreach = client.get("/api/v1/fieldwork/stats/outreach").json()
    assert outreach["by_week"][-1]["rounds"] == 2 and outreach["by_week"][-1]["people_met"] == 20
    row = outreach["by_week_and_quartier"][-1]
    assert row["quartier"] == "7511901" and "id" not in row
    kits = {r["kit"]: r["count"] for r in client.get("/api/v1/fieldwork/stats/kits").json()}
    assert kits == {"crack_pipe": 30, "syringe": 10, "naloxone": 2}
    referrals = client.get("/api/v1/fieldwork/stats/referrals").json()
    assert referrals[-1]["care"] == 4 and referrals[-1]["housing"] == 2
    timeline = client.get("/api/v1/fieldwork/stats/timeline").json()
    assert set(timeline) == {"operations", "reports"}
    assert client.get("/api/v1/fieldwork/stats/occupancy").json() == []
    assert client.get("/fieldwork/timeline.svg")["Content-Type"] == "image/svg+xml"
    for role in (OBSERVATORY, MODERATOR):
        client.force_login(make_user(f"u-{role}", role))
        assert client.get("/fieldwork/").status_code == 200


def test_no_aggregates_without_a_role(client, make_user):
    assert client.get("/api/v1/fieldwork/stats/outreach").status_code == 401
    client.force_login(make_user("nobody"))
    assert client.get("/api/v1/fieldwork/stats/outreach").status_code == 403
    assert client.get("/fieldwork/").status_code == 403


def test_the_dashboard_names_kits_and_operations_in_the_visitors_language(
    client, make_member, make_round, organisation, quartiers
):
    from observatory.fieldwork.models import Operation

    start = timezone.now() - timedelta(days=1)
    make_round(organisation, started_at=start, kits={"crack_pipe": 1200, "syringe": 3})
    Operation.objects.create(
        kind=Operation.Kind.CLEARANCE, date=start.date(), lat=48.884, lon=2.369, radius_m=100, source="press"
    )
    client.force_login(make_member("worker", organisation))
    html = client.get("/fieldwork/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    kits = html.split('id="kits"')[1].split("</table>")[0]
    assert "crack_pipe" not in kits and "syringe" not in kits
    assert "Crack pipes" in kits or "Crack pipe" in kits
    assert "1,200" in kits  # grouped as people read numbers
    assert "Clearance on " in html and "clearance ·" not in html
    html_fr = client.get("/fieldwork/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "1\u202f200" in html_fr or "1\xa0200" in html_fr or "1 200" in html_fr
