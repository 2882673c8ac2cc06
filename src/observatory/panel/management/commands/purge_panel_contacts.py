"""observatory purge-panel-contacts: delete volunteers' contact details once their panel's term ended.

Meant for the daily scheduler beside ``apply-retention``. Feature values and public ids stay, so
the published pool and audit file still verify; names, phone numbers and e-mail addresses go.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from observatory.panel.services import purge_expired_contacts


class Command(BaseCommand):
    help = "Delete the contact details of volunteers whose panel's term has ended."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="count, delete nothing")

    def handle(self, *args, dry_run: bool, **opts):
        n = purge_expired_contacts(dry_run=dry_run)
        verb = "would delete" if dry_run else "deleted"
        self.stdout.write(f"{verb} {n} panel contacts past their panel's term")
