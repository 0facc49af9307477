from django.contrib.auth.decorators import login_required
from django.db import connection
from django.db.models import Prefetch
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.roles import KINDERGARTEN_ROLES, Role
from core import selectors
from kindergartens.access import can, filings_visible_to, kindergarten_flags, kindergartens_visible_to
from supervision.models import SupervisorAssignment


def _active_assignments():
    return Prefetch(
        "supervisor_assignments",
        queryset=SupervisorAssignment.objects.filter(ended_at__isnull=True).select_related("supervisor"),
        to_attr="active_assignments",
    )


@login_required
def home(request):
    """One home page per role: the district's counts, a supervisor's kindergartens, a director's own."""
    user = request.user
    context: dict = {"role": user.role}
    if user.role in (Role.CITY_VIEWER, Role.BUREAU_ADMIN, Role.BUREAU_STAFF) and user.bureau_id:
        context["overview"] = selectors.district_overview(user)
        if user.role == Role.CITY_VIEWER:
            context["districts"] = selectors.districts_breakdown(user)
        template = "core/home_bureau.html"
    elif user.role == Role.SUPERVISOR and user.bureau_id:
        context["kindergartens"] = list(
            kindergartens_visible_to(user).select_related("township").order_by("name", "id")
        )
        template = "core/home_supervisor.html"
    elif user.role in KINDERGARTEN_ROLES and user.kindergarten_id:
        kindergarten = (
            kindergartens_visible_to(user)
            .select_related("district", "township", "collaboration_group")
            .prefetch_related(_active_assignments())
            .first()
        )
        context["kindergarten"] = kindergarten
        context["flags"] = kindergarten_flags(user, kindergarten) if kindergarten else {}
        if can(user, "list_filings"):  # directors; kindergarten staff have no filings list
            context["recent_filings"] = list(filings_visible_to(user).order_by("-submitted_at", "-id")[:5])
        template = "core/home_kindergarten.html"
    else:
        template = "core/home_noscope.html"
    return render(request, template, context)


@require_GET
@never_cache
def healthz(request):
    """Liveness for the load balancer: the app answers and the database responds."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def bad_request(request, exception=None):
    return render(request, "errors/400.html", status=400)


def permission_denied(request, exception=None):
    return render(request, "errors/403.html", status=403)


def page_not_found(request, exception=None):
    return render(request, "errors/404.html", status=404)


def server_error(request):
    return render(request, "errors/500.html", status=500)
