from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "observatory.reports"
    label = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from observatory.reports.models import Category
        from observatory.reports.services.intake import forget_categories

        post_save.connect(forget_categories, sender=Category, dispatch_uid="forget-categories-save")
        post_delete.connect(forget_categories, sender=Category, dispatch_uid="forget-categories-delete")
