"""Django admin scoped like the portal.

Superusers (platform operators) see everything. A bureau admin with ``is_staff`` sees
only what the access layer gives them, read-only unless a ModelAdmin opts in. Other
accounts cannot enter the admin at all.
"""

from django.contrib import admin
from django.contrib.contenttypes import views as contenttype_views
from django.contrib.contenttypes.models import ContentType
from django.http import Http404
from django.urls import path

from accounts.roles import Role


def is_scoped_admin(user) -> bool:
    return bool(user.is_active and user.is_staff and not user.is_superuser and user.role == Role.BUREAU_ADMIN)


class PortalAdminSite(admin.AdminSite):
    def has_permission(self, request):
        user = request.user
        return bool(user.is_active and (user.is_superuser or is_scoped_admin(user)))

    def get_urls(self):
        urls = super().get_urls()
        # Django's "view on site" shortcut redirects for any existing object; ours first asks the admin.
        return [
            path("r/<int:content_type_id>/<path:object_id>/", self.admin_view(self.view_on_site), name="view_on_site")
            if getattr(pattern, "name", None) == "view_on_site"
            else pattern
            for pattern in urls
        ]

    def view_on_site(self, request, content_type_id, object_id):
        """Redirect to an object's page only if this admin would show it to the user; otherwise 404,
        the same as for an id that does not exist, so nobody learns what exists outside their scope."""
        if not request.user.is_superuser:
            try:
                model = ContentType.objects.get_for_id(content_type_id).model_class()
            except ContentType.DoesNotExist as exc:
                raise Http404 from exc
            model_admin = self._registry.get(model)
            if model_admin is None or not model_admin.has_view_permission(request):
                raise Http404
            if model_admin.get_object(request, object_id) is None:  # scoped queryset; a bad id is None too
                raise Http404
        return contenttype_views.shortcut(request, content_type_id, object_id)


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

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        """Django redirects to the admin index with "does not exist" for an id the queryset lacks:
        answer 404 instead, the same for a missing id and for one outside the user's scope."""
        raise Http404


class ReadOnlyScopedAdmin(ScopedAdmin):
    """Scoped and read-only for everyone, superusers too: these records change only through their
    app's services (pages, API, imports), which validate, audit and notify."""

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
