from django.urls import path

from core import views, views_jobs, views_notifications
from core.registry import group_indexes

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("healthz/", views.healthz, name="healthz"),
    # Browsers ask for /favicon.ico whatever the page says (JSON, downloads): send them to the icon.
    path(
        "favicon.ico",
        views.favicon,
        name="favicon",
    ),
    path("jobs/", views_jobs.job_list, name="job-list"),
    path("jobs/<int:pk>/", views_jobs.job_detail, name="job-detail"),
    path("jobs/<int:pk>/status/", views_jobs.job_status, name="job-status"),
    path("jobs/<int:pk>/download/", views_jobs.job_download, name="job-download"),
    path("notifications/", views_notifications.notification_list, name="notification-list"),
    path("notifications/read-all/", views_notifications.notification_read_all, name="notification-read-all"),
    path("notifications/<int:pk>/open/", views_notifications.notification_open, name="notification-open"),
    # An app's own address (/safety/…) opens its first page the user may open (menu groups with an index).
    *(
        path(prefix, views.group_index, {"group": key}, name=f"group-{key}")
        for prefix, key in sorted(group_indexes().items())
    ),
]
