import re
import uuid

from core.audit import audit_context

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class AuditContextMiddleware:
    """Tags every change made while serving a request with the request, user and address."""

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
        supplied = request.headers.get("X-Request-ID", "")
        request_id = supplied if _REQUEST_ID.match(supplied) else uuid.uuid4().hex
        request.request_id = request_id
        with audit_context(
            source=source,
            request_id=request_id,
            path=f"{request.method} {path}",
            ip=request.META.get("REMOTE_ADDR") or None,
            request=request,
        ):
            response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response
