from django.urls import path

from observatory.fieldwork import plan_views, views

app_name = "fieldwork"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("timeline.svg", views.timeline_chart, name="timeline-chart"),
    path("rounds/", views.round_list, name="rounds"),
    path("rounds/new/", views.round_new, name="round-new"),
    path("rounds/sw.js", views.round_service_worker, name="round-service-worker"),
    path("rounds/notes/", views.notes_queue, name="notes"),
    path("rounds/<uuid:round_id>/notes/<slug:action>/", views.notes_review, name="notes-review"),
    path("operations/", views.operation_list, name="operations"),
    path("operations/new/", views.operation_new, name="operation-new"),
    path("operations/<int:operation_id>/", views.operation_detail, name="operation"),
    path("operations/<int:operation_id>/displacement.csv", views.operation_csv, name="operation-csv"),
    path("places/", views.place_list, name="places"),
    path("places/new/", views.place_new, name="place-new"),
    path("places/<int:place_id>/counts/", views.place_count, name="place-count"),
    path("plan/", views.plan_page, name="plan"),
    path("plan/value/", views.plan_value, name="plan-value"),
    path("plan/indicators/new/", plan_views.indicator_new, name="plan-indicator-new"),
    path("plan/indicators/<slug:code>/edit/", plan_views.indicator_edit, name="plan-indicator-edit"),
    path("plan/<slug:code>.svg", views.plan_chart, name="plan-chart"),
]
