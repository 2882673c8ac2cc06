from django.urls import path

from observatory.simulation import views

app_name = "simulation"

urlpatterns = [
    path("", views.index, name="index"),
    path("scenarios/<int:scenario_id>/", views.scenario_detail, name="scenario"),
    path("scenarios/<int:scenario_id>/operations/", views.operation_save, name="operation-save"),
    path("scenarios/<int:scenario_id>/rooms/", views.room_save, name="room-save"),
    path(
        "scenarios/<int:scenario_id>/<slug:section>/<int:index>/delete/",
        views.item_delete,
        name="item-delete",
    ),
    path("scenarios/<int:scenario_id>/run/", views.run_new, name="run-new"),
    path("runs/<int:run_id>/", views.run_detail, name="run"),
    path("compare/", views.compare, name="compare"),
]
