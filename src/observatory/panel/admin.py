"""Django admin: panels and their features (read-mostly). Contacts are deliberately absent: they
are read through the members' contacts page, which writes each reading to the audit log."""

from django.contrib import admin

from observatory.panel.models import Computation, Feature, FeatureValue, Panel


class FeatureValueInline(admin.TabularInline):
    model = FeatureValue
    extra = 0
    fields = ["position", "key", "label", "min_seats", "max_seats"]


@admin.register(Feature)
class FeatureAdmin(admin.ModelAdmin):
    list_display = ["label", "key", "panel"]
    inlines = [FeatureValueInline]


@admin.register(Panel)
class PanelAdmin(admin.ModelAdmin):
    list_display = ["name", "size", "method", "status", "draw_on", "term_ends_on"]
    readonly_fields = [
        "pool_csv",
        "quotas_csv",
        "pool_sha256",
        "quotas_sha256",
        "distribution",
        "distribution_sha256",
        "committed_at",
        "audit",
        "drawn_at",
        "contacts_purged_at",
        "created_by",
        "created_at",
    ]


@admin.register(Computation)
class ComputationAdmin(admin.ModelAdmin):
    list_display = ["panel", "method", "min_probability", "gini", "seconds", "computed_at"]
    readonly_fields = [f.name for f in Computation._meta.fields]
