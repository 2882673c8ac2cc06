from django.urls import path

from observatory.photos import views

app_name = "photos"

urlpatterns = [
    path("<uuid:report_id>/original.jpg", views.photo_original, name="original"),
    path("<uuid:report_id>/blurred.jpg", views.photo_blurred, name="blurred"),
    path("<uuid:report_id>/<slug:action>/", views.photo_moderate, name="moderate"),
]
