"""/consultations/<id>/ballots.csv: anonymised ballots; a recount from them equals the published tally."""

import csv
import io
import random

import pytest

from observatory.consultation import services
from observatory.consultation.core import voting
from observatory.consultation.models import Ballot

from .conftest import set_state

pytestmark = pytest.mark.django_db


def test_a_recount_from_the_csv_equals_the_published_tally(client, make_consultation, codes):
    c = make_consultation()
    rng = random.Random(3)
    for code in codes(c, 30):
        services.cast_ballot(c, rng.sample(range(4), rng.randint(0, 4)), code=code)
    set_state(c, "over")
    response = client.get(f"/consultations/{c.pk}/ballots.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 30 and set(rows[0]) == {"ballot", "choices"}
    # Nothing that leads back to a voter: random ids only, not in the order cast.
    assert {r["ballot"] for r in rows} == {str(b) for b in Ballot.objects.values_list("id", flat=True)}
    assert [r["ballot"] for r in rows] == sorted(r["ballot"] for r in rows)
    recount = voting.tally("ranked", [[int(x) for x in r["choices"].split()] for r in rows], 4)
    published = client.get(f"/consultations/{c.pk}/results/").context["tally"]
    assert recount.as_dict() == published.as_dict()
