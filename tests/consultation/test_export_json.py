"""/consultations/<id>/ballots.json: options, anonymised ballots and the tally, recountable."""

import json

import pytest

from observatory.consultation import services
from observatory.consultation.core import voting

from .conftest import set_state

pytestmark = pytest.mark.django_db


def test_the_json_export_recounts_to_its_tally_and_hides_voters(client, make_consultation, codes):
    c = make_consultation(method="approval")
    for code, choices in zip(codes(c, 4), [[1], [1, 2], [3], []], strict=True):
        services.cast_ballot(c, choices, code=code)
    assert client.get(f"/consultations/{c.pk}/ballots.json").status_code == 403
    set_state(c, "over")
    doc = json.loads(client.get(f"/consultations/{c.pk}/ballots.json").content)
    assert [o["name"] for o in doc["options"]][-1] == "None of these"
    assert all(set(b) == {"ballot", "choices"} for b in doc["ballots"])
    recount = voting.tally(doc["method"], [b["choices"] for b in doc["ballots"]], len(doc["options"]))
    assert recount.as_dict() == doc["tally"] and doc["tally"]["winners"] == [1]
