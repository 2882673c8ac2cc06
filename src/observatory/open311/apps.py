from django.apps import AppConfig


class Open311Config(AppConfig):
    name = "observatory.open311"
    label = "open311"
