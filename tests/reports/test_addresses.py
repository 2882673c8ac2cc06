"""observatory load-addresses (the national address base's CSV format) and the address search
the report form's map uses."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from observatory.addresses.core.ban import normalise, read_ban
from observatory.addresses.models import Address

DATA = Path(__file__).parent / "data"
SAMPLE = DATA / "adresses-75-sample.csv"
BAD = DATA / "adresses-75-bad.csv"


def load(*args) -> str:
    out = StringIO()
    call_command("load_addresses", *map(str, args), stdout=out, stderr=StringIO())
    return out.getvalue()


def refused(path) -> str:
    with pytest.raises(CommandError) as exc:
        call_command("load_addresses", str(path), stdout=StringIO(), stderr=StringIO())
    assert exc.value.returncode == 2
    return str(exc.value)


def test_reading_the_sample_gives_numbers_suffixes_streets_and_points():
    rows = list(read_ban(SAMPLE))
    assert len(rows) == 7
    bis = next(r for r in rows if r.ban_id == "75119_0420_00012_bis")
    assert (bis.number, bis.suffix, bis.street, bis.postcode) == (12, "bis", "Rue d'Aubervilliers", "75019")
    assert (bis.lat, bis.lon) == (48.886981, 2.369441)
    assert bis.label == "12 bis Rue d'Aubervilliers, 75019 Paris 19e Arrondissement"
    assert normalise("Rue de l'Évangile") == "rue de l evangile"


@pytest.mark.django_db
def test_load_then_load_again_updates_without_duplicates():
    assert "7 addresses added, 0 updated (7 in all)" in load(SAMPLE)
    assert "0 addresses added, 7 updated (7 in all)" in load(SAMPLE)
    assert Address.objects.count() == 7
    pajol = Address.objects.get(ban_id="75118_2189_00030")
    assert (pajol.street, pajol.number, pajol.lat, pajol.lon) == ("Rue Pajol", 30, 48.8901, 2.363393)


@pytest.mark.django_db
def test_a_bad_row_names_file_line_and_field_and_loads_nothing():
    message = refused(BAD)
    assert str(BAD) in message and "line 3" in message and "field 'lat'" in message
    assert "'nord'" in message
    assert Address.objects.count() == 0  # the good first row was not kept either


@pytest.mark.django_db
def test_bad_files_each_say_what_is_wrong(tmp_path):
    missing = refused(tmp_path / "nowhere.csv")
    assert "nowhere.csv" in missing and "no such file" in missing

    commas = tmp_path / "commas.csv"
    commas.write_text("id,numero,rep,nom_voie,code_postal,nom_commune,lon,lat\n", encoding="utf-8")
    assert "line 1" in refused(commas) and "';'" in refused(commas)

    no_lat = tmp_path / "no-lat.csv"
    no_lat.write_text("id;numero;rep;nom_voie;code_postal;nom_commune;lon\n1;2;;Rue X;75019;Paris;2.3\n")
    message = refused(no_lat)
    assert "line 1" in message and "field 'lat'" in message and "missing column" in message

    rows = SAMPLE.read_text(encoding="utf-8").splitlines()
    header, first = rows[0], rows[1].split(";")
    first[2] = "douze"  # numero
    bad_number = tmp_path / "number.csv"
    bad_number.write_text(header + "\n" + rows[2] + "\n" + ";".join(first) + "\n", encoding="utf-8")
    message = refused(bad_number)
    assert "line 3" in message and "field 'numero'" in message

    first = rows[1].split(";")
    first[12] = "200.5"  # lon out of range
    bad_lon = tmp_path / "lon.csv"
    bad_lon.write_text(header + "\n" + ";".join(first) + "\n", encoding="utf-8")
    message = refused(bad_lon)
    assert "line 2" in message and "field 'lon'" in message and "between -180 and 180" in message


@pytest.mark.django_db
def test_search_returns_matches_with_their_point(client):
    load(SAMPLE)
    with translation.override("fr"):
        body = client.get("/addresses/search", {"q": "12 rue d'aub"}).json()
    labels = [r["label"] for r in body["results"]]
    # "12" is a whole number: 112 is not a match; "aub" is the beginning of a word.
    assert labels == [
        "12 Rue d'Aubervilliers, 75019 Paris 19e Arrondissement",
        "12 bis Rue d'Aubervilliers, 75019 Paris 19e Arrondissement",
    ]
    assert body["results"][0]["lat"] == 48.886912 and body["results"][0]["lon"] == 2.369418

    # Accents and case do not matter; the postcode is searchable.
    found = client.get("/addresses/search", {"q": "EVANGILE 75018"}).json()["results"]
    assert [r["label"] for r in found] == ["9 Rue de l'Évangile, 75018 Paris 18e Arrondissement"]
    assert client.get("/addresses/search", {"q": "rue inconnue"}).json()["results"] == []
    assert client.get("/addresses/search", {"q": "ru"}).json()["results"] == []  # too short yet


@pytest.mark.django_db
def test_search_refuses_a_too_long_query_in_the_visitors_language(client):
    response = client.get("/addresses/search", {"q": "x" * 201}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "at most 200 characters" in response.json()["detail"]
