from django.apps import AppConfig


class PanelConfig(AppConfig):
    name = "observatory.panel"
    label = "panel"
