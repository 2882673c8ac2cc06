"""Admin pages: saved what-if scenarios and runs (read their JSON, delete old runs)."""

from django.contrib import admin

from observatory.simulation import models


@admin.register(models.SavedScenario)
class SavedScenarioAdmin(admin.ModelAdmin):
    list_display = ("name", "base", "created_by", "updated_at")


@admin.register(models.Run)
class RunAdmin(admin.ModelAdmin):
    list_display = ("label", "status", "percent", "created_by", "created_at", "finished_at")
    list_filter = ("status",)
    readonly_fields = ("outputs", "data")
