import re
import uuid

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
