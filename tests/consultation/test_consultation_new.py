"""/consultations/new/: observatory members open a consultation; bad input on the field."""

import pytest

from observatory.accounts.roles import OBSERVATORY
from observatory.consultation.models import Consultation

pytestmark = pytest.mark.django_db


def test_a_member_creates_a_consultation_with_none_of_these(client, make_user, quartiers):
    client.force_login(make_user("resident"))
    assert client.get("/consultations/new/").status_code == 403
    client.force_login(make_user("member", OBSERVATORY))
    data = {
        "question": "Where should the care room open?",
        "starts_at": "2031-03-01T09:00",
        "ends_at": "2031-03-15T20:00",
        "method": "ranked",
        "eligibility": "code",
        "quartiers": [quartiers[0].pk],
    }
    bad = client.post("/consultations/new/", {**data, "ends_at": "2031-02-01T09:00", "quartiers": []})
    assert bad.status_code == 400
    assert bad.context["form"].errors["ends_at"] == ["The vote must close after it opens."]
    assert "quartiers" in bad.context["form"].errors and not Consultation.objects.exists()
    response = client.post("/consultations/new/", data)
    c = Consultation.objects.get()
    assert response["Location"] == f"/consultations/{c.pk}/options/new/"
    assert [o.name for o in c.options.all()] == ["None of these"]
