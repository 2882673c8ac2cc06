"""Numbers on public pages in the visitor's language: thousands separators, decimal commas."""

from __future__ import annotations

from django import template
from django.utils import formats
from django.utils.translation import get_language

register = template.Library()


@register.filter
def grouped(value, digits: int = 0) -> str:
    """``1204`` -> "1,204" in English, "1 204" in French; ``digits`` decimals at most."""
    if value is None or value == "":
        return ""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    if number.is_integer() or not digits:
        return formats.number_format(round(number), force_grouping=True)
    text = formats.number_format(round(number, int(digits)), int(digits), force_grouping=True)
    decimal = formats.get_format("DECIMAL_SEPARATOR")
    return text.rstrip("0").rstrip(decimal) if decimal in text else text


@register.filter
def percent(value) -> str:
    """A share (0.42) as a whole percentage in the visitor's language ("42 %" in French)."""
    if value is None:
        return ""
    space = "\u202f" if (get_language() or "").startswith("fr") else ""
    return formats.number_format(round(float(value) * 100), force_grouping=True) + space + "%"
