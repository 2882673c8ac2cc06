"""{% error_summary form %}: the box at the top of a form with errors (common/forms.py)."""

from django import template

from observatory.common.forms import error_summary as summary_rows

register = template.Library()


@register.inclusion_tag("web/_error_summary.html")
def error_summary(form, *forms):
    rows = []
    for f in (form, *forms):
        if f is not None and f.is_bound:
            rows.extend(summary_rows(f))
    return {"rows": rows}
