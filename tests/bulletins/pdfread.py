"""A small PDF reader for the tests: checks the file's structure and extracts its text.

The project has no PDF parser among its dependencies, so this reads what reportlab writes (PDF
1.4, a classic cross-reference table, content streams filtered by ASCII85 and Flate, standard
fonts in WinAnsi encoding). It fails loudly on anything it cannot read: a broken cross-reference,
a missing trailer, a page count that does not match, a stream that does not decompress.
"""

from __future__ import annotations

import base64
import re
import zlib
from dataclasses import dataclass


@dataclass
class Pdf:
    pages: int
    texts: list[str]  # one per page, in drawing order
    title: str

    @property
    def text(self) -> str:
        return "\n".join(self.texts)


def _unescape(raw: bytes) -> bytes:
    out = bytearray()
    i = 0
    while i < len(raw):
        c = raw[i]
        if c == 0x5C and i + 1 < len(raw):  # backslash
            n = raw[i + 1]
            simple = {ord("n"): b"\n", ord("r"): b"\r", ord("t"): b"\t", ord("b"): b"\b", ord("f"): b"\f"}
            if n in simple:
                out += simple[n]
                i += 2
            elif 0x30 <= n <= 0x37:
                m = re.match(rb"[0-7]{1,3}", raw[i + 1 : i + 4])
                assert m
                out.append(int(m.group(), 8) & 0xFF)
                i += 1 + len(m.group())
            elif n in (0x0D, 0x0A):
                i += 2
            else:
                out.append(n)
                i += 2
        else:
            out.append(c)
            i += 1
    return bytes(out)


_STRING = rb"\((?:\\.|[^\\)])*\)"


def _strings(content: bytes) -> list[str]:
    """The text shown by Tj and TJ operators, one entry per line of text (Td/T* start a new one)."""
    lines: list[str] = []
    current: list[str] = []
    for m in re.finditer(
        rb"(\[(?:" + _STRING + rb"|[^\]])*\]\s*TJ)|(" + _STRING + rb")\s*Tj|(T\*|Td|TD|ET)", content
    ):
        if m.group(1):
            parts = re.findall(_STRING, m.group(1))
            current.append("".join(_unescape(p[1:-1]).decode("cp1252") for p in parts))
        elif m.group(2):
            current.append(_unescape(m.group(2)[1:-1]).decode("cp1252"))
        else:
            if current:
                lines.append("".join(current))
            current = []
    if current:
        lines.append("".join(current))
    return lines


def _decode(dictionary: bytes, data: bytes) -> bytes:
    filters = re.findall(
        rb"/(ASCII85Decode|FlateDecode)", dictionary.split(b"/Filter", 1)[-1].split(b"/Length")[0]
    )
    for f in filters:
        if f == b"ASCII85Decode":
            data = base64.a85decode(
                data.strip().removeprefix(b"<~").removesuffix(b"~>"), adobe=False, ignorechars=b" \t\n\r\x0b"
            )
        else:
            data = zlib.decompress(data)
    return data


def read(body: bytes) -> Pdf:
    assert body.startswith(b"%PDF-"), "not a PDF"
    assert body.rstrip().endswith(b"%%EOF"), "no end of file marker"
    start = int(re.findall(rb"startxref\s+(\d+)", body)[-1])
    assert body[start : start + 4] == b"xref", "startxref does not point at the cross-reference table"
    header = re.match(rb"xref\s+(\d+)\s+(\d+)\s+", body[start:])
    assert header, "malformed cross-reference table"
    first, count = int(header[1]), int(header[2])
    entries = body[start + header.end() : start + header.end() + 20 * count]
    objects: dict[int, bytes] = {}
    for k in range(count):
        entry = entries[20 * k : 20 * k + 20]
        offset, _gen, kind = entry[:10], entry[11:16], entry[17:18]
        if kind != b"n":
            continue
        number = first + k
        at = int(offset)
        m = re.match(rb"(\d+) 0 obj", body[at : at + 20])
        assert m and int(m[1]) == number, f"object {number}: the cross-reference points elsewhere"
        end = body.index(b"endobj", at)
        objects[number] = body[at + m.end() : end]
    trailer = body[start:].split(b"trailer", 1)[1]
    root = int(re.search(rb"/Root (\d+) 0 R", trailer)[1])  # type: ignore[index]
    pages_ref = int(re.search(rb"/Pages (\d+) 0 R", objects[root])[1])  # type: ignore[index]
    kids = [
        int(k) for k in re.findall(rb"(\d+) 0 R", re.search(rb"/Kids \[(.*?)\]", objects[pages_ref], re.S)[1])
    ]  # type: ignore[index]
    declared = int(re.search(rb"/Count (\d+)", objects[pages_ref])[1])  # type: ignore[index]
    assert declared == len(kids), "the page count does not match the pages"
    texts = []
    for kid in kids:
        page = objects[kid]
        assert b"/Type /Page" in page
        content_ref = int(re.search(rb"/Contents (\d+) 0 R", page)[1])  # type: ignore[index]
        obj = objects[content_ref]
        dictionary, rest = obj.split(b"stream", 1)
        data = rest.lstrip(b"\r\n").rsplit(b"endstream", 1)[0]
        texts.append("\n".join(_strings(_decode(dictionary, data))))
    info = re.search(rb"/Info (\d+) 0 R", trailer)
    title = ""
    if info:
        m = re.search(rb"/Title (" + _STRING + rb")", objects[int(info[1])])
        raw = _unescape(m[1][1:-1]) if m else b""
        title = raw[2:].decode("utf-16-be") if raw.startswith(b"\xfe\xff") else raw.decode("latin-1")
    return Pdf(pages=len(kids), texts=texts, title=title)
