"""Error pages in the visitor's language and the site's layout, each saying what to do."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_404_in_french_for_accept_language_fr():
    response = Client(HTTP_ACCEPT_LANGUAGE="fr").get("/no-such-page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert '<html lang="fr">' in html and 'class="brand"' in html  # the site's layout
    assert "Cette page n&#x27;existe pas" in html or "Cette page n'existe pas" in html
    assert "Retour à l" in html


def test_404_in_english_otherwise():
    html = Client(HTTP_ACCEPT_LANGUAGE="en").get("/no-such-page/").content.decode()
    assert "This page does not exist" in html and "Back to the home page" in html


def test_429_in_french_says_when_to_try_again(settings):
    settings.OBSERVATORY_RATE_LIMITS = {**settings.OBSERVATORY_RATE_LIMITS, "register": "1/h"}
    client = Client(HTTP_ACCEPT_LANGUAGE="fr")
    client.post("/accounts/register/", {"username": "a"})
    response = client.post("/accounts/register/", {"username": "b"})
    html = response.content.decode()
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert '<html lang="fr">' in html and "Réessayez dans" in html and "Trop de tentatives" in html


def test_403_says_what_to_do(make_user):
    client = Client(HTTP_ACCEPT_LANGUAGE="fr")
    client.force_login(make_user("resident"))
    response = client.get("/audit/")
    assert response.status_code == 403
    assert "Vous ne pouvez pas ouvrir cette page" in response.content.decode()


def test_400_and_500_pages_render_in_the_layout(rf):
    from django.utils import translation

    from observatory.common import errors

    request = rf.get("/", HTTP_ACCEPT_LANGUAGE="fr")
    with translation.override("fr"):
        assert "Cette demande n" in errors.bad_request(request).content.decode()
        page = errors.server_error(request)
    assert page.status_code == 500 and "Un problème est survenu" in page.content.decode()


def test_an_expired_form_is_explained_in_french_not_in_djangos_english():
    client = Client(HTTP_ACCEPT_LANGUAGE="fr", enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "a", "password": "b"})
    html = response.content.decode()
    assert response.status_code == 403
    assert '<html lang="fr">' in html and "Merci de renvoyer le formulaire" in html
    assert "CSRF" not in html
