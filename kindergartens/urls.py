from django.urls import path

from kindergartens import views
from supervision import views as supervision_views

app_name = "kindergartens"
urlpatterns = [
    path("", views.kindergarten_list, name="list"),
    path("<int:pk>/", views.kindergarten_detail, name="detail"),
    path("<int:pk>/edit/", views.kindergarten_edit, name="edit"),
    path("<int:pk>/history/", views.kindergarten_history, name="history"),
    path("<int:pk>/assign-supervisor/", supervision_views.assignment_create, name="assign-supervisor"),
]
