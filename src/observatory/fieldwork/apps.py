from django.apps import AppConfig


class FieldworkConfig(AppConfig):
    name = "observatory.fieldwork"
    label = "fieldwork"
