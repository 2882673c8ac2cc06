from django.apps import AppConfig


class ComplaintsConfig(AppConfig):
    name = "observatory.complaints"
    default_auto_field = "django.db.models.BigAutoField"
