"""Dates in words: "1er octobre 2026" in French on the first of a month (an ordinal, as French
writes it), "3 octobre" the other days; English and numeric dates as Django writes them. One
rule (observatory.common.dates) for every path a date takes: date_format, the |date filter, a
date printed as it is, and analysis.services.day_words (panels, bulletins, their PDF)."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from django.template import Context, Template
from django.utils import translation
from django.utils.formats import date_format

from observatory.analysis.services import day_words
from observatory.common.dates import ordinal_first

FIRST = date(2026, 10, 1)


@pytest.mark.parametrize(
    ("language", "day", "expected"),
    [
        ("fr", FIRST, "1er octobre 2026"),
        ("fr", date(2026, 10, 3), "3 octobre 2026"),
        ("fr", date(2026, 10, 11), "11 octobre 2026"),
        ("fr", date(2027, 1, 21), "21 janvier 2027"),
        ("en", FIRST, "Oct. 1, 2026"),
        ("en", date(2026, 10, 3), "Oct. 3, 2026"),
    ],
)
def test_day_words(language, day, expected):
    with translation.override(language):
        assert day_words(day) == expected
        assert date_format(day, "DATE_FORMAT") == expected


def test_every_way_a_template_writes_a_date():
    page = Template(
        '{{ d|date:"DATE_FORMAT" }}|{{ d }}|{{ d|date:"j F" }}|{{ d|date:"SHORT_DATE_FORMAT" }}'
        '|{{ t|date:"DATETIME_FORMAT" }}'
    )
    context = Context({"d": FIRST, "t": datetime(2026, 10, 1, 9, 30)})
    with translation.override("fr"):
        assert (
            page.render(context)
            == "1er octobre 2026|1er octobre 2026|1er octobre|01/10/2026|1er octobre 2026 09:30"
        )
    with translation.override("en"):
        assert page.render(context).split("|")[:3] == ["Oct. 1, 2026", "Oct. 1, 2026", "1 October"]


def test_only_a_day_before_a_month_in_words_becomes_an_ordinal():
    assert ordinal_first("j F Y") == "j\\e\\r F Y"
    assert ordinal_first("j/n/Y") == "j/n/Y"  # numeric: left as it is
    assert ordinal_first("\\j F") == "\\j F"  # an escaped letter stays a letter
    assert ordinal_first("l j F Y, H:i") == "l j\\e\\r F Y, H:i"
    with translation.override("fr"):
        assert date_format(FIRST, "j/n/Y") == "1/10/2026"
        assert date_format(FIRST, "l j F") == "jeudi 1er octobre"
