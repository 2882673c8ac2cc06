"""Alert pages: members see the list and an alert with its map; the observatory sets who receives
what; anonymous visitors, residents and moderators see nothing of them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from observatory.alerts import services
from observatory.alerts.models import Alert, RecipientRule

from .conftest import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture
def alert(db):
    return Alert.objects.create(
        kind=Alert.Kind.CLUSTER,
        cells=["891fb466257ffff", "891fb466253ffff"],
        areas=["881fb46625fffff"],
        place="Villette",
        centre_lat=48.8843,
        centre_lon=2.3678,
        radius_m=180.0,
        window_start=NOW - dt.timedelta(hours=12),
        window_end=NOW,
        observed=11,
        expected=1.4,
        p_value=1e-5,
        recurrence_days=4166.7,
        signalled_at=NOW,
        last_signalled_at=NOW,
        recipients=2,
    )


def _login(client, user):
    client.force_login(user)
    return client


@pytest.mark.parametrize("who", ["anonymous", "resident", "moderator"])
def test_alerts_are_never_shown_to_the_public_residents_or_moderators(client, members, alert, who):
    if who != "anonymous":
        _login(client, members[who])
    for url in (
        reverse("alerts:list"),
        reverse("alerts:detail", args=[alert.pk]),
        reverse("alerts:recipients"),
    ):
        response = client.get(url)
        if who == "anonymous":
            assert response.status_code == 302 and reverse("login") in response["Location"]
        else:
            assert response.status_code == 403
        assert b"Villette" not in response.content
    # Nor in the menu of a page they can see.
    home = client.get(reverse("home"))
    assert reverse("alerts:list").encode() not in home.content


@pytest.mark.parametrize("who", ["outreach", "care", "observatory"])
def test_members_see_the_list_and_an_alert_with_its_map(client, members, alert, who):
    _login(client, members[who])
    listing = client.get(reverse("alerts:list"))
    assert listing.status_code == 200
    assert listing["Cache-Control"].startswith("no-cache") or "no-store" in listing["Cache-Control"]
    assert b"Villette" in listing.content and b"emerging cluster of reports" in listing.content
    page = client.get(reverse("alerts:detail", args=[alert.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert services.sentence(alert).replace("'", "&#x27;") in text
    assert "<svg" in text and "The map shows the alert" in text
    assert "once in 11 years by chance alone" in text
    assert "891fb466257ffff" not in text  # labels, never internal codes
    assert reverse("alerts:list") in client.get(reverse("home")).content.decode()


def test_only_the_observatory_sets_who_receives_the_alerts(client, members):
    _login(client, members["outreach"])
    assert client.get(reverse("alerts:recipients")).status_code == 403
    assert client.post(reverse("alerts:recipients"), {}).status_code == 403
    assert services.rules()[(RecipientRule.Audience.HARM_REDUCTION, Alert.Kind.CLUSTER)] is True

    _login(client, members["observatory"])
    page = client.get(reverse("alerts:recipients"))
    assert page.status_code == 200
    assert b"members of outreach and harm-reduction organisations" in page.content
    assert b"never to the public" in page.content
    # Keep everything but turn off rounds alerts for harm-reduction teams, turn on care teams' clusters.
    data = {
        f"{a}__{k}": "on"
        for (a, k), on in services.rules().items()
        if on and not (a == "harm_reduction" and k == "rounds")
    }
    data["other_organisations__cluster"] = "on"
    response = client.post(reverse("alerts:recipients"), data)
    assert response.status_code == 302
    rules = services.rules()
    assert rules[("harm_reduction", "rounds")] is False
    assert rules[("other_organisations", "cluster")] is True
    assert rules[("observatory", "rise")] is True
    assert services.recipients(Alert.Kind.ROUNDS) == ["observer@example.org"]
    from observatory.accounts.models import AuditEntry

    entry = AuditEntry.objects.get(action="alerts.recipients")
    assert entry.after == {"harm_reduction:rounds": False, "other_organisations:cluster": True}
