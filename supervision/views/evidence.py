from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.views.decorators.http import require_safe

from supervision.access import evidence_get_for_user


@login_required
@require_safe
def evidence_download(request, pk):
    """An evidence file, to whoever sees its kindergarten (others: 404). Photos and PDFs open in the
    browser; the type is the one checked at upload, never the uploader's claim."""
    evidence = evidence_get_for_user(request.user, pk)
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(handle, content_type=evidence.content_type, filename=evidence.original_name)
    response["Content-Disposition"] = response["Content-Disposition"].replace("attachment", "inline", 1)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
