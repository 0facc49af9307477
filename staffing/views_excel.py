"""The staff roster's Excel pages: template, upload (checked on the worker), preview and confirm, export.

Scope and rights come from staffing.access: the roster's keepers (the district bureau, the
kindergarten's director) import; whoever may export gets the roster as a template (full ID numbers
only for those who may see them). Out of scope 404, in scope without the right 403.
"""

from __future__ import annotations

import tempfile

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.access import require
from core.jobs import job_url
from core.pagination import paginate
from kindergartens.views.imports import RosterUploadForm, UploadSizeLimit, _too_large_message
from staffing import excel
from staffing.access import can, kindergarten_for_roster, staff_import_get_for_user
from staffing.imports import (
    CREATE,
    UNCHANGED,
    UPDATE,
    StaffImportAlreadyApplied,
    roster_export_start,
    roster_template,
    staff_import_apply_start,
    staff_import_check_start,
)
from staffing.models import StaffImport

PREVIEW_PAGE_SIZE = 100


@login_required
@require_GET
def import_template(request, pk):
    kindergarten = kindergarten_for_roster(request.user, pk, action="manage")
    fileobj = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it once sent
    roster_template(kindergarten=kindergarten, fileobj=fileobj)
    fileobj.seek(0)
    return FileResponse(
        fileobj, as_attachment=True, filename="教职工名册导入模板.xlsx", content_type=excel.XLSX_CONTENT_TYPE
    )


# csrf_exempt only so the size limit is installed before the body is read; csrf_protect below
# then checks the token exactly as the middleware would (as the registry's upload does).
@csrf_exempt
@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request, pk):
    kindergarten = kindergarten_for_roster(request.user, pk, action="manage")
    limit = UploadSizeLimit(request, excel.limit("ROSTER_IMPORT_MAX_BYTES"))
    request.upload_handlers.insert(0, limit)
    return _import_upload(request, kindergarten, limit)


@csrf_protect
def _import_upload(request, kindergarten, limit: UploadSizeLimit):
    context = {
        "kindergarten": kindergarten,
        "max_rows": excel.limit("ROSTER_IMPORT_MAX_ROWS"),
        "max_mb": limit.max_bytes // 1048576,
    }
    if request.method != "POST":
        context["form"] = RosterUploadForm()
        return render(request, "staffing/import_upload.html", context)
    form = context["form"] = RosterUploadForm(request.POST, request.FILES)
    if limit.exceeded:
        context.update(form=RosterUploadForm(), file_error=_too_large_message(limit.max_bytes))
        return render(request, "staffing/import_upload.html", context)
    if not form.is_valid():
        return render(request, "staffing/import_upload.html", context)
    upload = form.cleaned_data["file"]
    data = upload.read(limit.max_bytes + 1)
    try:
        job = staff_import_check_start(actor=request.user, kindergarten=kindergarten, data=data, filename=upload.name)
    except excel.RosterFileError as exc:  # refused before any parsing: nothing stored
        context.update(file_error=exc.message, filename=upload.name)
        return render(request, "staffing/import_upload.html", context)
    return redirect(job_url(job))


@login_required
@require_http_methods(["GET", "POST"])
def import_confirm(request, pk):
    """GET: the preview of a checked roster (ID numbers masked); POST: write every row or none, on the worker."""
    staff_import = staff_import_get_for_user(request.user, pk)
    if request.method == "POST":
        try:
            job = staff_import_apply_start(actor=request.user, staff_import=staff_import)
        except StaffImportAlreadyApplied:
            messages.info(request, "该名册已经导入过，没有重复导入。")
            return redirect("staffing:import-confirm", pk=staff_import.pk)
        return redirect(job_url(job))
    rank = {CREATE: 0, UPDATE: 1, UNCHANGED: 2}
    rows = sorted(staff_import.rows, key=lambda r: (rank[r["action"]], r["row"]))
    return render(
        request,
        "staffing/import_confirm.html",
        {
            "staff_import": staff_import,
            "kindergarten": staff_import.kindergarten,
            "page": paginate(request, rows, per_page=PREVIEW_PAGE_SIZE),
            "summary": staff_import.summary,
            "can_confirm": staff_import.state == StaffImport.State.PENDING,
        },
    )


@login_required
@require_POST
def roster_export(request, pk):
    """Queue the export of the kindergarten's roster (a valid import template) and go to its job page."""
    kindergarten = kindergarten_for_roster(request.user, pk)
    require(can(request.user, "export"))
    return redirect(job_url(roster_export_start(actor=request.user, kindergarten=kindergarten)))


urlpatterns = [
    path("kindergartens/<int:pk>/import/template/", import_template, name="import-template"),
    path("kindergartens/<int:pk>/import/", import_upload, name="import"),
    path("kindergartens/<int:pk>/export/", roster_export, name="roster-export"),
    path("imports/<int:pk>/", import_confirm, name="import-confirm"),
]
