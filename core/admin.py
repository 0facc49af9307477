from django.contrib import admin
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from core.admin_scope import is_scoped_admin
from core.history import ENTRY_TIME_FORMAT, actor_name, beijing, entry_views, model_label
from core.models import AuditEntry, WorkerHeartbeat


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: nobody alters or removes audit entries, not even a superuser.

    Shown as the history page shows them (core.history): names, labels and Beijing times.
    """

    list_display = ("at", "actor_display", "action", "model_display", "object_repr", "source")
    list_filter = ("action", "source", "content_type")
    search_fields = ("object_repr", "actor_label", "request_id")
    date_hierarchy = "at"
    fieldsets = (
        (None, {"fields": ("at_display", "actor_display", "action", "source", "model_display", "object_repr")}),
        (_("变更内容"), {"fields": ("changes_display",)}),
        (_("技术信息"), {"classes": ("collapse",), "fields": ("actor_label", "request_id", "path", "ip")}),
    )

    @admin.display(description=_("时间（北京时间）"), ordering="at")
    def at_display(self, obj: AuditEntry) -> str:
        return beijing(obj.at).strftime(ENTRY_TIME_FORMAT)

    @admin.display(description=_("操作人"))
    def actor_display(self, obj: AuditEntry) -> str:
        return actor_name(obj)

    @admin.display(description=_("对象类型"), ordering="content_type")
    def model_display(self, obj: AuditEntry) -> str:
        return model_label(obj)

    @admin.display(description=_("变更内容"))
    def changes_display(self, obj: AuditEntry):
        (view,) = entry_views([obj])
        if not view.changes:
            return "—"
        rows = format_html_join(
            "",
            '<tr data-field="{}"><th>{}</th><td>{}</td><td>{}</td></tr>',
            ((row.name, row.label, row.old, row.new) for row in view.changes),
        )
        return format_html(
            '<table class="audit-changes"><thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead>'
            "<tbody>{}</tbody></table>",
            _("项目"),
            _("修改前"),
            _("修改后"),
            rows,
        )

    def get_queryset(self, request):
        qs = super().get_queryset(request).select_related("content_type", "actor")
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
