from django.apps import AppConfig


class AnalysisConfig(AppConfig):
    name = "observatory.analysis"
    label = "analysis"

    def ready(self) -> None:
        # The receivers import the reports' models, which exist only once the apps are loaded.
        from observatory.analysis import receivers

        receivers.connect()
