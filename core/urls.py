from django.urls import path

from core import views, views_jobs

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
]
