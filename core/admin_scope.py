"""Django admin scoped like the portal.

Superusers (platform operators) see everything. A bureau admin with ``is_staff`` sees
only what the access layer gives them, read-only unless a ModelAdmin opts in. Other
accounts cannot enter the admin at all.
"""

from django.contrib import admin

from accounts.roles import Role


def is_scoped_admin(user) -> bool:
    return bool(user.is_active and user.is_staff and not user.is_superuser and user.role == Role.BUREAU_ADMIN)


class PortalAdminSite(admin.AdminSite):
    def has_permission(self, request):
        user = request.user
        return bool(user.is_active and (user.is_superuser or is_scoped_admin(user)))


class ScopedAdmin(admin.ModelAdmin):
    """``scope`` is an access function: user -> queryset of what that user may see."""

    scope = None
    scoped_can_change = False

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        if is_scoped_admin(request.user) and self.scope is not None:
            return qs.filter(pk__in=type(self).scope(request.user).values("pk"))
        return qs.none()

    def has_module_permission(self, request):
        return request.user.is_superuser or is_scoped_admin(request.user)

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser or is_scoped_admin(request.user)

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser or (is_scoped_admin(request.user) and self.scoped_can_change)

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return False  # records are ended or deactivated, never deleted
