from django.contrib import admin

from observatory.siting.models import ReportingArea, Scenario


@admin.register(Scenario)
class ScenarioAdmin(admin.ModelAdmin):
    list_display = ["name", "created_by", "created_at"]
    readonly_fields = ["inputs", "demand", "result", "robustness", "created_by", "created_at"]


@admin.register(ReportingArea)
class ReportingAreaAdmin(admin.ModelAdmin):
    list_display = ["name", "residents_per_km2", "visibility", "source"]
