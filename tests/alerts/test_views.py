"""Alert pages: members see the list and an alert with its map; the observatory sets who receives
what; anonymous visitors, residents and moderators see nothing of them."""

from __future__ import annotations

import datetime as dt
import json
import re

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
        cells=["891fb46608fffff", "891fb466087ffff"],
        areas=["881fb46609fffff"],
        place="Villette",
        centre_lat=48.8858,
        centre_lon=2.3704,
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
    assert "891fb46608fffff" not in text  # labels, never internal codes
    assert reverse("alerts:list") in client.get(reverse("home")).content.decode()


def test_numbers_are_written_the_french_way_on_a_french_page(client, members, alert):
    Alert.objects.filter(pk=alert.pk).update(expected=1.5, p_value=0.0123)
    alert.refresh_from_db()
    _login(client, members["outreach"])
    page = client.get(reverse("alerts:detail", args=[alert.pk]), HTTP_ACCEPT_LANGUAGE="fr")
    text = page.content.decode()
    assert '<html lang="fr">' in text
    # The sentence, the facts table and the list: a decimal comma, never "1.5".
    lede = re.search(r'<p class="lede">(.*?)</p>', text, re.S).group(1)
    assert "11 signalements" in lede and "1,5" in lede and "1.5" not in lede
    assert "<td>1,5</td>" in text and "<td>0,012</td>" in text
    listing = client.get(reverse("alerts:list"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "<td>1,5</td>" in listing and "1.5" not in listing
    # The same alert in English keeps its decimal point.
    english = client.get(reverse("alerts:detail", args=[alert.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert "1.5 were expected" in english.content.decode()


def test_small_expected_counts_keep_two_digits_in_the_language_of_the_reader(alert):
    from django.utils import translation

    alert.expected, alert.observed = 0.35, 4.5  # people met, shared over the area's cells
    with translation.override("fr"):
        said = services.sentence(alert)
        assert "4,5" in said and "0,35" in said and "0.35" not in said
        assert services.p_value_text(2e-7) == "< 0,0001"
    with translation.override("en"):
        assert "0.35 were expected" in services.sentence(alert)
        assert services.expected_text(0.042) == "0.042"


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


def test_the_alert_map_gives_its_area_as_a_layer_a_legend_and_a_table(client, members, alert):
    _login(client, members["outreach"])
    text = client.get(reverse("alerts:detail", args=[alert.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    # One plain sentence first, then the map on the site's one base, its picture for no JavaScript.
    figure = text[text.index('<figure class="alert-map"') :]
    assert re.match(r'<figure[^>]*>\s*<p class="summary"[^>]*>The map shows the alert', figure)
    assert 'id="alert-map"' in text and "data-base=" in text and "data-labels-url=" in text
    assert re.search(r"<noscript><div class=\"map-svg\"><svg", text)
    layer = re.search(r'<script id="alert-map-layer" type="application/json">(.*?)</script>', text, re.S)
    features = json.loads(layer.group(1))["features"]
    assert [f["properties"]["kind"] for f in features] == ["cell", "cell", "centre"]
    assert features[2]["geometry"]["coordinates"] == [2.3704, 48.8858]
    legend = re.search(r'<figcaption class="map-legend" id="alert-map-legend">(.*?)</figcaption>', text, re.S)
    assert "the alert’s area" in legend.group(1) and "centre of the cluster" in legend.group(1)
    # The table says where the area lies in words (no quartier is loaded here: outside them all).
    table = re.search(r'<table id="alert-area">(.*?)</table>', text, re.S).group(1)
    assert "Outside the quartiers" in table and "<td>2</td>" in table
