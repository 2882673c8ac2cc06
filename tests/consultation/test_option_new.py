"""/consultations/<id>/options/new/: a candidate site typed by hand, inside the city."""

import pytest

from observatory.accounts.roles import OBSERVATORY

pytestmark = pytest.mark.django_db


def test_a_member_adds_a_site_by_hand_and_a_point_outside_is_refused(client, make_user, make_consultation):
    c = make_consultation(state="upcoming", sites=[])
    client.force_login(make_user("member", OBSERVATORY))
    url = f"/consultations/{c.pk}/options/new/"
    outside = client.post(url, {"name": "Lyon", "lat": "45.76", "lon": "4.83"})
    assert outside.status_code == 400 and "outside the city" in outside.context["form"].errors["lat"][0]
    missing = client.post(url, {"name": "", "lat": "48.88", "lon": "2.36"})
    assert "name" in missing.context["form"].errors
    assert client.post(url, {"name": "Square Eole", "lat": "48.8850", "lon": "2.3600"}).status_code == 302
    site = c.options.get(source="hand")
    assert (site.name, site.lat, site.position) == ("Square Eole", 48.885, 1)
