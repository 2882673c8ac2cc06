"""The public subscription forms say what is wrong at the top, as sentences, with links to the fields."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db


def summary_links(html: str) -> list[tuple[str, str]]:
    """(anchor, text) of each error listed in the summary; each anchor is a field below it."""
    start = html.index('id="error-summary"')
    box = html[start : html.index("</div>", start)]
    links = re.findall(r'<a href="#([^"]+)">([^<]+)</a>', box)
    for anchor, _text in links:
        assert html.index(f'id="{anchor}"') > start, f"#{anchor} is not on the page, below the summary"
    return links


def test_subscribe_errors_are_summarised_at_the_top(client, paris_areas):
    assert 'id="error-summary"' not in client.get("/subscribe/").content.decode()
    wrong = {"area": "quartier:nowhere", "email": "not an address", "cadence": "day"}
    page = client.post("/subscribe/", wrong)
    assert page.status_code == 400
    html = page.content.decode()
    assert html.index('id="error-summary"') < html.index('class="subscribe"')  # above the form
    assert "There are 3 problems to fix" in html
    links = dict(summary_links(html))
    assert set(links) == {"id_area", "id_email", "id_cadence"}
    assert links["id_email"] == "Your e-mail address: Enter a valid email address."
    assert links["id_area"].startswith("Area: Select a valid choice.")
    assert links["id_cadence"].startswith("How often: Select a valid choice.")


def test_an_area_gone_while_the_form_was_open_is_a_sentence(client, paris_areas, monkeypatch):
    from observatory.subscriptions import views

    monkeypatch.setattr(views.services, "area_from_key", lambda key: (False, None))
    page = client.post("/subscribe/", {"area": "city", "email": "a@example.org", "cadence": "month"})
    assert page.status_code == 400
    links = dict(summary_links(page.content.decode()))
    assert links == {"id_area": "Area: This area is unknown: choose one from the list."}


def test_notice_errors_are_summarised_at_the_top(client, make_user):
    client.force_login(make_user("resident"))
    page = client.post("/me/notices/", {"email": "nope"})
    assert page.status_code == 400
    assert dict(summary_links(page.content.decode())) == {
        "id_email": "Your e-mail address: Enter a valid email address."
    }
