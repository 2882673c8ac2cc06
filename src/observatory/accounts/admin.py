from django.contrib import admin

from observatory.accounts.models import AuditEntry

# The admin is for administrators only (superusers), whatever their staff flag says.
# Deliberately replaces the method on this one instance (mypy flags any assignment to a method).
admin.site.has_permission = lambda request: request.user.is_active and request.user.is_superuser  # type: ignore[method-assign]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ("at", "actor_name", "action", "object_type", "object_id")
    list_filter = ("action",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
