"""Loading generated reports: the Paris simulation into the database, once."""

from datetime import timedelta

import pytest
from django.utils import timezone

from observatory.reports.models import CellDayCount, Report
from observatory.reports.services.loading import load_records
from observatory.simulation.core.model import Simulation
from observatory.simulation.core.scenario import load_scenario

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def simulated_records():
    scenario = load_scenario("paris").with_overrides(days=20, seed=7)
    return Simulation(scenario).run().reports.records()


def test_simulated_reports_load_once_shifted_to_now(simulated_records, paris_areas):
    assert simulated_records, "the Paris scenario should file reports in 20 days"
    end = timezone.now() - timedelta(hours=1)
    stored, again = load_records(simulated_records, source_name="t", end_at=end)
    assert stored == Report.objects.count() > 0 and again == 0
    latest = Report.objects.order_by("-observed_at").first()
    assert abs((latest.observed_at - end).total_seconds()) < 1
    assert set(Report.objects.values_list("source", flat=True)) == {"simulation"}
    # Recent ones wait for moderation; older ones are published and counted on the public map.
    assert (
        Report.objects.filter(status="pending", observed_at__lt=timezone.now() - timedelta(days=3)).count()
        == 0
    )
    published = Report.objects.filter(status="published").count()
    assert sum(CellDayCount.objects.values_list("count", flat=True)) == published
    assert Report.objects.filter(area__isnull=False).count() == stored  # all inside Paris quartiers
    stored2, again2 = load_records(simulated_records, source_name="t", end_at=end)
    assert (stored2, again2) == (0, stored)


def test_simulate_load_command(capsys, paris_areas):
    from observatory.simulation.cli import main

    assert main(["paris", "--days", "10", "--seed", "3", "--load", "--end-now", "--json"]) == 0
    import json

    out = json.loads(capsys.readouterr().out)
    assert out["loaded"] == Report.objects.count() > 0


def test_end_now_without_load_is_refused(capsys):
    from observatory.simulation.cli import main

    assert main(["paris", "--days", "1", "--end-now"]) == 2
    assert "--end-now" in capsys.readouterr().err
