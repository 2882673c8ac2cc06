"""Admin: complaints are listed without their text, code or contact (those are for the referent's
pages, where every reading is logged); the referent role itself is a group, assigned in Users."""

from django.contrib import admin

from observatory.complaints.models import Complaint


@admin.register(Complaint)
class ComplaintAdmin(admin.ModelAdmin):
    list_display = (
        "short_id",
        "kind",
        "status",
        "outcome",
        "care_place",
        "channel",
        "names_person",
        "filed_at",
    )
    list_filter = ("kind", "status", "outcome", "channel", "names_person")
    date_hierarchy = "filed_at"
    fields = (
        "kind",
        "status",
        "outcome",
        "care_place",
        "channel",
        "names_person",
        "filed_at",
        "first_answer_at",
        "closed_at",
    )
    readonly_fields = fields

    def has_add_permission(self, request):  # complaints are filed on the site, never typed in here
        return False

    def has_change_permission(self, request, obj=None):
        return False
