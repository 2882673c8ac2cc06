"""The open-data page and its downloads (mounted at /open-data/)."""

from django.urls import path

from observatory.releases import opendata

urlpatterns = [
    path("", opendata.open_data, name="open-data"),
    path("<str:filename>", opendata.download, name="open-data-file"),
]
