from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "observatory.web"
    label = "web"
