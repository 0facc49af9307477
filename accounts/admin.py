from django.contrib import admin

from accounts.access import users_visible_to
from accounts.models import User
from core.admin_scope import ScopedAdmin


@admin.register(User)
class UserAdmin(ScopedAdmin):
    """Read-only list of accounts; accounts are created and changed through 账号管理 (services)."""

    scope = staticmethod(users_visible_to)
    list_display = ("username", "full_name", "role", "bureau", "kindergarten", "is_active", "last_login")
    list_filter = ("role", "is_active")
    search_fields = ("username", "full_name")
    list_select_related = ("bureau", "kindergarten")
    exclude = ("password", "user_permissions", "groups")

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
