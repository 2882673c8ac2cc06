from django.contrib import admin

from observatory.subscriptions.models import ReportNotice, Subscription


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ("email", "area", "cadence", "language", "created_at", "confirmed_at", "last_sent_at")
    list_filter = ("cadence", "language", "area__level")
    search_fields = ("email",)
    readonly_fields = (
        "key",
        "created_at",
        "confirmation_sent_at",
        "confirmed_at",
        "last_release_id",
        "last_sent_at",
    )


@admin.register(ReportNotice)
class ReportNoticeAdmin(admin.ModelAdmin):
    list_display = ("user", "email", "created_at", "confirmed_at")
    search_fields = ("email", "user__username")
