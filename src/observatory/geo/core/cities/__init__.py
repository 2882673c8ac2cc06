"""City packs: name, time zone, bounding box, language and area layers of a city (pure).

A pack is a folder with a ``city.json`` and the GeoJSON files its area layers name. The built-in
packs live beside this module; ``OBSERVATORY_CITY`` may also be the path of a pack folder.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

BUILTIN = Path(__file__).resolve().parent


@dataclass(frozen=True)
class AreaLayer:
    file: Path
    level: str
    code_field: str
    name_field: str
    parent_field: str | None = None


@dataclass(frozen=True)
class Place:
    """A landmark a resident knows by name (a square, a station, a park), drawn as a map label
    when there are no base tiles. Landmarks only: never a label for where people use drugs."""

    name: str
    lat: float
    lon: float


@dataclass(frozen=True)
class CityPack:
    slug: str
    name: str
    time_zone: str
    language: str
    bbox: tuple[float, float, float, float]  # min_lon, min_lat, max_lon, max_lat
    center: tuple[float, float]  # lat, lon
    zoom: int
    area_layers: tuple[AreaLayer, ...] = field(default=())
    attribution: str = ""
    places: tuple[Place, ...] = field(default=())

    def contains(self, lat: float, lon: float) -> bool:
        min_lon, min_lat, max_lon, max_lat = self.bbox
        return min_lat <= lat <= max_lat and min_lon <= lon <= max_lon

    def as_public_dict(self) -> dict[str, Any]:
        return {
            "slug": self.slug,
            "name": self.name,
            "time_zone": self.time_zone,
            "bbox": list(self.bbox),
            "center": list(self.center),
            "zoom": self.zoom,
            "attribution": self.attribution,
        }


def builtin_slugs() -> list[str]:
    return sorted(p.parent.name for p in BUILTIN.glob("*/city.json"))


@lru_cache(maxsize=16)
def load_city(name_or_path: str) -> CityPack:
    """A built-in pack by slug (``paris``) or a pack folder by path. ValueError if unknown."""
    folder = BUILTIN / name_or_path
    if not (folder / "city.json").is_file():
        folder = Path(name_or_path)
    spec_file = folder / "city.json"
    if not spec_file.is_file():
        raise ValueError(
            f"unknown city pack {name_or_path!r}: built-in packs are {', '.join(builtin_slugs())}, "
            "or give the path of a folder holding a city.json"
        )
    spec = json.loads(spec_file.read_text(encoding="utf-8"))
    try:
        layers = tuple(
            AreaLayer(
                file=folder / layer["file"],
                level=layer["level"],
                code_field=layer["code_field"],
                name_field=layer["name_field"],
                parent_field=layer.get("parent_field"),
            )
            for layer in spec.get("area_layers", [])
        )
        min_lon, min_lat, max_lon, max_lat = (float(v) for v in spec["bbox"])
        lat, lon = (float(v) for v in spec["center"])
        return CityPack(
            slug=spec["slug"],
            name=spec["name"],
            time_zone=spec["time_zone"],
            language=spec.get("language", "en"),
            bbox=(min_lon, min_lat, max_lon, max_lat),
            center=(lat, lon),
            zoom=int(spec.get("zoom", 13)),
            area_layers=layers,
            attribution=spec.get("attribution", ""),
            places=tuple(
                Place(str(p["name"]), float(p["lat"]), float(p["lon"])) for p in spec.get("places", [])
            ),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"{spec_file}: invalid city pack ({exc!r})") from None
