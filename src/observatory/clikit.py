"""Shared command-line plumbing for every capability (pure: no Django).

The contract (ARCHITECTURE.md): a command prints a human table by default and one JSON document
with ``--json`` (nothing else on stdout), exits 0 on success and 2 on bad input with a message
naming the file, line and field. Progress bars go to stderr and only on a terminal.
"""

from __future__ import annotations

import csv
import json
import math
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

EXIT_OK = 0
EXIT_BAD_INPUT = 2


class InputError(Exception):
    """Bad input from a user: reported as ``file:line: field: message`` and exit code 2."""

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = str(file) if file is not None else None
        self.line = line
        self.field = field

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = self.file
            if self.line is not None:
                where += f", line {self.line}"
            where += ": "
        elif self.line is not None:
            where = f"line {self.line}: "
        field = f"field '{self.field}': " if self.field else ""
        return f"{where}{field}{self.message}"


def run_command(func: Callable[[], int | None]) -> int:
    """Run a command body, turning an :class:`InputError` into exit code 2 on stderr."""
    try:
        code = func()
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return EXIT_OK if code is None else code


def _jsonable(value: Any) -> Any:
    # NumPy scalars and arrays, NaN and infinities: JSON has no NaN, so they become null.
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def dumps(payload: Any) -> str:
    """JSON text of ``payload``, with NumPy values converted and non-finite floats as null."""
    return json.dumps(_jsonable(payload), ensure_ascii=False, allow_nan=False)


def format_table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A plain aligned text table."""

    def cell(v: Any) -> str:
        if isinstance(v, float):
            return "" if not math.isfinite(v) else f"{v:.6g}"
        return "" if v is None else str(v)

    body = [[cell(v) for v in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in body:
        for i, v in enumerate(row):
            widths[i] = max(widths[i], len(v))
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)) for row in body]
    return "\n".join(lines)


def emit(payload: Any, *, as_json: bool, human: Callable[[], str]) -> None:
    """Print ``payload`` as one JSON document, or the human rendering."""
    if as_json:
        sys.stdout.write(dumps(payload) + "\n")
    else:
        sys.stdout.write(human().rstrip("\n") + "\n")


def progress(
    iterable: Iterable[T], *, total: int | None = None, enabled: bool = True, desc: str = ""
) -> Iterator[T]:
    """A progress bar on stderr when it is a terminal and ``enabled`` (off in ``--json`` mode)."""
    if enabled and sys.stderr.isatty():
        from tqdm import tqdm

        yield from tqdm(iterable, total=total, desc=desc, file=sys.stderr)
    else:
        yield from iterable


class CsvRow(dict[str, str]):
    """A CSV row that knows its file and line, to name them in errors."""

    file: str
    line: int

    def error(self, field: str, message: str) -> InputError:
        return InputError(message, file=self.file, line=self.line, field=field)

    def text(self, field: str, *, required: bool = True) -> str:
        value = (self.get(field) or "").strip()
        if required and not value:
            raise self.error(field, "is empty")
        return value

    def number(
        self,
        field: str,
        *,
        minimum: float | None = None,
        maximum: float | None = None,
        required: bool = True,
    ) -> float:
        raw = self.text(field, required=required)
        if not raw and not required:
            return math.nan
        try:
            value = float(raw)
        except ValueError:
            raise self.error(field, f"{raw!r} is not a number") from None
        if not math.isfinite(value):
            raise self.error(field, f"{raw!r} is not a finite number")
        if minimum is not None and value < minimum:
            raise self.error(field, f"{value:g} is below the minimum {minimum:g}")
        if maximum is not None and value > maximum:
            raise self.error(field, f"{value:g} is above the maximum {maximum:g}")
        return value


def read_csv(path: str | Path, required: Sequence[str] = ()) -> list[CsvRow]:
    """Read a CSV file with a header row; every row carries its file name and line number.

    Raises :class:`InputError` when the file is missing, unreadable or lacks a required column.
    Line numbers count the header as line 1, as a spreadsheet shows them.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("no such file", file=path)
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise InputError(f"cannot be read ({exc.strerror})", file=path) from None
    with handle:
        reader = csv.DictReader(handle)
        headers = [h.strip() for h in (reader.fieldnames or [])]
        if not headers:
            raise InputError("is empty (no header row)", file=path, line=1)
        reader.fieldnames = headers
        for column in required:
            if column not in headers:
                raise InputError(
                    f"missing column (the header has: {', '.join(headers)})",
                    file=path,
                    line=1,
                    field=column,
                )
        rows: list[CsvRow] = []
        try:
            for record in reader:
                row = CsvRow({k: v for k, v in record.items() if k is not None})
                row.file = str(path)
                row.line = reader.line_num
                if None in record:
                    raise row.error(headers[-1], "the row has more values than the header")
                rows.append(row)
        except (UnicodeDecodeError, csv.Error) as exc:
            raise InputError(f"is not valid UTF-8 CSV ({exc})", file=path, line=reader.line_num) from None
    return rows
