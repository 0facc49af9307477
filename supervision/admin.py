from django.contrib import admin

from core.admin_scope import ScopedAdmin
from supervision.access import assignments_visible_to
from supervision.models import SupervisorAssignment


@admin.register(SupervisorAssignment)
class SupervisorAssignmentAdmin(ScopedAdmin):
    """Read-only history; assignments change through the 责任督学 pages (supervision.services)."""

    scope = staticmethod(assignments_visible_to)
    list_display = ("kindergarten", "supervisor", "started_at", "ended_at", "assigned_by")
    list_filter = ("ended_at",)
    list_select_related = ("kindergarten", "supervisor", "assigned_by")

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
