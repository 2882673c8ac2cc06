from django.apps import AppConfig


class ReleasesConfig(AppConfig):
    name = "observatory.releases"
    label = "releases"
    verbose_name = "Public releases"
