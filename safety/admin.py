"""Safety records in the admin: read-only. Incidents and their timeline are evidence: nobody
adds, changes or deletes them here (the portal's services are the only way in, and the database
refuses changes and deletions of the timeline anyway)."""

from django.contrib import admin

from safety.models import Hazard, Incident, IncidentEntry, ZeroReport


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class EntryInline(admin.TabularInline):
    model = IncidentEntry
    fk_name = "incident"
    extra = 0
    fields = ("kind", "at", "author", "text", "corrects")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Incident)
class IncidentAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "kindergarten", "kind", "grade", "occurred_at", "reported_at", "late", "final_at")
    list_filter = ("grade", "kind", "late")
    inlines = [EntryInline]
    actions = None


@admin.register(ZeroReport)
class ZeroReportAdmin(ReadOnlyAdmin):
    list_display = ("kindergarten", "month", "confirmed_at")
    actions = None


@admin.register(Hazard)
class HazardAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "kindergarten", "category", "source", "found_on", "order")
    actions = None
