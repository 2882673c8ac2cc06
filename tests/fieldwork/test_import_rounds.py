"""observatory import-rounds: past rounds from CSV, all or nothing, errors with file, line and field."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from observatory.fieldwork.models import Round

pytestmark = pytest.mark.django_db
HEADER = (
    "id,organisation,started_at,ended_at,quartiers,lat,lon,people_met,new_contacts,kit_crack_pipe,notes\n"
)


def write(tmp_path, *rows):
    path = tmp_path / "rounds.csv"
    path.write_text(HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


def run(*args):
    out = StringIO()
    with translation.override("en"):
        call_command("import_rounds", *map(str, args), stdout=out, stderr=StringIO())
    return out.getvalue()


def fail(*args):
    err = StringIO()
    with pytest.raises(CommandError) as exc, translation.override("en"):
        call_command("import_rounds", *map(str, args), stdout=StringIO(), stderr=err)
    assert exc.value.returncode == 2
    return str(exc.value), err.getvalue()


def test_import_then_reimport_skips(tmp_path, organisation, quartiers):
    path = write(
        tmp_path,
        "r1,Gaïa,2025-03-01T20:00,2025-03-01T23:00,7511901,,,12,2,40,",
        "r2,Gaïa,2025-03-02T20:00,2025-03-02T22:00,,48.8843,2.3678,9,1,25,calme",
    )
    assert "imported 2 rounds" in run(path, "--id-column", "id")
    first = Round.objects.get(people_met=12)
    assert first.started_at.isoformat() == "2025-03-01T19:00:00+00:00"  # Paris time, CET
    assert first.source == "import" and first.kits.get().count == 40
    assert "already imported" in run(path, "--id-column", "id")
    assert Round.objects.count() == 2


def test_one_bad_row_imports_nothing(tmp_path, organisation, quartiers):
    path = write(
        tmp_path,
        "r1,Gaïa,2025-03-01T20:00,2025-03-01T23:00,7511901,,,12,2,40,",
        "r2,Gaïa,2025-03-02T20:00,2025-03-02T19:00,7511901,,,9,1,25,",
        "r3,Gaïa,2025-03-03T20:00,2025-03-03T22:00,,48.95,2.60,-1,1,25,",
        "r4,Nobody,2025-03-03T20:00,2025-03-03T22:00,7511901,,,1,1,1,",
    )
    message, err = fail(path, "--id-column", "id")
    assert "nothing was imported" in message
    assert f"{path}, line 3: field 'ended_at': the round ends before it starts" in err
    assert f"{path}, line 4: field 'route'" in err and "line 4: field 'people_met'" in err
    assert "line 5: field 'organisation'" in err
    assert not Round.objects.exists()


def test_missing_file_and_column(tmp_path, organisation):
    message, _ = fail(tmp_path / "none.csv")
    assert "no such file" in message
    bad = tmp_path / "bad.csv"
    bad.write_text("organisation,started_at\nGaïa,2025-01-01T10:00\n", encoding="utf-8")
    message, _ = fail(bad)
    assert "line 1" in message and "ended_at" in message
