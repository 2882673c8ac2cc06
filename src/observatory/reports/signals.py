"""What the reports app tells the apps above it, without importing them.

Both signals are sent inside the transaction that changes the reports' status (``publication.py``),
with ``reports``, the list of :class:`~observatory.reports.models.Report` concerned: a receiver's
writes commit or roll back with the status change (the analysis dashboard keeps its counts so).
"""

from __future__ import annotations

from django.dispatch import Signal

# Reports that entered the published state (a moderation decision, or a bulk load of published ones).
reports_published = Signal()
# Reports that left it (unpublished, rejected after publication...).
reports_unpublished = Signal()
