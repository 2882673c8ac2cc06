"""{% error_summary form %}: the box at the top of a form with errors (common/forms.py).

Every form of the site puts it first, above the form: a heading, then one link per error that
jumps to the field to change (site.js moves the focus onto the box when the page opens).

- ``{% error_summary form %}`` or ``{% error_summary form other_form %}``: the errors of bound forms;
  a form's errors about the whole form link to the field named by its ``non_field_anchor``
  attribute when it has one (the login form: a wrong password links to the user name);
- ``{% error_summary message=error anchor="id_token" label=_("Code") %}``: a view's own message,
  for the few forms that are not Django forms (the second-factor pages); with an ``anchor`` the
  row links to that field.
"""

from django import template

from observatory.common.forms import error_summary as summary_rows
from observatory.common.forms import sentence

register = template.Library()


def _form_rows(form) -> list[dict]:
    rows = summary_rows(form)
    name = getattr(form, "non_field_anchor", "")
    if name and name in form.fields:
        anchor = form[name].id_for_label or form[name].auto_id or ""
        for row in rows[: len(form.non_field_errors())]:  # summary_rows lists them first
            row["anchor"] = anchor
    return rows


@register.inclusion_tag("web/_error_summary.html")
def error_summary(*forms, message="", anchor="", label=""):
    rows = []
    for f in forms:
        if f is not None and getattr(f, "is_bound", False):
            rows.extend(_form_rows(f))
    if message and sentence(message) not in {row["message"] for row in rows}:
        rows.append(
            {"label": str(label or "") if anchor else "", "message": sentence(message), "anchor": anchor}
        )
    return {"rows": rows}
