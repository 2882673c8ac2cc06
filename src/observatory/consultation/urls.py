from django.urls import path

from observatory.consultation import views

app_name = "consultation"

urlpatterns = [
    path("", views.consultation_list, name="list"),
    path("new/", views.consultation_new, name="new"),
    path("moderation/", views.moderation, name="moderation"),
    path("moderation/<int:argument_id>/<slug:action>/", views.moderate, name="moderate"),
    path("arguments/<int:argument_id>/endorse/", views.endorse, name="endorse"),
    path("<int:consultation_id>/", views.consultation_detail, name="detail"),
    path("<int:consultation_id>/options/new/", views.option_new, name="option-new"),
    path("<int:consultation_id>/codes/", views.codes_new, name="codes"),
    path("<int:consultation_id>/vote/", views.vote, name="vote"),
    path("<int:consultation_id>/options/<int:option_id>/argue/", views.argument_new, name="argument-new"),
    path("<int:consultation_id>/results/", views.results, name="results"),
    path("<int:consultation_id>/ballots.csv", views.export_csv, name="export-csv"),
    path("<int:consultation_id>/ballots.json", views.export_json, name="export-json"),
]
