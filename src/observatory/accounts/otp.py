"""Optional second factor (TOTP, django-otp) for staff roles.

A moderator, observatory member or administrator may enrol an authenticator app. From then on
their staff pages and API calls need the session to be verified with a code once per login.

The second factor also lifts a login lock (:func:`unlock`): five wrong guesses at a staff user
name lock it for everyone (django-axes, by user name), which would let anyone lock a moderator
out; with the password and a valid code the owner logs in at once and the lock is cleared.
"""

from __future__ import annotations

import base64

from axes.utils import reset as axes_reset
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from observatory.accounts import audit
from observatory.accounts.forms import CodeForm
from observatory.accounts.roles import is_staff_role


@login_required
def setup(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator app: show the key, confirm it with a first code."""
    user = request.user
    if not is_staff_role(user):
        messages.error(
            request, _("A second factor is for moderators, observatory members and administrators.")
        )
        return redirect("my-account")
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        messages.info(request, _("Your authenticator app is already set up."))
        return redirect("my-account")
    device, _created = TOTPDevice.objects.get_or_create(
        user=user, confirmed=False, defaults={"name": "authenticator"}
    )
    error = ""
    if request.method == "POST":
        if device.verify_token((request.POST.get("token") or "").strip()):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            messages.success(request, _("Your authenticator app is set up."))
            return redirect("my-account")
        error = _("This code is not valid: check the time on your phone and try again.")
    secret = base64.b32encode(device.bin_key).decode()
    return render(
        request,
        "accounts/otp_setup.html",
        {"secret": secret, "config_url": device.config_url, "error": error},
        status=400 if error else 200,
    )


@login_required
def verify(request: HttpRequest) -> HttpResponse:
    """Ask for the code once per login, then go on to the page that asked for it."""
    target = request.GET.get("next") or request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    data = None
    if request.method == "POST":
        data = request.POST.copy()
        if not data.get("otp_device"):
            # Staff have one authenticator: choose it rather than asking which.
            device = TOTPDevice.objects.filter(user=request.user, confirmed=True).first()
            data["otp_device"] = device.persistent_id if device else ""
    form = CodeForm(request.user, request, data)
    if request.method == "POST" and form.is_valid():
        assert isinstance(request.user, User)  # login_required
        # django-otp's form sets user.otp_device in clean(); no stub declares that attribute
        otp_login(request, request.user.otp_device)  # type: ignore[attr-defined]
        return redirect(target)
    return render(
        request,
        "accounts/otp_verify.html",
        {"form": form, "next": target},
        status=400 if form.errors else 200,
    )


def _unlocking_user(username: str, password: str, code: str):
    """The user when the code and then the password are right; None otherwise, whichever failed.

    The code is checked first, with django-otp's throttling, so the page tells nothing about a
    password to someone who has not the owner's authenticator.
    """
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        return None
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None or not device.verify_is_allowed()[0] or not device.verify_token(code):
        return None
    return user if user.check_password(password) else None


def unlock(request: HttpRequest) -> HttpResponse:
    """Log in past a lock with the password and the authenticator's code, and lift the lock."""
    error = ""
    if request.method == "POST":
        username = (request.POST.get("username") or "").strip()
        user = _unlocking_user(
            username, request.POST.get("password") or "", (request.POST.get("otp_token") or "").strip()
        )
        if user is not None:
            axes_reset(username=username)
            auth_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            otp_login(request, TOTPDevice.objects.get(user=user, confirmed=True))
            audit.record(user, "account.unlocked", user, note="login lock lifted with the second factor")
            return redirect("my-account")
        error = _("These details do not unlock an account: check the user name, the password and the code.")
    return render(request, "accounts/otp_unlock.html", {"error": error}, status=400 if error else 200)
