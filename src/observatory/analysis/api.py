"""The analysis endpoints of the JSON API: an operation with its displacement panel.

Mounted under /api/v1/fieldwork/ beside fieldwork's own endpoints (observatory/api.py): the URL
is the operation's, the numbers are analysis's (one computation, :mod:`observatory.analysis.services`).
"""

from __future__ import annotations

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Status

from observatory.accounts.roles import ApiRoles
from observatory.analysis.services import operation_numbers
from observatory.fieldwork.api import ERRORS, aggregates_only, operation_out
from observatory.fieldwork.models import Operation
from observatory.fieldwork.services import access

router = Router(tags=["fieldwork"])


@router.get(
    "/operations/{operation_id}",
    response={200: dict, **ERRORS},
    summary="Operation and its panel",
    auth=ApiRoles(*access.DASHBOARD_ROLES),
)
def read_operation(request: HttpRequest, operation_id: int) -> Status:
    """With its displacement panel once the after window is over (until then status 'waiting')."""
    aggregates_only(request)
    operation = get_object_or_404(Operation, pk=operation_id)
    return Status(200, {**operation_out(operation), "displacement": operation_numbers(operation)})
