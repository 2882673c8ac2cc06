"""/consultations/moderation/: moderators publish or reject arguments."""

import pytest

from observatory.accounts.roles import MODERATOR
from observatory.consultation import services

pytestmark = pytest.mark.django_db


def test_a_moderator_publishes_one_argument_and_rejects_another(client, make_user, make_consultation):
    c = make_consultation()
    option = c.options.get(position=1)
    author = make_user("alice")
    good = services.post_argument(option, "for", "Close to where people already are", author)
    bad = services.post_argument(option, "against", "Insulting text", author)
    client.force_login(author)
    assert client.get("/consultations/moderation/").status_code == 403
    client.force_login(make_user("mod", MODERATOR))
    assert "Insulting text" in client.get("/consultations/moderation/").content.decode()
    assert client.post(f"/consultations/moderation/{good.pk}/publish/").status_code == 302
    assert client.post(f"/consultations/moderation/{bad.pk}/reject/").status_code == 302
    assert client.get(f"/consultations/moderation/{good.pk}/publish/").status_code == 405
    html = client.get(f"/consultations/{c.pk}/").content.decode()
    assert "Close to where people already are" in html and "Insulting text" not in html
