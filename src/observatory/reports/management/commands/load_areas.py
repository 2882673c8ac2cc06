"""observatory load-areas [FILE.geojson --level L --code-field F --name-field F [--parent-field F]]

Without a file, loads the area layers of the configured city pack (OBSERVATORY_CITY).
A layer replaces the areas of the same level, all or nothing.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from shapely.geometry import mapping

from observatory.geo.core.areas import areas_from_geojson, read_geojson
from observatory.reports.models import Area, Report
from observatory.reports.services.areas import forget, locate_area_ids


class Command(BaseCommand):
    help = "Load area polygons (quartiers...) from GeoJSON, or the city pack's layers."

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="a GeoJSON FeatureCollection of polygons")
        parser.add_argument("--level", default="quartier")
        parser.add_argument("--code-field", default="code")
        parser.add_argument("--name-field", default="name")
        parser.add_argument("--parent-field", default=None)
        parser.add_argument("--relocate", action="store_true", help="place existing reports in the new areas")

    def handle(self, *args, **opts):
        if opts["file"]:
            layers = [
                (opts["file"], opts["level"], opts["code_field"], opts["name_field"], opts["parent_field"])
            ]
        else:
            layers = [
                (str(layer.file), layer.level, layer.code_field, layer.name_field, layer.parent_field)
                for layer in settings.CITY.area_layers
            ]
            if not layers:
                raise CommandError(f"the city pack {settings.CITY.slug!r} has no area layers; give a FILE")
        with transaction.atomic():
            for path, level, code_field, name_field, parent_field in layers:
                try:
                    features = areas_from_geojson(
                        read_geojson(path),
                        code_field=code_field,
                        name_field=name_field,
                        parent_field=parent_field,
                    )
                except ValueError as exc:
                    raise CommandError(f"{path}: {exc}") from None
                Report.objects.filter(area__level=level).update(area=None)
                Area.objects.filter(level=level).delete()
                Area.objects.bulk_create(
                    Area(
                        code=f.code,
                        level=level,
                        name=f.name,
                        parent_code=f.parent,
                        geometry=mapping(f.geometry),
                    )
                    for f in features
                )
                self.stdout.write(f"{level}: {len(features)} areas from {path}")
            transaction.on_commit(forget)
            forget()
            if opts["relocate"] or not opts["file"]:
                relocate_reports(self.stdout)


def relocate_reports(stdout) -> None:
    import numpy as np

    ids, lats, lons = [], [], []
    for pk, lat, lon in Report.objects.values_list("pk", "lat", "lon").iterator(chunk_size=10000):
        ids.append(pk)
        lats.append(lat)
        lons.append(lon)
    if not ids:
        return
    found = locate_area_ids(np.array(lats), np.array(lons))
    by_area: dict[int | None, list] = {}
    for pk, area_id in zip(ids, found, strict=True):
        by_area.setdefault(area_id, []).append(pk)
    for area_id, pks in by_area.items():
        for start in range(0, len(pks), 900):
            Report.objects.filter(pk__in=pks[start : start + 900]).update(area_id=area_id)
    stdout.write(f"placed {len(ids)} reports in their areas")
