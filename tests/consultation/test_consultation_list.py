"""/consultations/: open, coming and closed consultations, for everyone."""

import pytest

pytestmark = pytest.mark.django_db


def test_the_list_sorts_consultations_by_state(client, make_consultation):
    make_consultation(question="Open question")
    make_consultation(question="Closed question", state="over")
    response = client.get("/consultations/")
    assert [c.question for c in response.context["open"]] == ["Open question"]
    assert [c.question for c in response.context["closed"]] == ["Closed question"]
    assert "New consultation" not in response.content.decode()
