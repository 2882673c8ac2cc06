from django.apps import AppConfig


class ConsultationConfig(AppConfig):
    name = "observatory.consultation"
    label = "consultation"
