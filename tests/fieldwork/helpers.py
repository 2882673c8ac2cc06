"""Shared values for the field activity tests."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.utils import timezone

from observatory.fieldwork.models import Organisation

STALINGRAD = (48.8843, 2.3678)  # lat, lon
# The Stalingrad - Jaurès walk, as GeoJSON [lon, lat].
ROUTE = {"type": "LineString", "coordinates": [[2.3678, 48.8843], [2.3706, 48.8830], [2.3722, 48.8815]]}


def round_payload(organisation: Organisation, **overrides) -> dict:
    """A valid round as the API takes it (JSON-ready)."""
    start = timezone.now() - timedelta(hours=3)
    data = {
        "id": str(uuid.uuid4()),
        "organisation": organisation.pk,
        "started_at": start.isoformat(),
        "ended_at": (start + timedelta(hours=2)).isoformat(),
        "route": ROUTE,
        "people_met": 14,
        "new_contacts": 3,
        "meals": 20,
        "referrals_care": 2,
        "referrals_housing": 1,
        "kits": {"crack_pipe": 30, "syringe": 10},
        "notes": "Calme sur la place.",
    }
    data.update(overrides)
    return data
