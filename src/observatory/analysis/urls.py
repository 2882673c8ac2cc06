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
]
