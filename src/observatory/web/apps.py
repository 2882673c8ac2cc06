from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "observatory.web"
    label = "web"

    def ready(self) -> None:
        # French dates in words: "1er octobre" on the first of a month, on every page, PDF and
        # e-mail (observatory.common.dates; installed here, once, for every process).
        from observatory.common import dates

        dates.install()
