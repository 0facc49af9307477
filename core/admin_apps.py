from django.contrib.admin import apps as admin_apps


class PortalAdminConfig(admin_apps.AdminConfig):
    """The admin site, restricted to superusers and (read-only, scoped) bureau admins."""

    default_site = "core.admin_scope.PortalAdminSite"
