from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_safe

from core.access import account_has_scope
from core.registry import home_cards_for


@login_required
@require_safe
def home(request):
    """One home page for every role: the cards the apps registered for this user (core.registry)."""
    if not account_has_scope(request.user):
        return render(request, "core/home_noscope.html")
    cards = [render_to_string(template, context, request=request) for template, context in home_cards_for(request)]
    return render(request, "core/home.html", {"cards": cards})


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
