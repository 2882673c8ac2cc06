from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlertsConfig(AppConfig):
    name = "observatory.alerts"
    verbose_name = _("Alerts for the field")
    default_auto_field = "django.db.models.BigAutoField"
