from django.urls import path

from observatory.siting import views

app_name = "siting"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.scenario_new, name="new"),
    path("compare/", views.compare, name="compare"),
    path("<int:scenario_id>/", views.scenario_detail, name="scenario"),
    path("<int:scenario_id>/scenario.geojson", views.scenario_geojson, name="geojson"),
    path("<int:scenario_id>/robustness/", views.scenario_robustness, name="robustness"),
    path("<int:scenario_id>/send/", views.scenario_send, name="send"),
]
