"""REST API under /api/v1/ (URL names ``api:<basename>-<action>``).

The views live in each app's ``api.py``; see core/api.py for the shared pieces. The
schema and its Swagger UI are for signed-in users only: they describe every endpoint,
and a bureau network has no public API consumers.
"""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import IsAuthenticated
from rest_framework.routers import SimpleRouter

from accounts.api import MeView, TokenView, UserViewSet
from kindergartens.api import BureauViewSet, ChangeFilingViewSet, ClassViewSet, KindergartenViewSet, TownshipViewSet
from supervision.api import AssignmentViewSet

app_name = "api"

router = SimpleRouter()
router.register("bureaus", BureauViewSet, basename="bureau")
router.register("townships", TownshipViewSet, basename="township")
router.register("kindergartens", KindergartenViewSet, basename="kindergarten")
router.register("classes", ClassViewSet, basename="class")
router.register("change-filings", ChangeFilingViewSet, basename="change-filing")
router.register("users", UserViewSet, basename="user")
router.register("supervisor-assignments", AssignmentViewSet, basename="supervisor-assignment")

urlpatterns = [
    path("me/", MeView.as_view(), name="me"),
    path("auth/token/", TokenView.as_view(), name="token"),
    path("schema/", SpectacularAPIView.as_view(permission_classes=[IsAuthenticated]), name="schema"),
    path(
        "docs/",
        # The split view serves its script from ?script=, so the CSP needs no 'unsafe-inline'.
        SpectacularSwaggerSplitView.as_view(url_name="api:schema", permission_classes=[IsAuthenticated]),
        name="docs",
    ),
    *router.urls,
]
