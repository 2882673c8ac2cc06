from django.conf import settings
from django.http import HttpRequest

from observatory.accounts.roles import OBSERVATORY, REFERENT, has_role, is_moderator


def city(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    return {
        "city": settings.CITY,
        "is_moderator": bool(user and is_moderator(user)),
        "is_observatory": bool(user and has_role(user, OBSERVATORY)),
        "is_referent": bool(user and has_role(user, REFERENT)),
    }
