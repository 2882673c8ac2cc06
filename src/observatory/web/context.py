from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext, gettext_noop

from observatory.accounts.roles import OBSERVATORY, REFERENT, has_role, is_moderator

# The built-in city packs' attributions (geo/cities/*/city.json), named here so that they reach
# the catalogue: the footer shows them in the visitor's language. A city's own pack shows its text
# as written.
ATTRIBUTIONS = (
    gettext_noop("Quartier and arrondissement boundaries: Ville de Paris open data (ODbL)"),
    gettext_noop("DataSF open data (PDDL)"),
    gettext_noop("City of Boston open data (PDDL)"),
)


def city(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    attribution = settings.CITY.attribution
    return {
        "city": settings.CITY,
        "city_attribution": gettext(attribution) if attribution else "",
        "tile_url": settings.OBSERVATORY_TILE_URL,
        "is_moderator": bool(user and is_moderator(user)),
        "is_observatory": bool(user and has_role(user, OBSERVATORY)),
        "is_referent": bool(user and has_role(user, REFERENT)),
    }
