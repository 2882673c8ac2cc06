"""Optional second factor for staff: enrol an authenticator app, then verify once per login."""

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from observatory.accounts.roles import MODERATOR

pytestmark = pytest.mark.django_db


def code(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """The code an authenticator shows now (or one step later: a code is good for one use)."""
    import time

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def test_staff_enrol_then_need_the_code_after_each_login(client, make_user):
    mod = make_user("mod", MODERATOR)
    client.force_login(mod)
    page = client.get("/accounts/otp/setup/")
    assert page.status_code == 200 and "otpauth://" in page.content.decode()
    device = TOTPDevice.objects.get(user=mod)
    assert client.post("/accounts/otp/setup/", {"token": "000000"}).status_code == 400
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_count=0, throttling_failure_timestamp=None
    )
    assert client.post("/accounts/otp/setup/", {"token": code(device)}).status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/moderation/").status_code == 200  # verified in this session

    client.logout()
    client.force_login(mod)
    r = client.get("/moderation/")
    assert r.status_code == 302 and r["Location"].startswith("/accounts/otp/verify/")
    device.refresh_from_db()
    bad = client.post("/accounts/otp/verify/", {"otp_token": "123456", "next": "/moderation/"})
    assert bad.status_code == 400
    device.refresh_from_db()
    device.throttling_failure_count = 0  # the wrong code above started django-otp's back-off
    device.throttling_failure_timestamp = None
    device.save()
    # The setup's code was spent (replay protection): the app shows the next one.
    ok = client.post("/accounts/otp/verify/", {"otp_token": code(device, 1), "next": "/moderation/"})
    assert ok.status_code == 302 and ok["Location"] == "/moderation/"
    assert client.get("/moderation/").status_code == 200


def test_staff_without_a_device_are_not_asked(client, make_user):
    client.force_login(make_user("mod", MODERATOR))
    assert client.get("/moderation/").status_code == 200


def test_residents_cannot_enrol(client, make_user):
    client.force_login(make_user("resident"))
    assert client.get("/accounts/otp/setup/").status_code == 302
    assert not TOTPDevice.objects.exists()


def test_verify_refuses_an_outside_next(client, make_user):
    mod = make_user("mod", MODERATOR)
    device = TOTPDevice.objects.create(user=mod, confirmed=True, name="a")
    client.force_login(mod)
    r = client.post("/accounts/otp/verify/", {"otp_token": code(device), "next": "https://evil.example/"})
    assert r["Location"] == "/"
