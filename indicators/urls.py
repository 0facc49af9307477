from django.urls import path

from indicators import views

app_name = "indicators"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("export/", views.export, name="export"),
    path("residents/", views.resident_list, name="resident-list"),
    path("residents/new/", views.resident_form, name="resident-new"),
    path("residents/<int:pk>/edit/", views.resident_form, name="resident-edit"),
    path("residents/import/", views.resident_import, name="resident-import"),
    path("residents/template/", views.resident_template, name="resident-template"),
    path("targets/", views.target_list, name="target-list"),
    path("targets/new/", views.target_form, name="target-new"),
    path("targets/<int:pk>/edit/", views.target_form, name="target-edit"),
    path("tasks/", views.task_list, name="task-list"),
    path("tasks/new/", views.task_form, name="task-new"),
    path("tasks/<int:pk>/edit/", views.task_form, name="task-edit"),
    path("<slug:code>/", views.indicator_detail, name="detail"),
]
