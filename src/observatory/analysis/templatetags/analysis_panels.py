"""Analysis panels other apps' pages show: ``{% load analysis_panels %}{% displacement_panel operation %}``
on the fieldwork operation page (fieldwork sits below analysis and never imports it; its template
asks for the panel by name)."""

from __future__ import annotations

import logging
from typing import Any

from django import template
from django.urls import reverse

from observatory.analysis.services import operation_panel
from observatory.fieldwork.models import Operation

register = template.Library()
log = logging.getLogger(__name__)


@register.inclusion_tag("analysis/_operation_displacement.html")
def displacement_panel(operation: Operation, source: str | None = None) -> dict[str, Any]:
    """A recorded operation's displacement panel, with the link to its numbers (CSV); ``source``:
    'reports', 'estimate' or None (the estimated scene where rounds exist in the windows)."""
    context: dict[str, Any] = {"csv_url": reverse("analysis:operation-csv", args=[operation.pk])}
    try:
        context["panel"] = operation_panel(operation, source)
    except ValueError as exc:  # the analysis refused the operation's areas: say why, in the panel
        log.warning("displacement panel refused for operation %s", operation.pk, exc_info=True)
        context["refused"] = str(exc)
    return context
