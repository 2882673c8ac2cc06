"""observatory apikey create NAME [--role submit|city-service] | list | revoke NAME"""

from __future__ import annotations

import secrets

from django.core.management.base import BaseCommand, CommandError

from observatory.reports.models import ApiKey

# Command-line spelling -> ApiKey.Role.
ROLES = {"submit": ApiKey.Role.SUBMIT, "city-service": ApiKey.Role.CITY_SERVICE}


class Command(BaseCommand):
    help = (
        "Create, list or revoke API keys (Open311 POST). A key is printed once, only its hash is kept. "
        "--role city-service lets the key read full Open311 records (see docs/open311.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["create", "list", "revoke"])
        parser.add_argument("name", nargs="?")
        parser.add_argument(
            "--role",
            choices=sorted(ROLES),
            default="submit",
            help="submit (default): submits, reads what anyone reads; "
            "city-service: also reads the full record of published reports",
        )

    def handle(self, *args, action, name, role="submit", **opts):
        if action == "list":
            for k in ApiKey.objects.order_by("name"):
                state = "active" if k.active else "revoked"
                self.stdout.write(f"{k.name}\t{state}\t{k.role.replace('_', '-')}\t{k.created_at:%Y-%m-%d}")
            return
        if role != "submit" and action != "create":
            raise CommandError("--role goes with create")
        if not name:
            raise CommandError("give the key's NAME")
        if action == "create":
            if ApiKey.objects.filter(name=name).exists():
                raise CommandError(f"a key named {name!r} exists already")
            key = secrets.token_urlsafe(32)
            ApiKey.objects.create(name=name, key_hash=ApiKey.hash(key), role=ROLES[role])
            self.stdout.write(key)
        else:
            if not ApiKey.objects.filter(name=name).update(active=False):
                raise CommandError(f"no key named {name!r}")
            self.stdout.write(f"revoked {name}")
