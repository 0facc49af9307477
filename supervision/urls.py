from django.urls import path

from supervision import views

app_name = "supervision"
urlpatterns = [
    path("assignments/", views.assignment_list, name="assignment-list"),
    path("assignments/<int:pk>/end/", views.assignment_end, name="assignment-end"),
]
