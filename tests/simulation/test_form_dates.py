"""Dates in the simulation's form errors are written in the reader's language, not ISO."""

from __future__ import annotations

import copy

from django.utils import translation

from observatory.simulation.forms import OperationForm

from .conftest import BASE


def _error_for(start: str) -> str:
    form = OperationForm({"op-place": "square", "op-start": start}, prefix="op", scenario=copy.deepcopy(BASE))
    assert not form.is_valid()
    return " ".join(form.errors["start"])


def test_a_date_outside_the_period_names_the_period_in_french():
    with translation.override("fr"):
        message = _error_for("2030-01-01")
    # The scenario runs 14 days from Monday 4 March 2024.
    assert "4 mars 2024" in message and "17 mars 2024" in message
    assert "2024-03-04" not in message


def test_and_in_english():
    with translation.override("en"):
        message = _error_for("2030-01-01")
    assert "March 4, 2024" in message and "March 17, 2024" in message
