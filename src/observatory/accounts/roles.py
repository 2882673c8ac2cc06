"""Roles are Django groups; every check goes through these helpers."""

from __future__ import annotations

from django.contrib.auth.decorators import user_passes_test

MODERATOR = "moderator"
OBSERVATORY = "observatory member"
ORGANISATION = "organisation member"
ALL_GROUPS = (MODERATOR, OBSERVATORY, ORGANISATION)


def has_role(user, *roles: str) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return user.groups.filter(name__in=roles).exists()


def is_moderator(user) -> bool:
    return has_role(user, MODERATOR)


def is_staff_role(user) -> bool:
    """Moderators, observatory members and administrators: those who may see a raw report."""
    return has_role(user, MODERATOR, OBSERVATORY)


def role_required(*roles: str):
    """View decorator: logged-in users with one of the roles (anonymous users go to login)."""

    def check(user) -> bool:
        if not user.is_authenticated:
            return False
        if has_role(user, *roles):
            return True
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied

    return user_passes_test(check)
