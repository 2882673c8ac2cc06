"""Login locks: per user name and client, and per user name alone (guesses from many addresses)."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def quick_hashes(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_five_failures_from_five_addresses_lock_the_user_name(make_user):
    make_user("alice", password="the-right-password")
    statuses = [
        Client(REMOTE_ADDR=f"198.51.100.{n + 1}")
        .post("/accounts/login/", {"username": "alice", "password": f"wrong{n}"})
        .status_code
        for n in range(5)
    ]
    assert statuses == [200, 200, 200, 200, 429]  # the fifth failure locks the name
    elsewhere = Client(REMOTE_ADDR="203.0.113.99", HTTP_ACCEPT_LANGUAGE="fr")
    locked = elsewhere.post("/accounts/login/", {"username": "alice", "password": "the-right-password"})
    assert locked.status_code == 429 and "_auth_user_id" not in elsewhere.session
    assert "Réessayez dans" in locked.content.decode() and int(locked["Retry-After"]) > 0
    # Another user name from the same addresses is not locked.
    make_user("bob", password="bobs-password-1")
    other = Client(REMOTE_ADDR="198.51.100.1")
    assert (
        other.post("/accounts/login/", {"username": "bob", "password": "bobs-password-1"}).status_code == 302
    )
