"""Roles are Django groups; every check goes through these helpers."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import user_passes_test
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django_otp import user_has_device
from ninja.errors import HttpError
from ninja.security import SessionAuth

MODERATOR = "moderator"
OBSERVATORY = "observatory member"
ORGANISATION = "organisation member"
# Reads and answers the complaints of people who use drugs (complaints/); created by the
# complaints app's migration 0002, assigned in the Django admin.
REFERENT = "complaints referent"
ALL_GROUPS = (MODERATOR, OBSERVATORY, ORGANISATION, REFERENT)


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


def needs_second_factor(user) -> bool:
    """Enrolled in TOTP (accounts/otp.py) but this session not yet verified: staff pages wait."""
    return bool(user.is_authenticated and user_has_device(user) and not user.is_verified())


def role_required(*roles: str):
    """View decorator: logged-in users with one of the roles (anonymous users go to login).

    Staff who enrolled a second factor (accounts/otp.py) must also have verified this session.
    """

    def check(user) -> bool:
        if not user.is_authenticated:
            return False
        if has_role(user, *roles):
            return True
        raise PermissionDenied

    def decorator(view):
        gated = user_passes_test(check)(view)

        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if needs_second_factor(request.user):
                return redirect_to_login(request.get_full_path(), reverse("otp-verify"), "next")
            return gated(request, *args, **kwargs)

        return wrapper

    return decorator


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
        if user and self.roles and needs_second_factor(user):
            raise HttpError(403, "verify your second factor first")
        return user
