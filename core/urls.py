from django.urls import path

from core import views

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
]
