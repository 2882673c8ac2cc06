"""The account forms, their errors listed in the site's summary (Django's and django-otp's
messages are already in sentence case; accounts sits below common, whose error list it cannot use)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm
from django.contrib.auth.models import User
from django.utils.translation import gettext_lazy
from django_otp.forms import OTPTokenForm


class LoginForm(AuthenticationForm):
    """Django's login form; a wrong user name or password links to the user name in the summary."""

    non_field_anchor = "username"


class RegisterForm(UserCreationForm[User]):
    """Django's registration form: a user name and a password twice, no e-mail."""


class CodeForm(OTPTokenForm):
    """The second factor's code. A wrong or missing code is put on the code's field, so the
    summary at the top links to it (django-otp raises it for the whole form)."""

    def __init__(self, user: Any, request: Any = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(user, request, *args, **kwargs)
        token = self.fields["otp_token"]
        token.label = gettext_lazy("Code")
        token.widget.attrs.update({"inputmode": "numeric", "autocomplete": "one-time-code"})

    def clean(self) -> dict[str, Any]:
        try:
            super().clean()
        except forms.ValidationError as error:
            self.add_error("otp_token", error)
        return self.cleaned_data
