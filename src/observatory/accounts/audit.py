"""Writing to the audit log: one call per moderation or administrative action."""

from __future__ import annotations

from typing import Any

from observatory.accounts.models import AuditEntry


def record(
    actor,
    action: str,
    obj: Any,
    *,
    before: dict | None = None,
    after: dict | None = None,
    note: str = "",
) -> AuditEntry:
    """Append an entry; ``obj`` is a model instance, or a label such as "reports.report" for an
    action over many objects."""
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    if isinstance(obj, str):
        object_type, object_id = obj, "*"
    else:
        object_type, object_id = obj._meta.label_lower, str(obj.pk)
    return AuditEntry.objects.create(
        actor=actor if authenticated else None,
        actor_name=actor.get_username() if authenticated else "system",
        action=action,
        object_type=object_type,
        object_id=object_id,
        before=before,
        after=after,
        note=note,
    )
