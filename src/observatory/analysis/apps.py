from django.apps import AppConfig


class AnalysisConfig(AppConfig):
    name = "observatory.analysis"
    label = "analysis"

    def ready(self) -> None:
        from django.db.models.signals import post_delete

        from observatory.reports.models import Report

        post_delete.connect(_published_report_deleted, sender=Report, dispatch_uid="analysis-counts-delete")


def _published_report_deleted(sender, instance, **kwargs) -> None:
    """A published report deleted (admin, a bulk delete) leaves the dashboard's counts with it, in
    the same transaction as the delete."""
    from observatory.analysis import aggregates
    from observatory.reports.models import Report

    if instance.status == Report.Status.PUBLISHED:
        aggregates.bump([instance], -1)
