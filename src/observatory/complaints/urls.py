from django.urls import path

from observatory.complaints import views

app_name = "complaints"

# The public figures (complaints:released) are a view of the release engine, which sits above
# complaints: the root urls.py adds them to this namespace.

urlpatterns = [
    path("new/", views.file_new, name="new"),
    path("slip.pdf", views.slip_pdf, name="slip-pdf"),
    path("follow/", views.follow, name="follow"),
    path("follow/message/", views.message, name="message"),
    path("figures/", views.figures, name="figures"),
    path("referent/", views.queue, name="queue"),
    path("referent/<uuid:complaint_id>/", views.case, name="case"),
    path("referent/<uuid:complaint_id>/photo/", views.photo, name="photo"),
]
