from django.urls import path

from kindergartens.views import (
    filings,
    imports,
    registry,
    vocabularies,
)
from supervision import views as supervision_views

app_name = "kindergartens"
urlpatterns = [
    *registry.urlpatterns,
    *filings.urlpatterns,
    *imports.urlpatterns,
    *vocabularies.urlpatterns,
    path("<int:pk>/assign-supervisor/", supervision_views.assignment_create, name="assign-supervisor"),
]
