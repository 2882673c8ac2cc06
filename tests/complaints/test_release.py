"""Complaint counts per care place and month through the release engine: noise, threshold, ledger."""

from __future__ import annotations

from datetime import UTC, date, datetime

import numpy as np
import pytest

from observatory.complaints import services
from observatory.complaints.models import Complaint
from observatory.releases import core
from observatory.releases import services as releases
from observatory.releases.models import ComplaintRelease, ReleasedComplaintCount

pytestmark = pytest.mark.django_db

OCTOBER = core.period_of(date(2026, 10, 1), "month")
NOVEMBER_10 = datetime(2026, 11, 10, tzinfo=UTC)


def _file(n, place=None, answered=0):
    for i in range(n):
        c, _ = services.file_complaint(services.Filing(kind="care_refused", reason="full", care_place=place))
        Complaint.objects.filter(pk=c.pk).update(
            filed_at=datetime(2026, 10, 1 + i % 28, 12, tzinfo=UTC),
            first_answer_at=datetime(2026, 10, 29, tzinfo=UTC) if i < answered else None,
        )


def test_counts_per_place_exact_without_noise_and_small_counts_hidden(place, monkeypatch, client):
    monkeypatch.setattr(core, "noisy_counts", lambda exact, scale: np.asarray(exact, dtype=np.int64))
    _file(12, place, answered=7)
    _file(2)  # no place named: under the threshold, not shown
    rel = releases.release_complaints(OCTOBER, now=NOVEMBER_10)
    assert rel.complaints == 14 and rel.threshold >= 5 and rel.domain_size == 2
    assert rel.epsilon == pytest.approx(releases.policy().epsilon_of("month"))
    shown = {(c.care_place_id, c.measure): c.count for c in ReleasedComplaintCount.objects.all()}
    assert shown == {(place.pk, "received"): 12, (place.pk, "answered"): 7}
    page = client.get("/complaints/released/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Espace Jaurès" in body and ">12<" in body and ">7<" in body


def test_a_month_is_released_once_and_not_before_its_delay(place):
    _file(3, place)
    with pytest.raises(ValueError):
        releases.release_complaints(OCTOBER, now=datetime(2026, 11, 1, tzinfo=UTC))
    releases.release_complaints(OCTOBER, now=NOVEMBER_10)
    with pytest.raises(core.BudgetExceeded):
        releases.release_complaints(OCTOBER, now=NOVEMBER_10)
    with pytest.raises(ValueError):
        releases.release_complaints(core.period_of(date(2026, 10, 5), "week"), now=NOVEMBER_10)
    assert releases.complaint_due_periods(now=NOVEMBER_10) == []
    assert ComplaintRelease.objects.count() == 1


def test_due_months_are_released_by_the_command(place):
    from io import StringIO

    from django.core.management import call_command

    _file(2, place)
    assert releases.complaint_due_periods(now=NOVEMBER_10) == [OCTOBER]
    out = StringIO()
    call_command("release", stdout=out)
    assert "complaints 2026-10" in out.getvalue()
    assert ComplaintRelease.objects.filter(period_start=OCTOBER.start).exists()


def test_noise_is_on_every_count(place):
    # One complaint in a month: with noise of the month's scale and the threshold, it is almost
    # never shown; the domain is the care places, never the complaints.
    _file(1, place)
    rel = releases.release_complaints(OCTOBER, now=NOVEMBER_10)
    assert rel.scale == pytest.approx(core.histogram_scale(releases.policy().epsilon_of("month")))
    assert all(c.count >= rel.threshold for c in rel.counts.all())
