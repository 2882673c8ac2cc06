from django.conf import settings
from django.http import HttpRequest

from observatory.accounts.roles import is_moderator


def city(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    return {"city": settings.CITY, "is_moderator": bool(user and is_moderator(user))}
