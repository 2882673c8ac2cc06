"""The public aggregate in the JSON API: released counts only (see services.public_cells)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema, Status
from pydantic import Field

from observatory.releases.public import (
    PublicQueryError,
    choice_cells_json,
    parse_categories,
    parse_period,
    public_cells_json,
)
from observatory.reports.models import Category

router = Router(tags=["public"])


class ErrorOut(Schema):
    detail: list[dict]


class CellsQuery(Schema):
    category: list[str] = Field(
        default_factory=list, max_length=40, description="one category, or several (summed released counts)"
    )
    period: str | None = Field(
        default=None,
        max_length=20,
        description="instead of grain/periods: one released period (2026-10, 2026-W44) or grain:N (month:3)",
    )
    grain: Literal["week", "month"] = Field(default="month", description="released weeks or months")
    periods: int = Field(default=1, ge=1, le=120, description="how many of the latest released periods")
    since: datetime | None = Field(default=None, description="instead of periods: released periods from")
    until: datetime | None = Field(default=None, description="... to (whole periods only)")
    resolution: int = Field(
        default=settings.OBSERVATORY_PUBLIC_RESOLUTION,
        ge=0,
        le=settings.OBSERVATORY_PUBLIC_RESOLUTION,
        description="H3 resolution, at most the public one",
    )


@router.get(
    "/public/cells",
    response={200: dict, 422: ErrorOut},
    summary="Public aggregate (GeoJSON): released counts per cell",
)
def public_cells(request: HttpRequest, filters: Query[CellsQuery]):
    """Published reports counted per H3 cell in whole released weeks or months, with noise.

    Counts come from the release engine only (docs/privacy.md): every count carries discrete
    Laplace noise, a count under the threshold is not shown, and a period is released once,
    after it ends, so the same question always gets the same answer.
    """
    if filters.period is not None or len(filters.category) > 1:
        # The public page's choices: a released period (or the latest N) and categories to sum.
        if filters.since is not None or filters.until is not None:
            return _query_error("period", "give either period or since/until, not both")
        try:
            period = parse_period(filters.period)
            categories = parse_categories(filters.category)
            body = choice_cells_json(period, categories, filters.resolution)
        except PublicQueryError as exc:
            return _query_error(exc.field, exc.message)
        return HttpResponse(body, content_type="application/json")
    category = filters.category[0] if filters.category else None
    if category and not Category.objects.filter(code=category).exists():
        return _query_error("category", "unknown category")
    for name in ("since", "until"):
        value = getattr(filters, name)
        if value is not None and value.tzinfo is None:
            return _query_error(name, "give a time zone (for example Z or +01:00)")
    body = public_cells_json(
        category=category,
        grain=filters.grain,
        periods=filters.periods,
        since=filters.since,
        until=filters.until,
        resolution=filters.resolution,
    )
    return HttpResponse(body, content_type="application/json")


def _query_error(field: str, message: str) -> Status:
    return Status(422, {"detail": [{"loc": ["query", field], "msg": message, "type": "value_error"}]})
