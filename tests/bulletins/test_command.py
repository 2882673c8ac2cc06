"""`observatory bulletin`: stores the bulletin, one JSON document with --json, exit 2 on bad input."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command

from observatory.bulletins import core
from observatory.bulletins.models import Bulletin

from .conftest import MONTH


def test_the_command_stores_the_bulletin_and_prints_one_json_document(winter, field, capsys):
    call_command("bulletin", "--month", "2026-03", "--edition", "members", "--language", "en", "--json")
    doc = json.loads(capsys.readouterr().out)
    stored = Bulletin.objects.get(month=MONTH, edition="members")
    assert doc["month"] == "2026-03" and doc["edition"] == "members"
    assert doc["pdf_bytes"] == len(bytes(stored.pdf))
    assert [s["key"] for s in doc["sections"]] == list(core.SECTIONS)
    field_weeks = next(f for s in doc["sections"] for f in s["figures"] if f["key"] == "field-weeks")
    assert field_weeks["rows"] == core.find_figure(stored.data, "field-weeks")["rows"]
    # Again: the stored bulletin is replaced, not duplicated.
    call_command("bulletin", "--month", "2026-03", "--edition", "members", "--language", "en")
    assert "field-weeks" in capsys.readouterr().out
    assert Bulletin.objects.filter(month=MONTH, edition="members").count() == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--month", "03/2026"], "field '--month': '03/2026' is not a month: write it as YYYY-MM"),
        (
            ["--month", "2026-03", "--edition", "secret"],
            "field '--edition': 'secret': choose public or members",
        ),
        (["--month", "2026-03", "--language", "de"], "field '--language': 'de': choose one of fr, en"),
        (["--month", "2026-05"], "field '--month': 2026-05 is not released yet"),
    ],
)
def test_bad_input_exits_2_naming_the_field(db, capsys, args, message):
    with pytest.raises(SystemExit) as exit_info:
        call_command("bulletin", *args)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_parse_month_and_csv():
    assert core.parse_month("2026-03").isoformat() == "2026-03-01"
    with pytest.raises(ValueError, match="YYYY-MM"):
        core.parse_month("2026-13")
    fig = core.figure("x", "t", "s", "c", [("a", "A"), ("n", "N")], [["é, b", 3], ["c", None]])
    assert core.csv_text(fig) == 'a,n\n"é, b",3\nc,\n'
    assert core.display(2.0) == "2" and core.display(2.25) == "2.2" and core.display(None) == "–"
    with pytest.raises(ValueError, match="2 values for 3 columns"):
        core.figure("x", "t", "s", "c", [("a", "A"), ("b", "B"), ("c", "C")], [[1, 2]])
