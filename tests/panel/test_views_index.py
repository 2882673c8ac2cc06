"""/panel/: every panel, with the way to volunteer while registration is open."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from .test_views_new import create_panel, member  # noqa: F401 (fixture)


def test_visitors_see_panels_and_the_registration_link(client, member):  # noqa: F811
    panel = create_panel(client)
    page = Client(HTTP_ACCEPT_LANGUAGE="en").get(reverse("panel:index")).content.decode()
    assert panel.name in page and reverse("panel:register", args=[panel.pk]) in page
    manage = f'href="{reverse("panel:manage", args=[panel.pk])}"'
    assert reverse("panel:new") not in page and manage not in page
    member_page = client.get(reverse("panel:index")).content.decode()
    assert reverse("panel:new") in member_page and manage in member_page
