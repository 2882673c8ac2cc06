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


def _lock(username: str) -> None:
    for n in range(5):
        Client(REMOTE_ADDR=f"198.51.100.{n + 1}").post(
            "/accounts/login/", {"username": username, "password": f"wrong{n}"}
        )


def _totp(user):
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    return device, lambda: f"{totp(device.bin_key, device.step, device.t0, device.digits):06d}"


def test_the_second_factor_lifts_the_lock_and_logs_in(make_user):
    from observatory.accounts.models import AuditEntry
    from observatory.accounts.roles import MODERATOR

    alice = make_user("alice", MODERATOR, password="the-right-password")
    _device, code = _totp(alice)
    _lock("alice")
    owner = Client(REMOTE_ADDR="203.0.113.7", HTTP_ACCEPT_LANGUAGE="en")
    page = owner.post("/accounts/login/", {"username": "alice", "password": "the-right-password"})
    assert page.status_code == 429 and "/accounts/unlock/" in page.content.decode()
    unlocked = owner.post(
        "/accounts/unlock/", {"username": "alice", "password": "the-right-password", "otp_token": code()}
    )
    assert unlocked.status_code == 302 and owner.session["_auth_user_id"] == str(alice.pk)
    assert AuditEntry.objects.filter(action="account.unlocked", actor=alice).exists()
    # The lock is gone for the next login too.
    again = Client(REMOTE_ADDR="203.0.113.8")
    assert (
        again.post("/accounts/login/", {"username": "alice", "password": "the-right-password"}).status_code
        == 302
    )


def test_without_the_code_the_unlock_page_tells_nothing_and_lifts_nothing(make_user):
    alice = make_user("alice", password="the-right-password")
    _totp(alice)
    _lock("alice")
    guesser = Client(REMOTE_ADDR="203.0.113.9", HTTP_ACCEPT_LANGUAGE="en")
    wrong_password = guesser.post(
        "/accounts/unlock/", {"username": "alice", "password": "x", "otp_token": "000000"}
    )
    right_password = guesser.post(
        "/accounts/unlock/", {"username": "alice", "password": "the-right-password", "otp_token": "000000"}
    )
    # The same answer whether or not the password was right: no oracle behind the lock.
    assert wrong_password.status_code == right_password.status_code == 400
    assert b"do not unlock an account" in wrong_password.content
    assert b"do not unlock an account" in right_password.content
    assert "_auth_user_id" not in guesser.session
    still = Client(REMOTE_ADDR="203.0.113.10")
    assert (
        still.post("/accounts/login/", {"username": "alice", "password": "the-right-password"}).status_code
        == 429
    )
