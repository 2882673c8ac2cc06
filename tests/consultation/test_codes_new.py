"""/consultations/<id>/codes/: codes for a quartier, answered as a PDF of slips, usable once."""

import pytest

from observatory.accounts.roles import OBSERVATORY
from observatory.consultation.models import VoteCode

pytestmark = pytest.mark.django_db


def test_a_member_downloads_a_pdf_sheet_of_codes(client, make_user, make_consultation):
    c = make_consultation()
    url = f"/consultations/{c.pk}/codes/"
    client.force_login(make_user("resident"))
    assert client.get(url).status_code == 403
    client.force_login(make_user("member", OBSERVATORY))
    quartier = c.quartiers.order_by("code").first()
    bad = client.post(url, {"quartier": quartier.pk, "count": "0"})
    assert bad.status_code == 400 and "count" in bad.context["form"].errors
    response = client.post(url, {"quartier": quartier.pk, "count": "12"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF") and response["Cache-Control"] == "no-store"
    assert VoteCode.objects.filter(consultation=c, area=quartier).count() == 12
    assert "12 codes issued, 0 used" in client.get(url).content.decode()
