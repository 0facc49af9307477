import re
import uuid

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404

from core.audit import audit_context
from core.client_ip import client_ip

# A request id from the proxy (nginx's $request_id: 32 hex digits) or a UUID; anything else is replaced.
_REQUEST_ID = re.compile(
    r"^[0-9a-fA-F]{32}$|^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)


def request_id_from(supplied: str) -> str:
    """The request id to record: the supplied one normalised to 32 lowercase hex digits if it is a
    UUID or 32 hex digits, else a new one. Client text is never stored as it came."""
    if _REQUEST_ID.match(supplied):
        return uuid.UUID(supplied).hex
    return uuid.uuid4().hex


class AuditContextMiddleware:
    """Tags every change made while serving a request with the request, user and client address."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path
        if path.startswith("/api/"):
            source = "api"
        elif path.startswith("/admin/"):
            source = "admin"
        else:
            source = "web"
        request_id = request_id_from(request.headers.get("X-Request-ID", ""))
        request.request_id = request_id
        with audit_context(
            source=source,
            request_id=request_id,
            path=f"{request.method} {path}",
            ip=client_ip(request),
            request=request,
        ):
            response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response


class ErrorPageMiddleware:
    """The portal's own 404 and 403 pages in every setting, DEBUG (``make run``) included.

    A view's Http404 or PermissionDenied becomes the page here, before Django would answer it:
    under DEBUG Django shows its yellow technical 404 page, and for a 403 it logs the exception
    with its traceback. An unknown URL (no view resolved) under DEBUG gets the same 404 page.
    Under /api/ the answer is JSON (core.views.error_response); DRF views answer for themselves.

    Django's technical 500 page stays under DEBUG: only developers run with DEBUG, a 500 is a bug,
    and its traceback is what they need to fix it. Production (DEBUG off) shows errors/500.html.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if settings.DEBUG and response.status_code == 404 and getattr(request, "resolver_match", None) is None:
            from core.views import page_not_found

            return page_not_found(request)
        return response

    def process_exception(self, request, exception):
        from core.views import page_not_found, permission_denied

        if isinstance(exception, Http404):
            return page_not_found(request, exception)
        if isinstance(exception, PermissionDenied):
            return permission_denied(request, exception)
        return None


NUL_MESSAGE = "提交的内容中含有无法保存的控制字符（NUL），请删除后重试。"


class NulCharacterMiddleware:
    """A NUL character (U+0000) in a query string, a form or a JSON body is answered 400 with the reason.

    PostgreSQL cannot store it in text or JSON, and a view that reads ``request.POST`` or ``request.GET``
    itself (a reason, a search) handed it to the database, which failed: a 500 (found by
    tests/test_junk_input.py). Django's and DRF's form fields already refuse it; this covers every other
    path once. In a multipart body only the text fields are looked at (files hold NUL bytes by nature),
    once the view is known, as Django's CSRF check reads the body; like it, a ``csrf_exempt`` view is left
    alone (an import view that installs its upload size limit before the body is read).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._has_nul(request):
            return _nul_refused(request)
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if (
            request.method in ("POST", "PUT", "PATCH")
            and request.META.get("CONTENT_TYPE", "").startswith("multipart/form-data")
            and not getattr(view_func, "csrf_exempt", False)
            and any("\x00" in v for v in _values(request.POST))
        ):
            return _nul_refused(request)
        return None

    @staticmethod
    def _has_nul(request) -> bool:
        if "%00" in request.META.get("QUERY_STRING", "") or any("\x00" in v for v in _values(request.GET)):
            return True
        if request.method not in ("POST", "PUT", "PATCH"):
            return False
        content_type = request.META.get("CONTENT_TYPE", "")
        if content_type.startswith("application/x-www-form-urlencoded"):
            return any("\x00" in v for v in _values(request.POST))
        if content_type.startswith("application/json"):
            body = request.body
            return b"\x00" in body or b"\\u0000" in body
        return False


def _nul_refused(request):
    from core.views import error_response

    return error_response(request, 400, context={"message": NUL_MESSAGE}, detail=NUL_MESSAGE)


def _values(querydict):
    for _key, values in querydict.lists():
        yield from values
    yield from querydict.keys()
