from staffing import views, views_excel

app_name = "staffing"

urlpatterns = [*views.urlpatterns, *views_excel.urlpatterns]

__all__ = ["app_name", "urlpatterns"]
