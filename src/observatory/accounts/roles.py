"""Roles are Django groups; every check goes through these helpers."""

from __future__ import annotations

from django.contrib.auth.decorators import user_passes_test
from ninja.errors import HttpError
from ninja.security import SessionAuth

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


class ApiRoles(SessionAuth):
    """django-ninja auth for API operations: the session's user, with one of the roles.

    Ninja runs auth before it reads the body, so a caller without the role gets 401 or 403
    whatever they send, and learns nothing from validation errors. As session (cookie) auth it
    also enforces CSRF on writes. No roles given: any logged-in account.
    """

    def __init__(self, *roles: str) -> None:
        super().__init__(csrf=True)
        self.roles = roles

    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        if user and self.roles and not has_role(user, *self.roles):
            raise HttpError(403, "your role does not allow this")
        return user
