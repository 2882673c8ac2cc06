from django.urls import path

from observatory.bulletins import views

app_name = "bulletins"

urlpatterns = [
    path("", views.archive, name="archive"),
    path("<str:month>/<str:edition>/", views.detail, name="detail"),
    path("<str:month>/<str:edition>/bulletin.pdf", views.pdf_file, name="pdf"),
    path("<str:month>/<str:edition>/<slug:key>.csv", views.figure_csv, name="csv"),
    path("<str:month>/<str:edition>/<slug:key>.svg", views.figure_svg, name="svg"),
]
