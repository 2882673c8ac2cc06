"""Reading the French national address base (Base Adresse Nationale, "adresses-XX.csv"). Pure.

The BAN publishes one semicolon-separated UTF-8 file per département, with a header row:
id;id_fantoir;numero;rep;nom_voie;code_postal;code_insee;nom_commune;code_insee_ancienne_commune;
nom_ancienne_commune;x;y;lon;lat;type_position;alias;nom_ld;libelle_acheminement;nom_afnor;
source_position;source_nom_voie;certification_commune;cad_parcelles

Only the columns below are read; the others may be there or not. Every bad row is reported with
its file, line (the header is line 1) and field, and the caller loads nothing when there is one.
"""

from __future__ import annotations

import csv
import math
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from observatory.core.clikit import InputError

REQUIRED = ("id", "numero", "rep", "nom_voie", "code_postal", "nom_commune", "lon", "lat")
MAX_ERRORS = 50


@dataclass(frozen=True)
class BanAddress:
    ban_id: str
    number: int
    suffix: str  # "bis", "ter", "b"... (BAN's "rep")
    street: str
    postcode: str
    city: str
    lat: float
    lon: float

    @property
    def label(self) -> str:
        number = f"{self.number} {self.suffix}".strip() if self.number else ""
        street = f"{number} {self.street}".strip()
        return f"{street}, {self.postcode} {self.city}".strip().rstrip(",")


def normalise(text: str) -> str:
    """Lower case, no accents, single spaces: "Rue d'Aubervilliers" -> "rue d aubervilliers"."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return " ".join(re.findall(r"[a-z0-9]+", plain))


def search_key(address: BanAddress) -> str:
    """What a query is matched against: words bounded by spaces, so " 12 " never matches "112"."""
    number = str(address.number) if address.number else ""
    words = " ".join((number, address.suffix, address.street, address.postcode, address.city))
    return f" {normalise(words)} "


def _float(text: str, low: float, high: float) -> float:
    value = float(text.replace(",", "."))
    if not math.isfinite(value) or not low <= value <= high:
        raise ValueError(f"{text!r} is not between {low:g} and {high:g}")
    return value


def read_ban(path: str | Path) -> Iterator[BanAddress]:
    """The addresses of a BAN file, or InputError naming the first bad rows (file, line, field).

    Raises before yielding anything wrong: the rows are checked as they are read, and the
    caller keeps them until the end (the loader writes all or nothing).
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("no such file", file=path)
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise InputError(f"cannot be read ({exc.strerror})", file=path) from None
    with handle:
        reader = csv.reader(handle, delimiter=";")
        try:
            header = [h.strip() for h in next(reader)]
        except StopIteration:
            raise InputError("is empty (no header row)", file=path, line=1) from None
        except (csv.Error, UnicodeDecodeError) as exc:
            raise InputError(f"is not a readable CSV file ({exc})", file=path, line=1) from None
        if len(header) == 1 and "," in header[0]:
            raise InputError(
                "the header is separated by commas; the BAN format separates columns with ';'",
                file=path,
                line=1,
            )
        for column in REQUIRED:
            if column not in header:
                raise InputError(
                    f"missing column (the BAN format has {', '.join(REQUIRED)})",
                    file=path,
                    line=1,
                    field=column,
                )
        index = {name: header.index(name) for name in REQUIRED}
        errors: list[InputError] = []
        line = 1
        try:
            for record in reader:
                line = reader.line_num
                if not any(cell.strip() for cell in record):
                    continue
                if len(record) < len(header):
                    errors.append(
                        InputError(
                            f"{len(record)} columns where the header has {len(header)}", file=path, line=line
                        )
                    )
                    continue
                cell = {name: record[i].strip() for name, i in index.items()}
                problem: tuple[str, str] | None = None
                for name in ("id", "nom_voie", "nom_commune"):
                    if not cell[name]:
                        problem = (name, "is empty")
                        break
                number = 0
                if problem is None:
                    try:
                        number = int(cell["numero"] or "0")
                        if number < 0:
                            raise ValueError
                    except ValueError:
                        problem = ("numero", f"{cell['numero']!r} is not a house number (a whole number)")
                lat = lon = 0.0
                if problem is None:
                    try:
                        lat = _float(cell["lat"], -90, 90)
                    except ValueError as exc:
                        problem = ("lat", f"not a latitude: {exc}" if cell["lat"] else "is empty")
                if problem is None:
                    try:
                        lon = _float(cell["lon"], -180, 180)
                    except ValueError as exc:
                        problem = ("lon", f"not a longitude: {exc}" if cell["lon"] else "is empty")
                if problem is not None:
                    errors.append(InputError(problem[1], file=path, line=line, field=problem[0]))
                    if len(errors) >= MAX_ERRORS:
                        break
                    continue
                if errors:
                    continue  # keep checking, yield nothing more
                yield BanAddress(
                    ban_id=cell["id"],
                    number=number,
                    suffix=cell["rep"],
                    street=cell["nom_voie"],
                    postcode=cell["code_postal"],
                    city=cell["nom_commune"],
                    lat=lat,
                    lon=lon,
                )
        except (csv.Error, UnicodeDecodeError) as exc:
            errors.append(InputError(f"is not readable ({exc})", file=path, line=line + 1))
        if errors:
            raise BanErrors(errors)


class BanErrors(InputError):
    """Several bad rows; ``str`` gives one per line, the first one's place is the error's."""

    def __init__(self, errors: list[InputError]) -> None:
        first = errors[0]
        super().__init__(first.message, file=first.file, line=first.line, field=first.field)
        self.errors = errors

    def __str__(self) -> str:
        more = "" if len(self.errors) < MAX_ERRORS else f"\n(stopped after {MAX_ERRORS} errors)"
        return "\n".join(_where(e) for e in self.errors) + more


def _where(e: InputError) -> str:
    return InputError.__str__(e)
