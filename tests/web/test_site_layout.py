"""What every page shares: the folded menu, the favicon, the footer in the visitor's language, the
error pages in that layout, errors in sentence case with a summary, numbers grouped."""

import pytest
from django import forms
from django.template import Context, Template
from django.test import Client
from django.utils import translation

from observatory.common.forms import SentenceErrorList, error_summary, sentence

pytestmark = pytest.mark.django_db


def _layout(html: str) -> None:
    assert '<input type="checkbox" id="menu-toggle"' in html and 'for="menu-toggle"' in html
    assert 'id="site-menu"' in html
    assert 'rel="icon" href="/static/web/favicon.svg"' in html


@pytest.mark.parametrize("path", ["/", "/report/", "/no-such-page/"])
def test_pages_have_the_menu_button_and_the_favicon(path):
    _layout(Client(HTTP_ACCEPT_LANGUAGE="fr").get(path).content.decode())


def test_403_404_429_500_are_in_the_layout_and_in_french(make_user, settings, rf):
    fr = Client(HTTP_ACCEPT_LANGUAGE="fr")
    page = fr.get("/no-such-page/")
    assert page.status_code == 404 and page["Content-Language"] == "fr"
    _layout(page.content.decode())

    fr.force_login(make_user("resident"))
    page = fr.get("/audit/")
    assert page.status_code == 403 and "Vous ne pouvez pas ouvrir cette page" in page.content.decode()
    _layout(page.content.decode())

    settings.OBSERVATORY_RATE_LIMITS = {**settings.OBSERVATORY_RATE_LIMITS, "register": "1/h"}
    anonymous = Client(HTTP_ACCEPT_LANGUAGE="fr")
    anonymous.post("/accounts/register/", {"username": "a"})
    page = anonymous.post("/accounts/register/", {"username": "b"})
    assert page.status_code == 429 and "Réessayez dans" in page.content.decode()
    _layout(page.content.decode())

    from observatory.common import errors

    page = errors.server_error(rf.get("/", HTTP_ACCEPT_LANGUAGE="fr"))
    assert page.status_code == 500 and page["Content-Language"] == "fr"
    _layout(page.content.decode())


def test_the_footer_names_the_data_in_the_visitors_language(settings):
    from observatory.web import context

    # The built-in packs' attributions reach the catalogue; a city's own text shows as written.
    assert settings.CITY.attribution in context.ATTRIBUTIONS
    html = Client(HTTP_ACCEPT_LANGUAGE="fr").get("/").content.decode()
    footer = html[html.index("<footer>") :]
    with translation.override("fr"):
        assert translation.gettext(settings.CITY.attribution) in footer
        assert translation.gettext("Observatory is free software.") in footer
    assert "Observatory is free software." not in footer  # French, not English


def test_errors_are_in_sentence_case():
    assert sentence("the text is longer than 20 characters") == "The text is longer than 20 characters."
    assert (
        sentence("Ensure this value is less than or equal to 90.")
        == "Ensure this value is less than or equal to 90."
    )
    assert sentence("") == ""

    class F(forms.Form):
        lat = forms.FloatField(label="Latitude", max_value=90)
        count = forms.IntegerField(label="Count")

        def clean(self):
            raise forms.ValidationError("the anti-spam check failed")

    form = F({"lat": "120", "count": "x"}, error_class=SentenceErrorList)
    with translation.override("en"):
        assert not form.is_valid()
        assert list(form.non_field_errors()) == ["The anti-spam check failed."]
        assert 'class="errorlist' in str(form["lat"].errors)
        rows = error_summary(form)
    assert rows[0] == {"label": "", "message": "The anti-spam check failed.", "anchor": ""}
    assert {
        "label": "Latitude",
        "message": "Ensure this value is less than or equal to 90.",
        "anchor": "id_lat",
    } in rows
    assert {"label": "Count", "message": "Enter a whole number.", "anchor": "id_count"} in rows


def test_the_report_form_opens_with_the_summary_and_states_the_photo_limit(paris_areas):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    page = client.get("/report/").content.decode()
    assert "up to 10 MB" in page and 'data-max-bytes="10485760"' in page
    assert 'id="error-summary"' not in page
    page = client.post("/report/", {"lat": "", "lon": "200"}).content.decode()
    summary = page[page.index('id="error-summary"') : page.index("</div>", page.index('id="error-summary"'))]
    assert page.index('id="error-summary"') < page.index('id="pick-map"')  # at the top
    assert '<a href="#id_lat">Latitude: This field is required.</a>' in summary
    assert '<a href="#id_lon">Longitude: Ensure this value is less than or equal to' in summary


def test_numbers_are_grouped_in_the_visitors_language():
    template = Template("{% load site_format %}{{ n|grouped }}")
    with translation.override("fr"):
        assert template.render(Context({"n": 12345})) == "12\xa0345"
    with translation.override("en"):
        assert template.render(Context({"n": 12345})) == "12,345"
        assert template.render(Context({"n": None})) == "None"
