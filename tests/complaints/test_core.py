"""The pure rules of a complaint: codes, the clock, the steps, the person named, the figures."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from observatory.complaints import core


def test_codes_are_long_readable_and_forgiving():
    codes = {core.new_code() for _ in range(2000)}
    assert len(codes) == 2000
    for code in list(codes)[:200]:
        assert len(code) == core.CODE_LENGTH == 12
        assert set(code) <= set(core.ALPHABET)
        assert not set(code) & set("ILOU")
        assert core.well_formed(code)
    # 60 bits: guessing is hopeless.
    assert len(core.ALPHABET) ** core.CODE_LENGTH >= 2**60
    code = "K7QM3XHD9TRB"
    assert core.display(code) == "K7QM-3XHD-9TRB"
    assert core.normalise(" k7qm-3xhd 9trb ") == code
    # What one misreads aloud or on paper reads as the code's own characters.
    assert core.normalise("oIlu") == "011V"
    assert not core.well_formed("K7QM-3XHD")
    assert not core.well_formed("K7QM-3XHD-9TR!")


def test_the_digest_is_keyed_and_ignores_formatting():
    a = core.digest("K7QM-3XHD-9TRB", b"key one")
    assert a == core.digest("k7qm3xhd9trb", b"key one")
    assert a != core.digest("K7QM-3XHD-9TRB", b"key two")
    assert "K7QM" not in a


def test_the_clock():
    filed = datetime(2026, 11, 2, 9, tzinfo=UTC)
    at = lambda days: filed + timedelta(days=days)  # noqa: E731
    assert core.clock(filed, at(1), answered_at=None, closed_at=None) == "new"
    assert core.clock(filed, at(core.DUE_SOON_DAYS), answered_at=None, closed_at=None) == "due"
    assert core.clock(filed, at(core.ANSWER_DAYS), answered_at=None, closed_at=None) == "late"
    assert core.clock(filed, at(30), answered_at=at(3), closed_at=None) == "answered"
    assert core.clock(filed, at(30), answered_at=at(3), closed_at=at(9)) == "closed"
    assert core.days_between(filed, at(3.5)) == 3
    assert core.days_between(at(2), filed) == 0


def test_the_steps():
    assert core.after("received", "answer") == "answered"
    assert core.after("answered", "refer") == "referred"
    assert core.after("referred", "answer") == "referred"
    assert core.after("referred", "close") == "closed"
    assert core.after("received", "close") == "closed"
    assert core.after("received", "person_message") == "received"
    # The person writes after the outcome: someone must read it.
    assert core.after("closed", "person_message") == "answered"
    with pytest.raises(core.StepError):
        core.after("closed", "answer")
    with pytest.raises(core.StepError):
        core.after("received", "publish")
    with pytest.raises(core.StepError):
        core.after("lost", "answer")


@pytest.mark.parametrize(
    "text",
    [
        "Le docteur Martin m'a mis dehors",
        "l'agent Dupont m'a frappé",
        "C'est le policier Leroy, matricule 1234567",
        "RIO 7654321",
        "Mme Bernard a refusé",
        "Officer Smith pushed me",
    ],
)
def test_a_named_person_is_noticed(text):
    assert core.names_a_person(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "On m'a refusé l'entrée parce que j'avais consommé",
        "Le policier m'a frappé près de la gare",
        "Un agent de sécurité m'a poussé",
        "The nurse said there was no bed",
    ],
)
def test_no_name_no_flag(text):
    assert not core.names_a_person(text)


def test_monthly_table_and_reasons():
    rows = [
        core.Row("Espace A", date(2026, 10, 3), 2, "resolved", "care_refused", "full"),
        core.Row("Espace A", date(2026, 10, 20), 6, "", "care_refused", "full"),
        core.Row("Espace A", date(2026, 10, 21), None, "", "care_refused", "papers"),
        core.Row("Espace A", date(2026, 11, 1), None, "", "violence_suffered", ""),
        core.Row("", date(2026, 10, 5), 1, "not_resolved", "violence_suffered", ""),
    ]
    table = core.monthly_table(rows)
    assert [(line.month, line.place) for line in table] == [
        ("2026-10", ""),
        ("2026-10", "Espace A"),
        ("2026-11", "Espace A"),
    ]
    october_a = table[1]
    assert (october_a.received, october_a.answered, october_a.median_days) == (3, 2, 4.0)
    assert october_a.outcomes == {"resolved": 1}
    assert table[2].median_days is None
    assert core.refusals_by_reason(rows) == [("full", 2), ("papers", 1)]
