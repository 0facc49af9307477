from django.conf import settings
from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "学前教育监管平台 管理后台"
admin.site.site_title = "学前教育监管平台"
admin.site.index_title = "配置管理"

urlpatterns = [
    path("", include("core.urls")),
    path("accounts/", include("accounts.urls")),
    path("kindergartens/", include("kindergartens.urls")),
    path("supervision/", include("supervision.urls")),
    path("staffing/", include("staffing.urls")),
    path("public/draws/", include("supervision.urls_public")),
    path("public/supervisors/", include("supervision.urls_public_signs")),
    path("reports/", include("reports.urls")),
    path("pairing/", include("pairing.urls")),
    path("indicators/", include("indicators.urls")),
    path("safety/", include("safety.urls")),
    path("public/", include("kindergartens.urls_public")),
    path("api/v1/", include("config.api_urls")),
    path("admin/", admin.site.urls),
]

handler400 = "core.views.bad_request"
handler403 = "core.views.permission_denied"
handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"

if settings.DEBUG:  # pragma: no cover - development only
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
