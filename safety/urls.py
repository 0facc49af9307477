from django.urls import path

from safety import views
from safety import views_facilities as fac

app_name = "safety"

urlpatterns = [
    path("incidents/", views.incident_list_view, name="incident-list"),
    path("incidents/new/", views.incident_create, name="incident-create"),
    path("incidents/drafts/<int:pk>/", views.incident_draft, name="incident-draft"),
    path("incidents/drafts/<int:pk>/delete/", views.incident_draft_delete, name="incident-draft-delete"),
    path("incidents/<int:pk>/", views.incident_detail, name="incident-detail"),
    path("incidents/<int:pk>/entries/", views.incident_entry_add, name="incident-entry"),
    path("incidents/<int:pk>/forward/", views.incident_forward_view, name="incident-forward"),
    path("overview/", views.overview, name="overview"),
    path("zero-reports/", views.zero_reports, name="zero-reports"),
    path("hazards/", views.hazard_list, name="hazard-list"),
    path("kindergartens/<int:pk>/hazards/new/", views.hazard_create, name="hazard-create"),
    path("hazards/<int:pk>/", views.hazard_detail, name="hazard-detail"),
    path("hazards/<int:pk>/issue/", views.hazard_issue, name="hazard-issue"),
    path("facilities/", fac.facility_home, name="facility-home"),
    path("kindergartens/<int:pk>/facilities/", fac.facilities, name="facilities"),
    path("kindergartens/<int:pk>/facilities/change/", fac.facility_change, name="facility-change"),
    path("kindergartens/<int:pk>/buses/new/", fac.bus_create, name="bus-create"),
    path("buses/<int:pk>/inspection/", fac.bus_inspect_view, name="bus-inspect"),
    path("buses/<int:pk>/retire/", fac.bus_retire_view, name="bus-retire"),
    path("kindergartens/<int:pk>/video-checks/new/", fac.video_check_create, name="video-check-create"),
    path("kindergartens/<int:pk>/letters/new/", fac.letter_create, name="letter-create"),
    path("kindergartens/<int:pk>/drills/new/", fac.drill_create, name="drill-create"),
]
