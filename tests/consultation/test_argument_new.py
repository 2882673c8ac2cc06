"""/consultations/<id>/options/<id>/argue/: arguments wait for a moderator before anyone sees them."""

import pytest

from observatory.consultation.models import Argument

pytestmark = pytest.mark.django_db


def test_an_argument_is_pending_and_not_shown_until_published(client, make_user, make_consultation):
    c = make_consultation()
    option = c.options.get(position=1)
    url = f"/consultations/{c.pk}/options/{option.pk}/argue/"
    assert client.get(url)["Location"].startswith("/accounts/login/")
    client.force_login(make_user("alice"))
    empty = client.post(url, {"side": "for", "text": ""})
    assert empty.status_code == 400 and "text" in empty.context["form"].errors
    assert client.post(url, {"side": "against", "text": "Trop près de l'école"}).status_code == 302
    assert Argument.objects.get().status == "pending"
    assert "Trop près" not in client.get(f"/consultations/{c.pk}/").content.decode()
