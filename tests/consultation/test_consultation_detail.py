"""/consultations/<id>/: each option's evidence sheet (reports within 500 m, sensitive places)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from observatory.consultation.models import SensitivePlace

pytestmark = pytest.mark.django_db


def test_the_evidence_sheet_counts_published_reports_within_500_m(client, make_consultation, make_report):
    c = make_consultation()
    site = c.options.get(name="Rue d'Aubervilliers")
    old = timezone.now() - timedelta(days=30)
    for _ in range(3):
        make_report(
            lat=site.lat + 0.002, lon=site.lon, category="drug_use", status="published", observed_at=old
        )
    make_report(
        lat=site.lat, lon=site.lon, category="drug_use", status="pending", observed_at=old
    )  # unmoderated
    make_report(lat=site.lat + 0.006, lon=site.lon, status="published", observed_at=old)  # ~670 m away
    long_ago = timezone.now() - timedelta(days=400)
    make_report(lat=site.lat, lon=site.lon, status="published", observed_at=long_ago)  # over a year
    SensitivePlace.objects.create(name="École Tanger", kind="school", lat=site.lat + 0.003, lon=site.lon)
    SensitivePlace.objects.create(name="Square far", kind="playground", lat=48.90, lon=2.40)
    response = client.get(f"/consultations/{c.pk}/")
    sheet = next(s for s in response.context["sheets"] if s["option"] == site)["evidence"]
    assert sheet["reports_total"] == 3 and len(sheet["reports"]) == 1
    assert [p["name"] for p in sheet["places"]] == ["École Tanger"]
    assert sheet["nearest_school"] == {"name": "École Tanger", "m": 334}
    assert sheet["scenario"] == {"covered_weight": 120.0, "coverage_share": 0.62}
    html = response.content.decode()
    assert "Nearest school: École Tanger, 334 m." in html and 'class="option-map' in html
    assert "<script>" not in html  # every script is a static file (CSP)
    assert 'data-lat="48.887"' in html  # unlocalised even in French
