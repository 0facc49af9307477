"""REST API under /api/v1/ (URL names ``api:<basename>-<action>``).

The views live in each app's ``api.py``; see core/api.py for the shared pieces. The
schema and its Swagger UI are for signed-in users only: they describe every endpoint,
and a bureau network has no public API consumers.
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from accounts.api import MeView, TokenView, UserViewSet
from core.api_auth import API_PERMISSIONS
from core.api_root import ApiRootView
from indicators.api import IndicatorFiguresView
from kindergartens.api import BureauViewSet, ChangeFilingViewSet, ClassViewSet, KindergartenViewSet, TownshipViewSet
from pairing.api import ActivityViewSet, AgreementViewSet, PlanViewSet
from reports.api import ConsolidatedReportViewSet, ReportTypeViewSet, SubmissionActionsViewSet
from safety.api import (
    BusViewSet,
    DraftViewSet,
    DrillViewSet,
    FacilityRecordViewSet,
    HazardViewSet,
    IncidentViewSet,
    LetterViewSet,
    RatesView,
    VideoCheckViewSet,
    ZeroReportViewSet,
)
from staffing.api import (
    CertificateViewSet,
    EmploymentViewSet,
    MisconductViewSet,
    PersonViewSet,
    RecordCheckViewSet,
    TrainingViewSet,
)
from supervision.api import (
    AssignmentViewSet,
    DrawViewSet,
    InspectionViewSet,
    OrderViewSet,
    SelfCheckViewSet,
    TemplateViewSet,
)

app_name = "api"

_swagger = SpectacularSwaggerSplitView.as_view(url_name="api:schema", permission_classes=API_PERMISSIONS)


@wraps(_swagger)
def api_docs(request, *args, **kwargs):
    """Swagger UI. A page for people, so a signed-out visitor is sent to the login page like
    on every other page (accounts.middleware sends a one-time password to the password form).
    The split view serves its script from ?script=, so the CSP needs no 'unsafe-inline'."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    return _swagger(request, *args, **kwargs)


router = SimpleRouter()
router.register("bureaus", BureauViewSet, basename="bureau")
router.register("townships", TownshipViewSet, basename="township")
router.register("kindergartens", KindergartenViewSet, basename="kindergarten")
router.register("classes", ClassViewSet, basename="class")
router.register("change-filings", ChangeFilingViewSet, basename="change-filing")
router.register("users", UserViewSet, basename="user")
router.register("supervisor-assignments", AssignmentViewSet, basename="supervisor-assignment")
router.register("staff/people", PersonViewSet, basename="staff-person")
router.register("staff/employments", EmploymentViewSet, basename="staff-employment")
router.register("staff/certificates", CertificateViewSet, basename="staff-certificate")
router.register("staff/record-checks", RecordCheckViewSet, basename="staff-record-check")
router.register("staff/trainings", TrainingViewSet, basename="staff-training")
router.register("staff/misconduct", MisconductViewSet, basename="staff-misconduct")
router.register("checklist-templates", TemplateViewSet, basename="checklist-template")
router.register("inspections", InspectionViewSet, basename="inspection")
router.register("rectification-orders", OrderViewSet, basename="rectification-order")
router.register("self-checks", SelfCheckViewSet, basename="self-check")
router.register("random-draws", DrawViewSet, basename="random-draw")
router.register("report-types", ReportTypeViewSet, basename="report-type")
router.register("report-submissions", SubmissionActionsViewSet, basename="report-submission")
router.register("consolidated-reports", ConsolidatedReportViewSet, basename="consolidated-report")
router.register("pairing/agreements", AgreementViewSet, basename="pairing-agreement")
router.register("pairing/activities", ActivityViewSet, basename="pairing-activity")
router.register("pairing/plans", PlanViewSet, basename="pairing-plan")
router.register("safety/incidents", IncidentViewSet, basename="safety-incident")
router.register("safety/incident-drafts", DraftViewSet, basename="safety-incident-draft")
router.register("safety/zero-reports", ZeroReportViewSet, basename="safety-zero-report")
router.register("safety/hazards", HazardViewSet, basename="safety-hazard")
router.register("safety/facility-records", FacilityRecordViewSet, basename="safety-facility-record")
router.register("safety/school-buses", BusViewSet, basename="safety-bus")
router.register("safety/video-checks", VideoCheckViewSet, basename="safety-video-check")
router.register("safety/responsibility-letters", LetterViewSet, basename="safety-letter")
router.register("safety/drills", DrillViewSet, basename="safety-drill")

# The root names every part that answers a GET; a router resource without a list (classes live
# under their kindergarten) is reached from its parent.
ROOT_RESOURCES = (
    ("docs", "api:docs"),
    ("schema", "api:schema"),
    ("me", "api:me"),
    ("auth-token", "api:token"),
    ("indicators", "api:indicator-figures"),
    *((prefix, f"api:{basename}-list") for prefix, viewset, basename in router.registry if hasattr(viewset, "list")),
)

urlpatterns = [
    path("", ApiRootView.as_view(resources=ROOT_RESOURCES), name="root"),
    path("me/", MeView.as_view(), name="me"),
    path("auth/token/", TokenView.as_view(), name="token"),
    # Signed in and off the one-time password, like every endpoint.
    path("schema/", SpectacularAPIView.as_view(permission_classes=API_PERMISSIONS), name="schema"),
    path("docs/", api_docs, name="docs"),
    path("indicators/", IndicatorFiguresView.as_view(), name="indicator-figures"),
    path("safety/rates/", RatesView.as_view(), name="safety-rates"),
    *router.urls,
]
