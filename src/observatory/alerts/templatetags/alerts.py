"""``{% load alerts %}``: ``user|sees_alerts`` for the menu entry (organisation and observatory members)."""

from django import template

from observatory.accounts.roles import OBSERVATORY, ORGANISATION, has_role

register = template.Library()


@register.filter
def sees_alerts(user) -> bool:
    return bool(user) and has_role(user, ORGANISATION, OBSERVATORY)
