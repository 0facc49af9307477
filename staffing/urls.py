from staffing import views, views_excel, views_settings

app_name = "staffing"

urlpatterns = [*views.urlpatterns, *views_excel.urlpatterns, *views_settings.urlpatterns]

__all__ = ["app_name", "urlpatterns"]
