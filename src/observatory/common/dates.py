"""Dates in words as French writes them: "1er octobre 2026", the first of a month an ordinal.

Django's format strings have no French ordinal ("jS" is English only), and every date in words
goes through ``django.utils.dateformat.DateFormat.format``: templates' ``|date:"DATE_FORMAT"``
and dates printed as they are, ``analysis.services.day_words`` (panels, bulletins and their PDF),
e-mails. ``install()``, called once by the web app's ``ready()``, wraps that method there, the one
place: in French, a day of the month (``j``) followed by a month in words (``F``, ``M``, ``E`` or
``N``) reads "1er" on the first. Numeric dates ("01/10/2026") and other languages are untouched.
"""

from __future__ import annotations

import re

from django.utils import dateformat, translation

_MONTH_IN_WORDS = re.compile(r"\s*[FMEN]")


def ordinal_first(format_string: str) -> str:
    """``format_string`` with each day of the month before a month's name written "1er"
    (``j`` -> ``j\\e\\r``), for a date that falls on the first; escaped letters are kept."""
    out: list[str] = []
    i = 0
    while i < len(format_string):
        char = format_string[i]
        if char == "\\":  # an escaped character, as it is
            out.append(format_string[i : i + 2])
            i += 2
            continue
        if char == "j" and _MONTH_IN_WORDS.match(format_string, i + 1):
            out.append("j\\e\\r")
        else:
            out.append(char)
        i += 1
    return "".join(out)


def _french() -> bool:
    return (translation.get_language() or "").split("-")[0] == "fr"


def install() -> None:
    """Wrap ``DateFormat.format`` (once) so French dates in words say "1er" on the first."""
    if getattr(dateformat.DateFormat, "_observatory_ordinal_first", False):
        return
    original = dateformat.DateFormat.format

    def format(self: dateformat.Formatter, formatstr: str) -> str:
        if getattr(getattr(self, "data", None), "day", None) == 1 and _french():
            formatstr = ordinal_first(str(formatstr))
        return original(self, formatstr)

    dateformat.DateFormat.format = format  # type: ignore[method-assign]
    dateformat.DateFormat._observatory_ordinal_first = True  # type: ignore[attr-defined]
