"""Open311 GeoReport v2 under /open311/v2/: every endpoint with a .json or .xml suffix."""

from django.urls import re_path

from observatory.open311 import views

app_name = "open311"

FMT = r"\.(?P<fmt>[A-Za-z0-9]+)$"

urlpatterns = [
    re_path(r"^discovery" + FMT, views.discovery, name="discovery"),
    re_path(r"^services" + FMT, views.services, name="services"),
    re_path(r"^services/(?P<service_code>[^/.]+)" + FMT, views.service_definition, name="service"),
    re_path(r"^requests" + FMT, views.service_requests, name="requests"),
    re_path(r"^requests/(?P<service_request_id>[^/.]+)" + FMT, views.service_request, name="request"),
    # The Swagger description of GeoReport v2 spells this path in the singular; accept both.
    re_path(r"^request/(?P<service_request_id>[^/.]+)" + FMT, views.service_request, name="request-alt"),
    re_path(r"^tokens/(?P<token>[^/.]+)" + FMT, views.token, name="token"),
]
