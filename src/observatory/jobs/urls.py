from django.urls import path

from observatory.jobs import views

app_name = "jobs"

urlpatterns = [
    path("", views.index, name="index"),
    path("<uuid:job_id>/", views.detail, name="detail"),
    path("<uuid:job_id>/status.json", views.status, name="status"),
    path("<uuid:job_id>/cancel/", views.cancel, name="cancel"),
]
