"""/panel/<id>/ (and /status/): a member's page for a panel: counts, settings, next steps."""

from __future__ import annotations

from django.urls import reverse

from observatory.accounts.roles import ORGANISATION
from observatory.panel.models import Panel

from .test_views_new import create_panel, member, panel_data, pool_panel, register  # noqa: F401


def test_counts_per_value_next_to_quotas(client, pool_panel):  # noqa: F811
    response = client.get(reverse("panel:manage", args=[pool_panel.pk]))
    assert response.status_code == 200
    counts = {
        (r["feature"].key, v["value"].key): v["count"]
        for r in response.context["counts"]
        for v in r["values"]
    }
    assert counts[("gender", "woman")] == 8 and counts[("age-bracket", "40-and-over")] == 10
    assert 'id="volunteer-count">16<' in response.content.decode()


def test_open_and_close_registration(client, pool_panel):  # noqa: F811
    url = reverse("panel:status", args=[pool_panel.pk])
    assert client.post(url, {"status": "closed"}).status_code == 302
    assert Panel.objects.get(pk=pool_panel.pk).status == "closed"
    assert client.post(url, {"status": "drawn"}).status_code == 400  # not a step one can jump to
    assert client.post(url, {"status": "open"}).status_code == 302
    assert Panel.objects.get(pk=pool_panel.pk).status == "open"


def test_settings_change_but_features_stay_once_someone_registered(client, member):  # noqa: F811
    panel = create_panel(client)
    url = reverse("panel:manage", args=[panel.pk])
    new = "Gender: Woman, Man\nQuartier: Stalingrad, Flandre"
    assert client.post(url, panel_data(size="5", features=new)).status_code == 302
    assert [f.key for f in panel.features.all()] == ["gender", "quartier"]
    panel = create_panel(client, name="Second")
    register(panel, "woman", "16-39", 1)
    response = client.post(reverse("panel:manage", args=[panel.pk]), panel_data(size="6", features=new))
    assert response.status_code == 302
    panel.refresh_from_db()
    assert panel.size == 6 and [f.key for f in panel.features.all()] == ["gender", "age-bracket"]


def test_bad_settings_are_refused_on_their_field(client, member):  # noqa: F811
    panel = create_panel(client)
    response = client.post(reverse("panel:manage", args=[panel.pk]), panel_data(size="-1"))
    assert response.status_code == 400 and response.context["form"].errors["size"]
    assert Panel.objects.get(pk=panel.pk).size == 4


def test_only_observatory_members(client, member, make_user):  # noqa: F811
    panel = create_panel(client)
    client.force_login(make_user("outreach", ORGANISATION))
    assert client.get(reverse("panel:manage", args=[panel.pk])).status_code == 403
    assert client.post(reverse("panel:status", args=[panel.pk]), {"status": "closed"}).status_code == 403
    assert Panel.objects.get(pk=panel.pk).status == "open"


def test_method_by_name_and_numbers_grouped(client, member):  # noqa: F811
    from django.test import Client

    panel = create_panel(client, method="nash", size="1200")
    page = client.get(reverse("panel:manage", args=[panel.pk])).content.decode()
    assert 'data-method="nash">Nash</dd>' in page and "<dd>1,200</dd>" in page
    public = Client(HTTP_ACCEPT_LANGUAGE="en").get(reverse("panel:draw", args=[panel.pk])).content.decode()
    assert "method “Nash”" in public and "1,200 seats are drawn" in public
    assert "“nash”" not in public
    from django.utils import translation
    from django.utils.formats import number_format

    with translation.override("fr"):
        french = number_format(1200, force_grouping=True)
    index = Client(HTTP_ACCEPT_LANGUAGE="fr").get(reverse("panel:index")).content.decode()
    assert french != "1200" and f"{french} " in index
