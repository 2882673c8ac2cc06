"""After `load-demo`, every page of the product has something to show (issue 19, item 2), the
estimated scene is on from the first run (issue 18), and a second run adds nothing."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from observatory.addresses.models import Address
from observatory.analysis.models import ReportingArea
from observatory.consultation.models import Ballot, Consultation
from observatory.demo import content as demo_content
from observatory.fieldwork.models import CarePlace, Indicator, IndicatorValue, Operation, PlaceCount, Round
from observatory.panel.models import Panel, Volunteer
from observatory.reports.models import Report
from observatory.simulation.models import Run, SavedScenario

pytestmark = pytest.mark.django_db

MODELS = (
    Report, Round, ReportingArea, CarePlace, PlaceCount, Indicator, IndicatorValue, Operation,
    Consultation, Ballot, Panel, Volunteer, SavedScenario, Run, Address,
)  # fmt: skip


def _counts() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in MODELS}


def _page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def test_the_demo_fills_every_page_once(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    out = StringIO()
    call_command("load_demo", "--days", "120", stdout=out)
    text = out.getvalue()
    first = _counts()
    assert all(n > 0 for n in first.values()), first
    assert "Unused vote codes for the open consultation:" in text
    assert (tmp_path / "demo_vote_codes.txt").read_text().split()

    admin = Client(HTTP_ACCEPT_LANGUAGE="en")
    admin.force_login(User.objects.get(username="admin"))

    # Care places with their counts.
    places = _page(admin, reverse("fieldwork:places"))
    for name, *_ in demo_content.PLACES:
        assert name in places
    assert PlaceCount.objects.filter(place__kind="consumption_room", visits__gt=0).count() > 100

    # The plan: five commitments with targets and values, none empty.
    plan = _page(admin, reverse("fieldwork:plan"))
    assert "No indicator yet" not in plan and plan.count('class="indicator"') == 5
    assert 'data-latest=""' not in plan  # every indicator has a latest value

    # Operations with their displacement panel (target, buffer and control over published reports).
    patrol = Operation.objects.get(kind="patrol")
    detail = _page(admin, reverse("fieldwork:operation", args=[patrol.pk]))
    assert 'data-status="ready"' in detail and "buffer" in detail

    # Rounds, for the outreach worker of the demo's organisations.
    outreach = Client(HTTP_ACCEPT_LANGUAGE="en")
    outreach.force_login(User.objects.get(username="outreach"))
    rounds = _page(outreach, reverse("fieldwork:rounds"))
    assert "Maraude de jour" in rounds

    # A consultation open for votes, one closed with results.
    open_c = Consultation.objects.get(question=demo_content.OPEN_QUESTION)
    closed = Consultation.objects.get(question=demo_content.CLOSED_QUESTION)
    assert open_c.is_open() and closed.is_over() and closed.ballots.count() > 30
    assert 'name="code"' in _page(Client(), reverse("consultation:vote", args=[open_c.pk]))
    results = _page(Client(HTTP_ACCEPT_LANGUAGE="en"), reverse("consultation:results", args=[closed.pk]))
    assert "Square Forceval" in results and "Évangile" in results and "Avenue de Flandre" in results

    # A panel with volunteers and a committed lottery.
    panel = Panel.objects.get(name=demo_content.PANEL_NAME)
    assert panel.status == Panel.Status.COMMITTED and panel.volunteers.count() == 60
    assert 'id="draw-form"' in _page(admin, reverse("panel:manage", args=[panel.pk]))  # the next step
    assert panel.distribution_sha256 in _page(Client(), reverse("panel:draw", args=[panel.pk]))

    # The what-if: the last year as a finished run, and the form starts from the city's year.
    run = Run.objects.get()
    assert run.status == Run.Status.DONE and run.outputs["days"] >= 119
    assert escape(demo_content.WHATIF_NAME) in _page(admin, reverse("simulation:index"))
    _page(admin, reverse("simulation:run", args=[run.pk]))
    form = admin.get(reverse("simulation:index")).context["form"]
    assert form["base"].initial == "city:last-year"
    scenario = SavedScenario.objects.get()
    assert scenario.data["start"] > "2025-01-01"  # today's year, not the built-in 2019 scene

    # Siting: the estimated scene is the default, and it is computed on the demo's own rounds.
    new = admin.get(reverse("siting:new"))
    assert new.context["form"]["demand_source"].initial == "estimate"
    from observatory.siting.services.demand import day_bounds, estimate_demand

    today = timezone.localdate()
    since, until = day_bounds(today - timedelta(days=90), today)
    demand, summary = estimate_demand(since, until, {"drug_use": 1.0, "dealing": 1.0, "gathering": 1.0}, 9)
    assert len(demand) > 0 and summary["rounds"] > 50

    # A second run adds nothing.
    call_command("load_demo", "--days", "120", stdout=StringIO())
    assert _counts() == first
