from django.contrib import admin

from observatory.reports.models import ApiKey, Area, Category, Report


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "name_fr", "name_en", "for_pwud", "active", "order")
    list_editable = ("active", "order")


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "level", "parent_code")
    list_filter = ("level",)
    search_fields = ("name", "code")
    exclude = ("geometry",)


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    # Status changes go through the moderation queue (audit log, public counts), not here.
    list_display = ("observed_at", "category", "area", "status", "source", "reporter_kind")
    list_filter = ("status", "source", "category")
    readonly_fields = [f.name for f in Report._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ("name", "active", "created_at")
    readonly_fields = ("key_hash", "created_at")
