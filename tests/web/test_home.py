"""Home page: the public map page and its assets, served by the app itself."""

import pytest

pytestmark = pytest.mark.django_db


def test_home_page_serves_the_map_without_any_cdn(client):
    r = client.get("/")
    html = r.content.decode()
    assert r.status_code == 200
    assert 'id="map"' in html
    assert "/static/leaflet/leaflet.js" in html and "/static/web/public_map.js" in html
    assert "http://" not in html.replace("http://www.w3.org", "") and "https://" not in html
    assert "<script>" not in html  # no inline script: everything comes from static files


def test_home_page_in_english_on_request(client):
    r = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert 'lang="en"' in r.content.decode()
    assert "Public map" in r.content.decode()


def test_static_leaflet_is_served(client, settings):
    from django.contrib.staticfiles import finders

    assert finders.find("leaflet/leaflet.js")
    assert finders.find("web/public_map.js")
