"""/siting/: the saved scenarios, with boxes to tick for a comparison."""

from __future__ import annotations

from django.urls import reverse

from observatory.accounts.roles import MODERATOR

from .test_views_new import create, member, scene  # noqa: F401 (fixtures)


def test_lists_scenarios(client, member, scene):  # noqa: F811
    create(client, name="Deux salles")
    page = client.get(reverse("siting:index")).content.decode()
    assert "Deux salles" in page and 'name="s"' in page and reverse("siting:new") in page


def test_members_only(client, make_user):
    assert client.get(reverse("siting:index")).status_code == 302
    client.force_login(make_user("moderatrice", MODERATOR))
    assert client.get(reverse("siting:index")).status_code == 403
