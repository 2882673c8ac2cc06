"""observatory apply-retention: old text reduced to category and place."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from observatory.reports.models import Report

pytestmark = pytest.mark.django_db


def test_old_text_is_erased_and_recent_text_kept(make_report):
    old = make_report(description="raw words")
    recent = make_report(description="recent words")
    Report.objects.filter(pk=old.pk).update(
        received_at=timezone.now() - timedelta(days=400), original_description="first words"
    )
    out = StringIO()
    call_command("apply_retention", "--dry-run", stdout=out)
    assert "would reduce 1" in out.getvalue()
    assert Report.objects.get(pk=old.pk).description == "raw words"
    call_command("apply_retention", stdout=StringIO())
    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.description, old.original_description) == ("", "")
    assert old.text_purged_at is not None and old.category.code == "drug_use" and old.lat
    assert recent.description == "recent words"
