"""The analysis dashboard (observatory members): one page per analysis, each with ?format=csv."""

from django.urls import path

from observatory.analysis import views

app_name = "analysis"

urlpatterns = [
    path("", views.hotspots, name="hotspots"),
    path("density/", views.density, name="density"),
    path("rhythm/", views.rhythm_view, name="rhythm"),
    path("trends/", views.trends_view, name="trends"),
    path("displacement/", views.displacement_view, name="displacement"),
    # A recorded operation's panel numbers (the panel itself is on the fieldwork operation page,
    # drawn by the analysis_panels template tags; /fieldwork/operations/<id>/displacement.csv redirects here).
    path("operations/<int:operation_id>/displacement.csv", views.operation_csv, name="operation-csv"),
]
