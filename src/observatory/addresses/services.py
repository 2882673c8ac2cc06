"""Loading an address file and searching it (called by the command and the search view)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from django.db import transaction

from observatory.addresses.core.ban import BanAddress, normalise, read_ban, search_key
from observatory.addresses.models import Address

BATCH = 2000
MAX_RESULTS = 10
MAX_QUERY = 200


def _rows(addresses: Iterable[BanAddress]) -> Iterable[Address]:
    for a in addresses:
        yield Address(
            ban_id=a.ban_id,
            number=a.number,
            suffix=a.suffix,
            street=a.street,
            postcode=a.postcode,
            city=a.city,
            lat=a.lat,
            lon=a.lon,
            search=search_key(a)[:400],
        )


def load(path: str | Path, *, replace: bool = False) -> dict:
    """Load a BAN file, all or nothing: a bad row (InputError, with file, line and field) leaves
    the table as it was. An address already loaded (same BAN id) is updated. ``replace`` empties
    the table first (a new edition of the base)."""
    created = updated = 0
    with transaction.atomic():
        if replace:
            Address.objects.all().delete()
        batch: list[Address] = []

        def write() -> None:
            nonlocal created, updated
            known = set(
                Address.objects.filter(ban_id__in=[a.ban_id for a in batch]).values_list("ban_id", flat=True)
            )
            Address.objects.bulk_create(
                batch,
                update_conflicts=True,
                unique_fields=["ban_id"],
                update_fields=["number", "suffix", "street", "postcode", "city", "lat", "lon", "search"],
            )
            updated += len(known)
            created += len(batch) - len(known)
            batch.clear()

        seen: set[str] = set()
        for row in _rows(read_ban(path)):
            if row.ban_id in seen:
                continue  # the same id twice in one file: the first wins
            seen.add(row.ban_id)
            batch.append(row)
            if len(batch) >= BATCH:
                write()
        if batch:
            write()
    return {"file": str(path), "created": created, "updated": updated, "total": Address.objects.count()}


def search(query: str, limit: int = MAX_RESULTS) -> list[Address]:
    """Addresses whose words start with the query's words ("12 rue d'aub" finds "12 Rue
    d'Aubervilliers"); a number in the query is a whole house number (12 never finds 112)."""
    words = normalise(query[:MAX_QUERY]).split()
    if not words:
        return []
    qs = Address.objects.all()
    for i, word in enumerate(words[:8]):
        last = i == len(words) - 1
        if word.isdigit() or not last:
            qs = qs.filter(search__contains=f" {word} ")
        else:
            qs = qs.filter(search__contains=f" {word}")
    return list(qs.order_by("street", "number", "suffix")[:limit])
