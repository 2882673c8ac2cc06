"""observatory load-demo: areas, the demo logins with their roles, seeded reports and the demo's
street addresses for the report form's address search, once."""

from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from observatory.addresses.models import Address
from observatory.reports.models import Area, CellDayCount, Report

pytestmark = pytest.mark.django_db


def test_basic_demo_loads_once_with_logins(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    out = StringIO()
    call_command("load_demo", "--generator", "basic", "--days", "20", stdout=out)
    assert Area.objects.filter(level="quartier").count() == 80
    n = Report.objects.count()
    assert (
        n > 300 and Report.objects.filter(area__isnull=False).count() >= 0.99 * n
    )  # a few land past the ring road
    published = Report.objects.filter(status="published").count()
    assert sum(CellDayCount.objects.values_list("count", flat=True)) == published > 0
    text = out.getvalue()
    for name in ("admin", "moderator", "observatory", "outreach"):
        assert f"  {name} / " in text
    assert User.objects.get(username="moderator").groups.filter(name="moderator").exists()
    # The report form's address search finds the demo's streets of the 18th and 19th.
    assert "addresses: 318 added" in text
    found = Client().get(reverse("address-search"), {"q": "avenue de flandre"}).json()["results"]
    assert found and all("Avenue de Flandre, 75019 Paris 19e" in r["label"] for r in found)
    assert all(48.87 < r["lat"] < 48.91 and 2.35 < r["lon"] < 2.39 for r in found)  # north-east Paris
    numbered = Client().get(reverse("address-search"), {"q": "19 rue pajol"}).json()["results"]
    assert [r["label"] for r in numbered] == ["19 Rue Pajol, 75018 Paris 18e Arrondissement"]
    addresses = Address.objects.count()
    call_command("load_demo", "--generator", "basic", "--days", "20", stdout=StringIO())
    assert Report.objects.count() == n and Address.objects.count() == addresses  # a second run adds nothing
