"""Supervision records in the Django admin: scoped like the pages (supervision.access), read-only.
Every record changes through supervision's services (the pages and the API)."""

from django.contrib import admin

from core.admin_scope import ReadOnlyScopedAdmin
from supervision.access import (
    assignments_visible_to,
    draws_visible_to,
    evidence_visible_to,
    inspections_visible_to,
    orders_visible_to,
    selfchecks_visible_to,
    templates_visible_to,
)
from supervision.models import (
    ChecklistTemplate,
    EvidenceFile,
    Inspection,
    RandomDraw,
    RectificationOrder,
    SelfCheck,
    SupervisorAssignment,
)


@admin.register(SupervisorAssignment)
class SupervisorAssignmentAdmin(ReadOnlyScopedAdmin):
    """Read-only history; assignments change through the 责任督学 pages (supervision.services)."""

    scope = staticmethod(assignments_visible_to)
    list_display = ("kindergarten", "supervisor", "started_at", "ended_at", "assigned_by")
    list_filter = ("ended_at",)
    list_select_related = ("kindergarten", "supervisor", "assigned_by")


@admin.register(ChecklistTemplate)
class ChecklistTemplateAdmin(ReadOnlyScopedAdmin):
    scope = staticmethod(templates_visible_to)
    list_display = ("name", "version", "purpose", "district", "is_current")
    list_filter = ("purpose", "is_current")
    list_select_related = ("district",)
    search_fields = ("name",)


@admin.register(Inspection)
class InspectionAdmin(ReadOnlyScopedAdmin):
    scope = staticmethod(inspections_visible_to)
    list_display = ("kindergarten", "kind", "planned_on", "state", "score", "vetoed")
    list_filter = ("kind", "state")
    list_select_related = ("kindergarten",)
    search_fields = ("kindergarten__name",)


@admin.register(SelfCheck)
class SelfCheckAdmin(ReadOnlyScopedAdmin):
    scope = staticmethod(selfchecks_visible_to)
    list_display = ("kindergarten", "template", "state", "submitted_at", "score")
    list_filter = ("state",)
    list_select_related = ("kindergarten", "template")
    search_fields = ("kindergarten__name",)


@admin.register(RandomDraw)
class RandomDrawAdmin(ReadOnlyScopedAdmin):
    scope = staticmethod(draws_visible_to)
    list_display = ("title", "district", "planned_on", "drawn_count", "created_at")
    list_select_related = ("district",)
    search_fields = ("title",)


@admin.register(RectificationOrder)
class RectificationOrderAdmin(ReadOnlyScopedAdmin):
    scope = staticmethod(orders_visible_to)
    list_display = ("kindergarten", "source_label", "severity", "deadline", "state", "escalation")
    list_filter = ("state", "severity")
    list_select_related = ("kindergarten",)
    search_fields = ("kindergarten__name", "description")


@admin.register(EvidenceFile)
class EvidenceFileAdmin(ReadOnlyScopedAdmin):
    """The file itself is served only through the permission-checked page (supervision:evidence-download)."""

    scope = staticmethod(evidence_visible_to)
    exclude = ("file",)
    list_display = ("original_name", "kindergarten", "content_type", "size")
    list_select_related = ("kindergarten",)
