from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpResponsePermanentRedirect, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_safe

from core.access import account_has_scope
from core.registry import group_entries_for, home_cards_for


@login_required
@require_safe
def home(request):
    """One home page for every role: the cards the apps registered for this user (core.registry)."""
    if not account_has_scope(request.user):
        return render(request, "core/home_noscope.html")
    cards = [render_to_string(template, context, request=request) for template, context in home_cards_for(request)]
    return render(request, "core/home.html", {"cards": cards})


@login_required
@require_safe
def group_index(request, group: str):
    """An app's own address (/safety/, /pairing/…): its first page in the menu this user may open; 403
    when the user may open none of them."""
    from django.core.exceptions import PermissionDenied
    from django.http import Http404
    from django.shortcuts import redirect

    entries = group_entries_for(request.user, group)
    if entries is None:
        raise Http404
    if not entries:
        raise PermissionDenied("您没有可以打开的页面。")
    return redirect(entries[0])


@require_safe
def favicon(request):
    """/favicon.ico for every visitor, signed in or not: a permanent redirect to the static icon."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))


@require_GET
@never_cache
def healthz(request):
    """Liveness for the load balancer: the app answers and the database responds."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


# --- error pages ------------------------------------------------------------------------------
# Django's handler400/403/404/500 (config/urls.py), and core.middleware.ErrorPageMiddleware for the
# same pages under DEBUG. Under /api/ the answer is JSON with a Chinese ``detail``, like the API's own.

API_PREFIX = "/api/"
ERROR_DETAILS = {
    400: "请求有误，请检查后重试。",
    403: "您没有执行此操作的权限。",
    404: "未找到。",
    500: "服务器暂时出现问题，请稍后再试。",
}


def error_response(
    request, status: int, *, template: str | None = None, context: dict | None = None, detail: str | None = None
):
    """The portal's own error answer: a page, or JSON under /api/ (``detail``: the reason, when there is one)."""
    if request.path.startswith(API_PREFIX):
        return JsonResponse(
            {"detail": detail or ERROR_DETAILS[status]}, status=status, json_dumps_params={"ensure_ascii": False}
        )
    return render(request, template or f"errors/{status}.html", context or {}, status=status)


def bad_request(request, exception=None):
    return error_response(request, 400)


def permission_denied(request, exception=None):
    return error_response(request, 403)


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: mostly a form left open past its session, or cookies switched off."""
    message = (
        "页面已过期或安全校验（CSRF）未通过。请返回上一页，刷新后重新提交；如仍不行，请确认浏览器允许本网站的 Cookie。"
    )
    return error_response(request, 403, context={"message": message})


def page_not_found(request, exception=None):
    return error_response(request, 404)


def server_error(request):
    if request.path.startswith(API_PREFIX):
        return error_response(request, 500)
    # Rendered without the request, so no context processor touches the session or the database:
    # whatever broke may be what they need.
    return HttpResponseServerError(loader.render_to_string("errors/500.html"))
