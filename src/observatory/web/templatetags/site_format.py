"""Numbers as people read them: {{ n|grouped }} -> "12 345" in French, "12,345" in English,
whatever USE_THOUSAND_SEPARATOR says (turning that on everywhere would also group the numbers
written into data- attributes for the scripts)."""

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def grouped(value, decimals=None):
    if value is None or value == "":
        return value
    try:
        return number_format(value, decimal_pos=decimals, force_grouping=True)
    except (TypeError, ValueError):
        return value
