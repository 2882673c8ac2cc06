"""/consultations/<id>/: each option's evidence sheet (released counts within 500 m, sensitive places)."""

from datetime import timedelta

import numpy as np
import pytest
from django.utils import timezone

from observatory.consultation.models import SensitivePlace
from observatory.releases import core, services

pytestmark = pytest.mark.django_db


def test_the_evidence_sheet_counts_released_reports_within_500_m(
    client, make_consultation, make_report, monkeypatch
):
    # The sheet is public: it reads the release engine's counts (whole released months, cells whose
    # centre is within 500 m), never the reports. Noise off here to assert exact sums.
    monkeypatch.setattr(core, "noisy_counts", lambda exact, scale: np.asarray(exact, dtype=np.int64))
    c = make_consultation()
    site = c.options.get(name="Rue d'Aubervilliers")
    today = timezone.now()
    old = (today - timedelta(days=62)).replace(day=10, hour=12)  # in a month released by now
    for _ in range(10):
        make_report(
            lat=site.lat + 0.002, lon=site.lon, category="drug_use", status="published", observed_at=old
        )
    make_report(
        lat=site.lat, lon=site.lon, category="drug_use", status="pending", observed_at=old
    )  # unmoderated
    for _ in range(10):
        make_report(lat=site.lat + 0.008, lon=site.lon, status="published", observed_at=old)  # ~890 m away
    long_ago = today - timedelta(days=400)
    for _ in range(10):
        make_report(lat=site.lat, lon=site.lon, status="published", observed_at=long_ago)  # over a year
    make_report(lat=site.lat, lon=site.lon, category="violence_suffered", status="published", observed_at=old)
    services.release_due(now=today)
    SensitivePlace.objects.create(name="École Tanger", kind="school", lat=site.lat + 0.003, lon=site.lon)
    SensitivePlace.objects.create(name="Square far", kind="playground", lat=48.90, lon=2.40)
    response = client.get(f"/consultations/{c.pk}/")
    sheet = next(s for s in response.context["sheets"] if s["option"] == site)["evidence"]
    # 10 near in a released month; the single report is under the threshold, so not shown.
    assert sheet["reports_total"] == 10 and len(sheet["reports"]) == 1
    assert [p["name"] for p in sheet["places"]] == ["École Tanger"]
    assert sheet["nearest_school"] == {"name": "École Tanger", "m": 334}
    assert sheet["scenario"] == {"covered_weight": 120.0, "coverage_share": 0.62}
    html = response.content.decode()
    assert "Nearest school: École Tanger, 334 m." in html and 'class="option-map' in html
    assert "<script>" not in html  # every script is a static file (CSP)
    assert 'data-lat="48.887"' in html  # unlocalised even in French
