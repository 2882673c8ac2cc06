"""observatory load-demo: areas, the demo logins with their roles, and seeded reports, once."""

from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

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
    call_command("load_demo", "--generator", "basic", "--days", "20", stdout=StringIO())
    assert Report.objects.count() == n  # a second run adds nothing
