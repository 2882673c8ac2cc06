"""Optional second factor (TOTP, django-otp) for staff roles.

A moderator, observatory member or administrator may enrol an authenticator app. From then on
their staff pages and API calls need the session to be verified with a code once per login.
"""

from __future__ import annotations

import base64

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.forms import OTPTokenForm
from django_otp.plugins.otp_totp.models import TOTPDevice

from observatory.accounts.roles import is_staff_role


def needs_second_factor(user) -> bool:
    """Enrolled in TOTP but this session not yet verified."""
    return bool(user.is_authenticated and user_has_device(user) and not user.is_verified())


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
    form = OTPTokenForm(request.user, request, data)
    if request.method == "POST" and form.is_valid():
        otp_login(request, request.user.otp_device)
        return redirect(target)
    return render(
        request,
        "accounts/otp_verify.html",
        {"form": form, "next": target},
        status=400 if form.errors else 200,
    )
