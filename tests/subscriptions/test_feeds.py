"""Atom feeds: valid Atom 1.0, and nothing finer than the public release (an attacker reads
every entry and compares it with the released tables: no report text, no point or cell, no time
finer than the period, no number that is not a sum of released counts)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, time, timedelta
from html import unescape

import pytest
from django.db.models import Sum

from observatory.consultation.models import Consultation
from observatory.fieldwork.models import Operation
from observatory.releases.models import Release, ReleasedCount
from observatory.reports.models import Category
from observatory.reports.services import publication
from observatory.subscriptions import services

from .conftest import STALINGRAD, arrondissement_of, release_until

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"
SECRET = "SECRET-TEXT-2605"


def _feed(client, path: str) -> ET.Element:
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    return root


def _released_sum(release: Release, cells, category_id=None) -> int:
    qs = ReleasedCount.objects.filter(release=release)
    qs = qs.filter(category__isnull=True) if category_id is None else qs.filter(category_id=category_id)
    if cells is not None:
        qs = qs.filter(cell__in=cells)
    return qs.aggregate(n=Sum("count"))["n"] or 0


@pytest.fixture
def published(scene, make_report):
    """A real published report with a text, a precise point and time, inside the quartier."""
    report = make_report(SECRET)
    publication.set_status(report, "published")
    Operation.objects.create(
        date=date(2026, 2, 11),
        kind="clearance",
        lat=STALINGRAD[0],
        lon=STALINGRAD[1],
        radius_m=150,
        source="préfecture",
    )
    Consultation.objects.create(
        question="Un lieu de repos à Stalingrad ?",
        starts_at=datetime(2026, 2, 2, 9, tzinfo=UTC),
        ends_at=datetime(2026, 2, 20, 18, tzinfo=UTC),
    )
    release_until(date(2026, 4, 20))
    return report


def test_feeds_are_atom_with_the_required_elements(client, published, scene):
    for area in (None, scene, arrondissement_of(scene)):
        _check_atom(_feed(client, services.feed_path(area)))


def _check_atom(root: ET.Element) -> None:
    for tag in ("id", "title", "updated"):
        assert (root.findtext(f"{ATOM}{tag}") or "").strip(), tag
    assert root.find(f"{ATOM}author/{ATOM}name") is not None
    assert root.find(f"{ATOM}link[@rel='self']") is not None
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) >= 4  # months and weeks, the consultation, the plan when there is one
    ids = [e.findtext(f"{ATOM}id") for e in entries]
    assert len(set(ids)) == len(ids)
    for e in entries:
        for tag in ("id", "title", "updated"):
            assert (e.findtext(f"{ATOM}{tag}") or "").strip(), tag
        datetime.fromisoformat(e.findtext(f"{ATOM}updated"))  # RFC 3339
    titles = " ".join(e.findtext(f"{ATOM}title") or "" for e in entries)
    assert "Consultation opens" in titles and "Consultation closes" in titles


def test_an_unknown_area_has_no_feed(client, scene):
    assert client.get("/feed/quartier/nowhere/").status_code == 404


def test_the_feed_holds_nothing_finer_than_the_public_release(client, published, scene):
    for area in (None, scene, arrondissement_of(scene)):
        _attack(client, published, area)


def _attack(client, published, area) -> None:
    cells = None if area is None else services.cells_in(area)
    raw = client.get(services.feed_path(area)).content.decode()
    assert SECRET not in raw
    assert not re.search(r"\b8[0-9a-f]{14}\b", raw), "an H3 cell id"
    assert not re.search(r"\d+\.\d{3,}", raw), "a coordinate"
    root = ET.fromstring(raw)
    categories = {c.name_en: c.pk for c in Category.objects.all()}
    releases = {r.pk: r for r in Release.objects.all()}
    checked, totals = 0, []
    for entry in root.findall(f"{ATOM}entry"):
        entry_id = entry.findtext(f"{ATOM}id") or ""
        m = re.search(r"#release-(\d+)$", entry_id)
        if not m:
            continue
        release = releases[int(m.group(1))]
        updated = datetime.fromisoformat(entry.findtext(f"{ATOM}updated") or "")
        # No time finer than a day, and never before the period is over.
        assert updated.timetz() == time(0, tzinfo=updated.tzinfo) and updated.utcoffset() == timedelta(0)
        assert updated.date() >= release.period_end
        summary = unescape(entry.findtext(f"{ATOM}summary") or "")
        total = _released_sum(release, cells)
        totals.append(total)
        assert re.search(rf"All categories: <data class=\"released\" value=\"{total}\">", summary)
        assert f": {total} reports" in (entry.findtext(f"{ATOM}title") or "")
        for name, n in re.findall(r"<li>([^<:]+): <data class=\"released\" value=\"(\d+)\">", summary):
            assert int(n) == _released_sum(release, cells, categories[name]), name
        for kind, n in re.findall(r"<li>([^<:]+): <data class=\"operations\" value=\"(\d+)\">", summary):
            start, end = release.period_start, release.period_end
            assert int(n) == Operation.objects.filter(date__gte=start, date__lt=end).count(), kind
        # Apart from the released numbers, the only digits are the period's own dates.
        rest = re.sub(r"<data[^>]*>\d+</data>", "", summary)
        years = {str(release.period_start.year), str(release.last_day.year)}
        allowed = years | {str(d) for d in range(1, 32)}
        assert set(re.findall(r"\d+", rest)) <= allowed, rest
        checked += 1
    assert checked == Release.objects.count() or checked == services.FEED_RELEASES
    assert checked > 0 and max(totals) > 0  # the comparison is not a comparison of zeros
