from django.urls import path

from observatory.complaints import views

app_name = "complaints"

urlpatterns = [
    path("new/", views.file_new, name="new"),
    path("slip.pdf", views.slip_pdf, name="slip-pdf"),
    path("follow/", views.follow, name="follow"),
    path("follow/message/", views.message, name="message"),
    path("figures/", views.figures, name="figures"),
    path("released/", views.released, name="released"),
    path("referent/", views.queue, name="queue"),
    path("referent/<uuid:complaint_id>/", views.case, name="case"),
    path("referent/<uuid:complaint_id>/photo/", views.photo, name="photo"),
]
