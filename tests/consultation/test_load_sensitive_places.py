"""observatory load-sensitive-places FILE: all or nothing, errors name the feature and field."""

import json

import pytest
from django.core.management import CommandError, call_command

from observatory.consultation.models import SensitivePlace

pytestmark = pytest.mark.django_db


def _write(tmp_path, features):
    path = tmp_path / "places.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def _point(name, kind, lon=2.366, lat=48.887):
    return {
        "type": "Feature",
        "properties": {"name": name, "kind": kind},
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
    }


def test_loads_places_and_refuses_a_bad_feature_naming_it(tmp_path, capsys):
    bad = _write(tmp_path, [_point("École A", "school"), _point("Bar", "pub")])
    with pytest.raises(CommandError, match=r"feature 2: field 'kind'") as exc:
        call_command("load_sensitive_places", str(bad))
    assert exc.value.returncode == 2 and not SensitivePlace.objects.exists()
    outside = _write(tmp_path, [_point("Far", "school", lon=4.83, lat=45.76)])
    with pytest.raises(CommandError, match="outside the city"):
        call_command("load_sensitive_places", str(outside))
    good = _write(tmp_path, [_point("École A", "school"), _point("Square B", "Playground")])
    call_command("load_sensitive_places", str(good))
    assert sorted(SensitivePlace.objects.values_list("name", "kind")) == [
        ("Square B", "playground"),
        ("École A", "school"),
    ]
