"""Reading a volunteer pool and panel quotas from CSV, with errors naming file, line and field.

Two quota formats are read, told apart by their header:

- ``category,feature,min,max`` (the Flanigan et al. replication data): ``category`` is the pool
  column and ``feature`` its value;
- ``feature,value,min,max[,min_flex,max_flex]`` (the Sortition Foundation's format): the flex
  columns (how far a relaxation may go) are read and ignored, quotas are kept as given.
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from pathlib import Path

from observatory.core.clikit import InputError, read_csv
from observatory.panel.core.lottery import Pool, Quota

QUOTA_FORMATS = {
    "category,feature,min,max": ("category", "feature"),
    "feature,value,min,max": ("feature", "value"),
}


@dataclass
class QuotaFile:
    """Quotas read from a file, with the line of each (to name it in errors)."""

    path: Path
    quotas: list[Quota]
    lines: dict[tuple[str, str], int]

    @property
    def features(self) -> list[str]:
        return list(dict.fromkeys(q.feature for q in self.quotas))


def file_sha256(path: str | Path) -> str:
    """The SHA-256 of a file's bytes, as hex."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def _header(path: Path) -> list[str]:
    if not path.is_file():
        raise InputError("no such file", file=path)
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            first = next(csv.reader(handle), [])
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"cannot be read as UTF-8 CSV ({exc})", file=path) from None
    return [h.strip() for h in first]


def read_quotas(path: str | Path) -> QuotaFile:
    """Quotas from ``path`` in either format (detected by header)."""
    path = Path(path)
    header = _header(path)
    columns = None
    for signature, names in QUOTA_FORMATS.items():
        if set(signature.split(",")) <= set(header):
            columns = names
            break
    if columns is None:
        raise InputError(
            "unknown quota format: the header must be category,feature,min,max or "
            f"feature,value,min,max[,min_flex,max_flex] (it is {','.join(header)})",
            file=path,
            line=1,
        )
    rows = read_csv(path)
    if not rows:
        raise InputError("has no quotas", file=path, line=2)
    feature_col, value_col = columns
    quotas: list[Quota] = []
    lines: dict[tuple[str, str], int] = {}
    for row in rows:
        feature, value = row.text(feature_col), row.text(value_col)
        bounds = []
        for name in ("min", "max"):
            x = row.number(name, minimum=0)
            if x != int(x):
                raise row.error(name, f"{x:g} is not a whole number of seats")
            bounds.append(int(x))
        if bounds[1] < bounds[0]:
            raise row.error("max", f"{bounds[1]} is below the minimum {bounds[0]}")
        if (feature, value) in lines:
            raise row.error(
                value_col, f"a second quota for {feature}={value} (first on line {lines[feature, value]})"
            )
        lines[feature, value] = row.line
        quotas.append(Quota(feature, value, bounds[0], bounds[1]))
    return QuotaFile(path, quotas, lines)


def read_pool(path: str | Path, quotas: QuotaFile, id_column: str | None = None) -> Pool:
    """The pool in ``path``: one row per volunteer; ids from ``id_column`` or row numbers from 0.

    Every quota'd feature must be a column, and every value it takes must have a quota (a value
    without one, such as a misspelling, would escape the quotas). Other columns are ignored.
    """
    path = Path(path)
    required = [*quotas.features, *([id_column] if id_column else [])]
    rows = read_csv(path, required=required)
    if not rows:
        raise InputError("has no volunteers", file=path, line=2)
    known: dict[str, set[str]] = {}
    for q in quotas.quotas:
        known.setdefault(q.feature, set()).add(q.value)
    ids: list[str] = []
    seen: dict[str, int] = {}
    values: dict[str, list[str]] = {f: [] for f in quotas.features}
    for i, row in enumerate(rows):
        if id_column:
            ident = row.text(id_column)
            if ident in seen:
                raise row.error(id_column, f"id {ident!r} already on line {seen[ident]}")
            seen[ident] = row.line
        else:
            ident = str(i)
        ids.append(ident)
        for feature in quotas.features:
            value = row.text(feature)
            if value not in known[feature]:
                raise row.error(feature, f"value {value!r} has no quota in {quotas.path}")
            values[feature].append(value)
    return Pool(ids, values)
