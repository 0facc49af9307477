from staffing.views import urlpatterns

app_name = "staffing"

__all__ = ["app_name", "urlpatterns"]
