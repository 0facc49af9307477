from django.contrib import admin

from core.admin_scope import is_scoped_admin
from core.models import AuditEntry, WorkerHeartbeat


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: nobody alters or removes audit entries, not even a superuser."""

    list_display = ("at", "actor_label", "action", "content_type", "object_repr", "source", "request_id")
    list_filter = ("action", "source", "content_type")
    search_fields = ("object_repr", "actor_label", "request_id")
    date_hierarchy = "at"

    def get_queryset(self, request):
        qs = super().get_queryset(request).select_related("content_type")
        if request.user.is_superuser:
            return qs
        if is_scoped_admin(request.user):
            return qs.filter(district_id=request.user.bureau_id)
        return qs.none()

    def has_module_permission(self, request):
        return request.user.is_superuser or is_scoped_admin(request.user)

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser or is_scoped_admin(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(admin.ModelAdmin):
    list_display = ("name", "beat_at")

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
