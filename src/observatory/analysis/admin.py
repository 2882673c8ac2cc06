from django.contrib import admin

from observatory.analysis.models import ReportingArea


@admin.register(ReportingArea)
class ReportingAreaAdmin(admin.ModelAdmin):
    list_display = ["name", "residents_per_km2", "visibility", "source"]
