from django.contrib import admin

from observatory.jobs.models import Job


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ("label", "status", "percent", "created_at", "finished_at", "attempts")
    list_filter = ("status",)
    search_fields = ("label", "kind", "target")
    readonly_fields = [f.name for f in Job._meta.fields]
