"""observatory apply-retention: reduce old reports to category and place; purge old photos;
erase the words of old complaints (OBSERVATORY_COMPLAINT_RETENTION_MONTHS after closing).

It lives in web, the top app, because it spans reports, photos, panels and complaints. Meant for a
daily scheduler (cron, systemd timer). Free text is kept raw for
OBSERVATORY_TEXT_RETENTION_MONTHS (default 12), photo originals for OBSERVATORY_PHOTO_RETENTION_DAYS.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from observatory.accounts import audit
from observatory.complaints.services import purge_expired as purge_complaints
from observatory.panel.services import purge_expired_contacts
from observatory.photos.services import purge_expired_originals
from observatory.reports.models import FollowUp, Report


class Command(BaseCommand):
    help = "Apply the retention periods: old report text is erased, old photo originals deleted."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args, dry_run: bool, **opts):
        now = timezone.now()
        months = settings.OBSERVATORY_TEXT_RETENTION_MONTHS
        cutoff = now - timedelta(days=round(months * 30.44))
        old = Report.objects.filter(received_at__lt=cutoff, text_purged_at__isnull=True)
        n = old.count()
        if not dry_run and n:
            with transaction.atomic():
                old.update(description="", original_description="", rejection_reason="", text_purged_at=now)
                audit.record(
                    None,
                    "retention.text",
                    "reports.report",
                    after={"reports": n, "before": cutoff.isoformat()},
                )
        self.stdout.write(
            f"{'would reduce' if dry_run else 'reduced'} {n} reports older than {months} months"
        )
        if not dry_run:
            # Reporters' follow-ups (tracking page) are free text too: the same term.
            FollowUp.objects.filter(created_at__lt=cutoff).exclude(text="").update(text="")
            self.stdout.write(
                f"deleted {purge_expired_originals(now=now)} photo originals past their retention period"
            )
            self.stdout.write(f"deleted {purge_expired_contacts(now)} panel contacts past their term")
        self.stdout.write(
            f"{'would erase' if dry_run else 'erased'} the words of "
            f"{purge_complaints(now, dry_run=dry_run)} complaints past their term"
        )
