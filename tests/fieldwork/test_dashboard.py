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
