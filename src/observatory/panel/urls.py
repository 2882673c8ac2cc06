from django.urls import path

from observatory.panel import views

app_name = "panel"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.panel_new, name="new"),
    path("<int:panel_id>/", views.manage, name="manage"),
    path("<int:panel_id>/status/", views.set_status, name="status"),
    path("<int:panel_id>/register/", views.register, name="register"),
    path("<int:panel_id>/register/thanks/", views.registered, name="registered"),
    path("<int:panel_id>/quotas/", views.quotas, name="quotas"),
    path("<int:panel_id>/compute/", views.compute, name="compute"),
    path("<int:panel_id>/compare/", views.compare, name="compare"),
    path("<int:panel_id>/commit/", views.commit, name="commit"),
    path("<int:panel_id>/draw/run/", views.run_draw, name="run-draw"),
    path("<int:panel_id>/contacts/", views.contacts, name="contacts"),
    path("<int:panel_id>/draw/", views.draw_page, name="draw"),
    path("<int:panel_id>/pool.csv", views.pool_csv, name="pool-file"),
    path("<int:panel_id>/quotas.csv", views.quotas_csv, name="quotas-file"),
    path("<int:panel_id>/audit.json", views.audit_file, name="audit-file"),
]
