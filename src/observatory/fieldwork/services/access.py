"""Who may see and do what with field activity (every check goes through these helpers).

- Members of an organisation see their own rounds in detail, enter rounds and their places' counts.
- Everyone with a role (observatory, organisation, moderator) sees the aggregates only.
- Observatory members record operations, care places and manual plan values.
- Moderators redact round notes.
"""

from __future__ import annotations

from observatory.accounts.roles import MODERATOR, OBSERVATORY, ORGANISATION, has_role
from observatory.fieldwork.models import Organisation

DASHBOARD_ROLES = (OBSERVATORY, ORGANISATION, MODERATOR)


def member_organisations(user):
    """The organisations a user works for (none for anonymous users)."""
    if not user.is_authenticated:
        return Organisation.objects.none()
    return Organisation.objects.filter(membership__user=user)


def is_member(user, organisation_id: int | None) -> bool:
    if organisation_id is None or not user.is_authenticated:
        return False
    return member_organisations(user).filter(pk=organisation_id).exists()


def can_see_aggregates(user) -> bool:
    return has_role(user, *DASHBOARD_ROLES)


def can_record_operations(user) -> bool:
    return has_role(user, OBSERVATORY)
