"""The account pages open with the site's error summary: one sentence per problem, each a link to
the field to change, above the form (issue 19)."""

import re

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from observatory.accounts.roles import MODERATOR

pytestmark = pytest.mark.django_db


@pytest.fixture
def client():
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def _summary(html: str) -> str:
    start = html.index('id="error-summary"')
    return html[start : html.index("</div>", start)]


def _at_the_top(html: str) -> None:
    """Under the page's title, above its form (the language switch in the header is a form too)."""
    form = re.search(r'<form method="post"[^>]* novalidate', html)
    assert form and html.index("<h1>") < html.index('id="error-summary"') < form.start()


def test_a_wrong_password_is_summed_up_at_the_top_with_a_link_to_the_user_name(client, make_user):
    make_user("alice")
    assert 'id="error-summary"' not in client.get("/accounts/login/").content.decode()
    response = client.post("/accounts/login/", {"username": "alice", "password": "not-the-password"})
    assert response.status_code == 200  # Django's login page answers 200 with the form again
    html = response.content.decode()
    _at_the_top(html)
    summary = _summary(html)
    assert "There is a problem to fix" in summary
    assert re.search(
        r'<a href="#id_username">Please enter a correct username and password\.[^<]*</a>', summary
    )
    assert 'id="id_username"' in html  # the link leads somewhere


def test_a_wrong_password_is_said_once_in_the_summary_not_again_above_the_fields(client, make_user):
    make_user("alice")
    html = client.post("/accounts/login/", {"username": "alice", "password": "wrong"}).content.decode()
    assert html.count("Please enter a correct username and password") == 1
    assert "Please enter a correct username and password" in _summary(html)
    assert 'class="errorlist nonfield"' not in html


def test_an_empty_login_keeps_each_error_by_its_field(client):
    html = client.post("/accounts/login/", {"username": "", "password": ""}).content.decode()
    form = html[html.index('<form method="post" novalidate') :]
    assert form.count("This field is required.") == 2  # one under each field, one per field in the summary
    assert html.count("This field is required.") == 4


def test_an_empty_login_names_both_fields_in_sentences(client):
    html = client.post("/accounts/login/", {"username": "", "password": ""}).content.decode()
    summary = _summary(html)
    assert "There are 2 problems to fix" in summary
    assert '<a href="#id_username">Username: This field is required.</a>' in summary
    assert '<a href="#id_password">Password: This field is required.</a>' in summary


def test_registration_sums_up_its_errors_above_the_form(client):
    response = client.post("/accounts/register/", {"username": "v", "password1": "123", "password2": "124"})
    assert response.status_code == 400
    html = response.content.decode()
    _at_the_top(html)
    assert '<a href="#id_password2">Password confirmation: The two password fields didn’t match.</a>' in (
        _summary(html)
    )


def test_a_wrong_code_at_enrolment_links_to_the_code(client, make_user):
    client.force_login(make_user("mod", MODERATOR))
    client.get("/accounts/otp/setup/")
    html = client.post("/accounts/otp/setup/", {"token": "000000"}).content.decode()
    _at_the_top(html)
    summary = _summary(html)
    assert '<a href="#id_token">The 6-digit code it shows: This code is not valid:' in summary
    assert 'id="id_token"' in html and 'aria-invalid="true"' in html


def test_a_wrong_code_after_login_links_to_the_code(client, make_user):
    mod = make_user("mod", MODERATOR)
    TOTPDevice.objects.create(user=mod, confirmed=True, name="authenticator")
    client.force_login(mod)
    response = client.post("/accounts/otp/verify/", {"otp_token": "123456", "next": "/moderation/"})
    assert response.status_code == 400
    html = response.content.decode()
    _at_the_top(html)
    summary = _summary(html)
    assert "There is a problem to fix" in summary
    assert re.search(r'<a href="#id_otp_token">Code: [A-Z][^<]*\.</a>', summary), summary
    assert 'id="id_otp_token"' in html


def test_a_failed_unlock_says_so_at_the_top(client, make_user):
    make_user("mod", MODERATOR)
    html = client.post(
        "/accounts/unlock/", {"username": "mod", "password": "x", "otp_token": "000000"}
    ).content.decode()
    _at_the_top(html)
    assert '<a href="#id_username">These details do not unlock an account:' in _summary(html)


def test_in_french_each_summary_line_puts_a_space_before_its_colon(make_user):
    """French typography: "Mot de passe : Ce champ est obligatoire." (a no-break space), never "passe:"."""
    html = (
        Client(HTTP_ACCEPT_LANGUAGE="fr")
        .post("/accounts/login/", {"username": "alice", "password": ""})
        .content.decode()
    )
    summary = _summary(html)
    assert "Il y a un problème à corriger" in summary
    assert '<a href="#id_password">Mot de passe\u00a0: Ce champ est obligatoire.</a>' in summary
    assert not re.search(r"\w: ", summary)
