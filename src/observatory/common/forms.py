"""What every form of the site shares: errors in sentence case, and the summary at the top.

Messages come from many places (Django's validators, the intake rules, pydantic): some start in
lower case because they were written to follow a field's name. Shown on their own, under a field
or in the summary, each starts with a capital and ends with a full stop.
"""

from __future__ import annotations

from django.forms.utils import ErrorList


def sentence(message: str) -> str:
    """'the text is too long' -> 'The text is too long.' (already-punctuated messages are kept)."""
    text = str(message).strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    if text[-1] not in '.!?…:)»"”':
        text += "."
    return text


class SentenceErrorList(ErrorList):
    """Django's error list, each message in sentence case. Pass ``error_class=SentenceErrorList``."""

    def __getitem__(self, i):  # iteration, rendering and comparisons all read through here
        item = super().__getitem__(i)
        return sentence(item) if isinstance(item, str) else item


def error_summary(form) -> list[dict]:
    """One row per error, for the summary at the top of a form: the field's label, its message
    and the id of the element to jump to (none for errors about the whole form)."""
    rows = []
    for message in form.non_field_errors():
        rows.append({"label": "", "message": sentence(message), "anchor": ""})
    for name, errors in form.errors.items():
        if name == "__all__":
            continue
        field = form.fields.get(name)
        if field is None or field.widget.is_hidden:
            for message in errors:
                rows.append({"label": "", "message": sentence(message), "anchor": ""})
            continue
        bound = form[name]
        anchor = bound.id_for_label or bound.auto_id or ""
        for message in errors:
            # "What did you see?: ..." reads badly: the label loses its own end punctuation.
            label = str(field.label or name).rstrip(" ?:.\u00a0")
            rows.append({"label": label, "message": sentence(message), "anchor": anchor})
    return rows
