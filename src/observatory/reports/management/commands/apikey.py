"""observatory apikey create NAME | list | revoke NAME"""

from __future__ import annotations

import secrets

from django.core.management.base import BaseCommand, CommandError

from observatory.reports.models import ApiKey


class Command(BaseCommand):
    help = "Create, list or revoke API keys (Open311 POST). A key is printed once, only its hash is kept."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["create", "list", "revoke"])
        parser.add_argument("name", nargs="?")

    def handle(self, *args, action, name, **opts):
        if action == "list":
            for k in ApiKey.objects.order_by("name"):
                self.stdout.write(f"{k.name}\t{'active' if k.active else 'revoked'}\t{k.created_at:%Y-%m-%d}")
            return
        if not name:
            raise CommandError("give the key's NAME")
        if action == "create":
            if ApiKey.objects.filter(name=name).exists():
                raise CommandError(f"a key named {name!r} exists already")
            key = secrets.token_urlsafe(32)
            ApiKey.objects.create(name=name, key_hash=ApiKey.hash(key))
            self.stdout.write(key)
        else:
            if not ApiKey.objects.filter(name=name).update(active=False):
                raise CommandError(f"no key named {name!r}")
            self.stdout.write(f"revoked {name}")
