"""Helpers for the Open311 tests: reading the spec's XML back (with defusedxml)."""

from __future__ import annotations

import defusedxml.ElementTree as DET

BASE = "/open311/v2/"
# Places inside Paris (bbox lat 48.8155-48.9022, lon 2.2241-2.4698).
STALINGRAD = (48.88405, 2.36811)
OUTSIDE = (45.764, 4.8357)  # Lyon


def xml_root(response, root_tag: str):
    assert response["Content-Type"].startswith("text/xml"), response["Content-Type"]
    root = DET.fromstring(response.content)
    assert root.tag == root_tag, root.tag
    return root


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def xml_items(response, root_tag: str, item_tag: str) -> list[dict]:
    """The spec's ``<root><item><field>text</field>...</item></root>`` as a list of dicts of text."""
    root = xml_root(response, root_tag)
    items = []
    for element in root:
        assert element.tag == item_tag, element.tag
        items.append({child.tag: child.text or "" for child in element if len(child) == 0})
    return items


def as_text(records: list[dict]) -> list[dict]:
    """JSON records with their scalar values written as the XML writes them."""
    return [{k: _text(v) for k, v in r.items() if not isinstance(v, list | dict)} for r in records]
