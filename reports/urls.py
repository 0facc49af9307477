from django.urls import path

from reports import views, views_types

app_name = "reports"
urlpatterns = [
    path("", views.home, name="home"),
    path("completeness/", views.completeness, name="completeness"),
    path("completeness/remind/", views.remind, name="remind"),
    path("review/", views.review, name="review"),
    path("types/", views_types.type_list, name="types"),
    path("types/new/", views_types.type_new, name="type-new"),
    path("types/<int:pk>/", views_types.type_detail, name="type-detail"),
    path("types/<int:pk>/edit/", views_types.type_edit, name="type-edit"),
    path("submissions/<int:pk>/", views.submission_detail, name="submission-detail"),
    path("submissions/<int:pk>/return/", views.submission_return_view, name="submission-return"),
    path("submissions/<int:pk>/approve/", views.submission_approve_view, name="submission-approve"),
    path("submissions/<int:pk>/reopen/", views.submission_reopen_view, name="submission-reopen"),
    path("submissions/<int:pk>/build/", views.submission_build_view, name="submission-build"),
    path("submissions/<int:pk>/excel/", views.submission_excel, name="submission-excel"),
    path("submissions/<int:pk>/attachment/", views.submission_file, name="submission-file"),
]
