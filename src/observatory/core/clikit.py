"""Shared command-line plumbing for every capability (pure: no Django).

The contract (ARCHITECTURE.md): a command prints a human table by default and one JSON document
with ``--json`` (nothing else on stdout), exits 0 on success and 2 on bad input with a message
naming the file, line and field. Progress bars go to stderr and only on a terminal.

"Nothing else on stdout" holds whatever a library prints: :func:`run_command` given
``json_output=True`` runs the command with standard output (Python's ``sys.stdout`` and, when it
is the process's descriptor 1, the descriptor itself, so C libraries too) pointed at standard
error, and :func:`emit` writes the one document to the real standard output.
"""

from __future__ import annotations

import contextlib
import csv
import ctypes
import functools
import json
import math
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO, TypeVar

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


# Where emit() writes a JSON document while a --json command runs (None: sys.stdout).
_document_stream: TextIO | None = None


def _is_descriptor_1(stream: TextIO) -> bool:
    try:
        return stream.fileno() == 1
    except (AttributeError, OSError, ValueError):  # a StringIO, pytest's capture
        return False


@functools.cache
def _libc() -> ctypes.CDLL | None:
    try:
        return ctypes.CDLL(None)
    except OSError:
        return None


def _flush_c_stdio() -> None:
    # A C library's stdout buffer (block-buffered on a pipe) must empty while descriptor 1 still
    # points where it should (the panel builds hundreds of solvers: load libc once).
    libc = _libc()
    if libc is not None:
        with contextlib.suppress(AttributeError):
            libc.fflush(None)


@contextlib.contextmanager
def descriptor_1_to_stderr() -> Iterator[None]:
    """Point descriptor 1 at descriptor 2 meanwhile: what C code prints on stdout goes to stderr."""
    with contextlib.suppress(OSError, ValueError):
        sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:  # no descriptor 1 (a daemon): nothing can reach stdout anyway
        yield
        return
    try:
        os.dup2(2, 1)
        yield
    finally:
        _flush_c_stdio()
        os.dup2(saved, 1)
        os.close(saved)


@contextlib.contextmanager
def json_document_mode() -> Iterator[None]:
    """Keep standard output for the one JSON document: everything else written goes to stderr."""
    global _document_stream
    real_stdout = sys.stdout
    real_stdout.flush()
    if _is_descriptor_1(real_stdout):
        document: TextIO = os.fdopen(os.dup(1), "w", encoding="utf-8")
    else:
        document = real_stdout
    _document_stream = document
    try:
        with descriptor_1_to_stderr():
            sys.stdout = sys.stderr
            try:
                yield
            finally:
                sys.stdout = real_stdout
    finally:
        _document_stream = None
        document.flush()
        if document is not real_stdout:
            document.close()


def run_command(func: Callable[[], int | None], *, json_output: bool = False) -> int:
    """Run a command body, turning an :class:`InputError` into exit code 2 on stderr.

    With ``json_output`` the body runs in :func:`json_document_mode`.
    """
    try:
        with json_document_mode() if json_output else contextlib.nullcontext():
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


def dumps(payload: Any, indent: int | None = None) -> str:
    """JSON text of ``payload``, with NumPy values converted and non-finite floats as null."""
    return json.dumps(_jsonable(payload), ensure_ascii=False, allow_nan=False, indent=indent)


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


def emit(payload: Any, *, as_json: bool, human: Callable[[], str], indent: int | None = None) -> None:
    """Print ``payload`` as one JSON document, or the human rendering."""
    if as_json:
        (_document_stream or sys.stdout).write(dumps(payload, indent) + "\n")
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
