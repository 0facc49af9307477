from django.contrib import admin

from core.admin_scope import ScopedAdmin
from kindergartens.access import bureaus_visible_to, groups_visible_to, kindergartens_visible_to, townships_visible_to
from kindergartens.models import Bureau, CollaborationGroup, Kindergarten, Township
from kindergartens.services import credit_grades_ensure_defaults


@admin.register(Bureau)
class BureauAdmin(ScopedAdmin):
    scope = staticmethod(bureaus_visible_to)
    list_display = ("name", "level", "parent", "division_code", "province")
    list_filter = ("level",)
    search_fields = ("name", "division_code")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            # A new district starts with the neutral credit grades its admin can then adapt.
            credit_grades_ensure_defaults(district=obj)


@admin.register(Township)
class TownshipAdmin(ScopedAdmin):
    scope = staticmethod(townships_visible_to)
    list_display = ("name", "district", "urban_rural_code", "code")
    list_filter = ("urban_rural_code", "district")
    search_fields = ("name", "code")


@admin.register(CollaborationGroup)
class CollaborationGroupAdmin(ScopedAdmin):
    scope = staticmethod(groups_visible_to)
    list_display = ("name", "district", "leader")
    search_fields = ("name",)
    raw_id_fields = ("leader",)


@admin.register(Kindergarten)
class KindergartenAdmin(ScopedAdmin):
    """Read-only in the admin: kindergartens change through the registry pages and their services."""

    scope = staticmethod(kindergartens_visible_to)
    list_display = ("name", "district", "township", "nature", "collaboration_group")
    list_filter = ("nature", "district")
    search_fields = ("name",)
    list_select_related = ("district", "township", "collaboration_group")

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
