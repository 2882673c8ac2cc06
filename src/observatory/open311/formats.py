"""Open311 responses in JSON and XML, and the spec's error format.

Every endpoint answers in the format of its suffix (``.json`` or ``.xml``). The XML is written
with the standard library (xml.etree); nothing here ever parses XML.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET  # writing only: input XML is never parsed
from typing import Any

from django.http import HttpResponse

FORMATS = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}

# The element name of one item in a list, in the spec's XML (<services><service>...).
ITEM_TAGS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}

# Characters XML 1.0 cannot carry (control characters, lone surrogates, U+FFFE/U+FFFF).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


class Open311Error(Exception):
    """Answer with the spec's error list: ``[{"code": 400, "description": "lat: ..."}]``."""

    def __init__(self, status: int, descriptions: list[str]) -> None:
        super().__init__("; ".join(descriptions))
        self.status = status
        self.descriptions = descriptions


def problem(field: str, message: str) -> str:
    """An error description that names the field first (the field name is never translated)."""
    return f"{field}: {message}"


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("\ufffd", str(value))


def _append(parent: ET.Element, tag: str, value: Any) -> None:
    element = ET.SubElement(parent, tag)
    if isinstance(value, dict):
        for key, sub in value.items():
            _append(element, key, sub)
    elif isinstance(value, list):
        item_tag = ITEM_TAGS.get(tag, "item")
        for sub in value:
            _append(element, item_tag, sub)
    else:
        element.text = _text(value)


def to_xml(root_tag: str, value: dict | list) -> bytes:
    """``value`` as the spec's XML: a list becomes ``<root><item>...</item></root>``."""
    root = ET.Element(root_tag)
    if isinstance(value, list):
        item_tag = ITEM_TAGS[root_tag]
        for item in value:
            _append(root, item_tag, item)
    else:
        for key, sub in value.items():
            _append(root, key, sub)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def render(fmt: str, root_tag: str, value: dict | list, status: int = 200) -> HttpResponse:
    if fmt == "xml":
        body = to_xml(root_tag, value)
    else:
        body = json.dumps(value, ensure_ascii=False).encode()
    return HttpResponse(body, status=status, content_type=FORMATS[fmt])


def render_errors(fmt: str, status: int, descriptions: list[str]) -> HttpResponse:
    errors = [{"code": status, "description": d} for d in descriptions]
    return render(fmt if fmt in FORMATS else "json", "errors", errors, status=status)
