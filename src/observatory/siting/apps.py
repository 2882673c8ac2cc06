from django.apps import AppConfig


class SitingConfig(AppConfig):
    name = "observatory.siting"
    label = "siting"
