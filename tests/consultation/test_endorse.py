"""/consultations/arguments/<id>/endorse/: one endorsement per account; the strongest come first."""

import pytest

from observatory.consultation import services

pytestmark = pytest.mark.django_db


def test_endorsements_count_once_and_order_the_strongest(client, make_user, make_consultation):
    c = make_consultation()
    option = c.options.get(position=1)
    author = make_user("author")
    weak = services.moderate_argument(services.post_argument(option, "for", "Weak point", author), "publish")
    strong = services.moderate_argument(
        services.post_argument(option, "for", "Strong point", author), "publish"
    )
    pending = services.post_argument(option, "against", "Not yet read", author)
    for name in ("a", "b"):
        client.force_login(make_user(name))
        client.post(f"/consultations/arguments/{strong.pk}/endorse/")
        client.post(f"/consultations/arguments/{strong.pk}/endorse/")  # twice: counted once
    assert strong.endorsements.count() == 2
    assert client.post(f"/consultations/arguments/{pending.pk}/endorse/").status_code == 409
    assert [a.pk for a in services.strongest_arguments(option)["for"]] == [strong.pk, weak.pk]
