"""observatory load-sensitive-places FILE.geojson [--name-field name] [--kind-field kind]
    [--kind school] [--replace]

Schools, nurseries, playgrounds... shown on each option's evidence sheet. Point features (a
polygon counts by its centroid); each needs a name and a kind (school, nursery, playground,
sports, youth, care, other), from properties or --kind for the whole file. All or nothing: a bad
feature prints the file, feature number and field (exit 2) and nothing is loaded.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from shapely.geometry import shape

from observatory.consultation.models import SensitivePlace
from observatory.consultation.services import _inside_city

KINDS = set(SensitivePlace.Kind.values)


class Command(BaseCommand):
    help = "Load sensitive places (schools...) from a GeoJSON file, all or nothing."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--name-field", default="name")
        parser.add_argument("--kind-field", default="kind")
        parser.add_argument("--kind", choices=sorted(KINDS), help="the kind of every feature in the file")
        parser.add_argument("--replace", action="store_true", help="delete the places of these kinds first")

    def handle(self, *args, **opts):
        path = Path(opts["file"])
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise CommandError(f"{path}: no such file", returncode=2) from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CommandError(f"{path}: not a readable GeoJSON file ({exc})", returncode=2) from None
        features = data.get("features") if isinstance(data, dict) else None
        if not isinstance(features, list):
            raise CommandError(f"{path}: field 'features': a FeatureCollection is expected", returncode=2)
        places = [self._place(path, i, f, opts) for i, f in enumerate(features, start=1)]
        with transaction.atomic():
            if opts["replace"]:
                SensitivePlace.objects.filter(kind__in={p.kind for p in places}).delete()
            SensitivePlace.objects.bulk_create(places)
        self.stdout.write(f"{len(places)} sensitive places loaded from {path}")

    def _place(self, path: Path, number: int, feature, opts) -> SensitivePlace:
        where = f"{path}, feature {number}"
        if not isinstance(feature, dict):
            raise CommandError(f"{where}: not a GeoJSON feature", returncode=2)
        props = feature.get("properties") or {}
        name = str(props.get(opts["name_field"]) or "").strip()
        if not name:
            raise CommandError(f"{where}: field '{opts['name_field']}': is empty", returncode=2)
        kind = opts["kind"] or str(props.get(opts["kind_field"]) or "").strip().lower()
        if kind not in KINDS:
            raise CommandError(
                f"{where}: field '{opts['kind_field']}': {kind!r} is not one of {', '.join(sorted(KINDS))}",
                returncode=2,
            )
        try:
            point = shape(feature["geometry"]).centroid
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise CommandError(
                f"{where}: field 'geometry': not a valid geometry ({exc})", returncode=2
            ) from None
        if point.is_empty or not _inside_city(point.y, point.x):
            raise CommandError(f"{where}: field 'geometry': the place is outside the city", returncode=2)
        return SensitivePlace(name=name[:200], kind=kind, lat=point.y, lon=point.x)
