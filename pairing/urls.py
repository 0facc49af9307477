from django.urls import path

from pairing import views

app_name = "pairing"

urlpatterns = [
    path("agreements/", views.agreement_list, name="agreements"),
    path("agreements/new/", views.agreement_create, name="agreement-create"),
    path("agreements/<int:pk>/", views.agreement_detail, name="agreement-detail"),
    path("agreements/<int:pk>/edit/", views.agreement_edit, name="agreement-edit"),
    path("agreements/<int:pk>/submit/", views.agreement_submit, name="agreement-submit"),
    path("agreements/<int:pk>/confirm/", views.agreement_confirm, name="agreement-confirm"),
    path("agreements/<int:pk>/return/", views.agreement_return, name="agreement-return"),
    path("agreements/<int:pk>/complete/", views.agreement_complete, name="agreement-complete"),
    path("agreements/<int:pk>/end/", views.agreement_end, name="agreement-end"),
    path("agreements/<int:pk>/upload/", views.agreement_upload, name="agreement-upload"),
    path("agreements/<int:pk>/activities/new/", views.activity_create, name="activity-create"),
    path("files/<int:pk>/", views.file_download, name="file-download"),
    path("plans/", views.plan_list, name="plans"),
    path("plans/edit/", views.plan_edit, name="plan-edit"),
    path("plans/<int:pk>/submit/", views.plan_submit, name="plan-submit"),
    path("targets/", views.target_list, name="targets"),
    path("overview/", views.overview, name="overview"),
]
