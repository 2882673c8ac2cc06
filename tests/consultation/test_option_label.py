""" "None of these" is shown in the reader's language, whoever created the consultation."""

from __future__ import annotations

import pytest
from django.utils import translation

from observatory.consultation.models import Option

pytestmark = pytest.mark.django_db


def test_none_of_these_follows_the_readers_language(make_consultation, client):
    with translation.override("fr"):
        consultation = make_consultation(method="approval", eligibility="anyone")
    none = Option.objects.get(consultation=consultation, source=Option.Source.NONE)
    assert none.name == "Aucune de ces options"  # stored in the creator's language
    page = client.get(f"/consultations/{consultation.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "None of these" in page and "Aucune de ces options" not in page
    with translation.override("fr"):
        assert none.label == "Aucune de ces options"
    site = Option.objects.filter(consultation=consultation).exclude(source=Option.Source.NONE).first()
    assert site.label == site.name  # a site keeps the name it was given
