from django.contrib import admin

from observatory.siting.models import Scenario


@admin.register(Scenario)
class ScenarioAdmin(admin.ModelAdmin):
    list_display = ["name", "created_by", "created_at"]
    readonly_fields = ["inputs", "demand", "result", "robustness", "created_by", "created_at"]
