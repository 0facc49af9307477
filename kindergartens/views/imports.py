"""Excel round trip of the registry: template download, roster upload → check (worker) → preview → confirm,
list export (worker)."""

from __future__ import annotations

import tempfile

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from core.access import require
from core.jobs import job_url
from core.pagination import paginate, querystring_without_page
from kindergartens import excel
from kindergartens.access import can, kindergartens_visible_to, roster_import_get_for_user
from kindergartens.forms import KindergartenFilterForm
from kindergartens.services import (
    RosterImportAlreadyApplied,
    roster_import_apply,
    roster_template,
)
from kindergartens.services.imports import (
    CREATE,
    UNCHANGED,
    UPDATE,
    apply_in_request,
    kindergarten_export_start,
    roster_check_start,
    roster_import_apply_start,
)

PREVIEW_PAGE_SIZE = 100


def _xlsx_response(fileobj, filename: str) -> FileResponse:
    """Stream a workbook from a temporary file; FileResponse sends the Chinese name as RFC 5987 filename*."""
    fileobj.seek(0)
    return FileResponse(fileobj, as_attachment=True, filename=filename, content_type=excel.XLSX_CONTENT_TYPE)


@login_required
@require_GET
def roster_template_download(request):
    require(can(request.user, "import_roster"))
    fileobj = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it once sent
    roster_template(user=request.user, fileobj=fileobj)
    return _xlsx_response(fileobj, "幼儿园名册导入模板.xlsx")


class RosterUploadForm(forms.Form):
    file = forms.FileField(
        label="名册文件（.xlsx）",
        widget=forms.ClearableFileInput(
            attrs={"accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
        ),
        error_messages={"required": "请选择要上传的 Excel 文件。", "empty": "上传的文件是空的。"},
    )


class UploadSizeLimit(FileUploadHandler):
    """Stops reading an upload past the cap, so an oversized file never fills the disk."""

    def __init__(self, request, max_bytes: int):
        super().__init__(request)
        self.max_bytes = max_bytes
        self.exceeded = False

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > self.max_bytes:
            self.exceeded = True
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size):
        return None  # the next handlers keep the file


def _too_large_message(max_bytes: int) -> str:
    return f"文件过大，上限为 {max_bytes / 1048576:.0f} MB。请删除多余的工作表或拆分后分批导入。"


# csrf_exempt only so the size limit is installed before the body is read; csrf_protect below
# then checks the token exactly as the middleware would.
@csrf_exempt
@login_required
@require_http_methods(["GET", "POST"])
def roster_import_upload(request):
    require(can(request.user, "import_roster"))
    limit = UploadSizeLimit(request, excel.limit("ROSTER_IMPORT_MAX_BYTES"))
    request.upload_handlers.insert(0, limit)
    return _roster_import_upload(request, limit)


@csrf_protect
def _roster_import_upload(request, limit: UploadSizeLimit):
    context = {"max_rows": excel.limit("ROSTER_IMPORT_MAX_ROWS"), "max_mb": limit.max_bytes // 1048576}
    if request.method != "POST":
        context["form"] = RosterUploadForm()
        return render(request, "kindergartens/import_upload.html", context)
    form = context["form"] = RosterUploadForm(request.POST, request.FILES)
    if limit.exceeded:
        context.update(form=RosterUploadForm(), file_error=_too_large_message(limit.max_bytes))
        return render(request, "kindergartens/import_upload.html", context)
    if not form.is_valid():
        return render(request, "kindergartens/import_upload.html", context)
    upload = form.cleaned_data["file"]
    data = upload.read(limit.max_bytes + 1)
    try:
        job = roster_check_start(actor=request.user, data=data, filename=upload.name)
    except excel.RosterFileError as exc:  # refused before any parsing: nothing stored
        context.update(file_error=exc.message, problems=exc.problems, filename=upload.name)
        return render(request, "kindergartens/import_upload.html", context)
    # Every file is checked on the worker (the request stays well under a second, whatever the
    # size); the job page shows the progress, then the problems or the preview.
    return redirect(job_url(job))


@login_required
@require_http_methods(["GET", "POST"])
def roster_import_confirm(request, pk):
    """GET: the preview of a checked roster, with the confirm button; POST: save every row or none."""
    roster_import = roster_import_get_for_user(request.user, pk)
    pending = roster_import.state == roster_import.State.PENDING
    if request.method == "POST":
        if not apply_in_request(roster_import):
            try:
                job = roster_import_apply_start(actor=request.user, roster_import=roster_import)
            except RosterImportAlreadyApplied:
                messages.info(request, "该名册已经导入过，没有重复导入。")
                return redirect("kindergartens:import-confirm", pk=roster_import.pk)
            return redirect(job_url(job))
        try:
            counts = roster_import_apply(actor=request.user, roster_import=roster_import)
        except RosterImportAlreadyApplied:
            messages.info(request, "该名册已经导入过，没有重复导入。")
            return redirect("kindergartens:import-confirm", pk=roster_import.pk)
        except ValidationError as exc:
            messages.error(request, f"导入失败，没有保存任何数据。{'；'.join(exc.messages)}")
            return redirect("kindergartens:import-confirm", pk=roster_import.pk)
        messages.success(
            request,
            f"名册已导入：新增 {counts[CREATE]} 所，更新 {counts[UPDATE]} 所，无变化 {counts[UNCHANGED]} 所。",
        )
        return redirect("kindergartens:list")
    # Rows that change something first; the unchanged ones after them.
    rank = {CREATE: 0, UPDATE: 1, UNCHANGED: 2}
    rows = sorted(roster_import.rows, key=lambda r: (rank[r["action"]], r["row"]))
    return render(
        request,
        "kindergartens/import_confirm.html",
        {
            "roster_import": roster_import,
            "page": paginate(request, rows, per_page=PREVIEW_PAGE_SIZE),
            "summary": roster_import.summary,
            "can_confirm": pending,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def kindergarten_export(request):
    """GET: what the export will hold (the list's filters); POST: queue it and go to its job page."""
    require(can(request.user, "export_list"))
    query = querystring_without_page(request)
    if request.method == "POST":
        job = kindergarten_export_start(actor=request.user, query=query)
        return redirect(job_url(job))
    form = KindergartenFilterForm(request.GET or None, user=request.user)
    count = form.filter(kindergartens_visible_to(request.user)).count()
    return render(request, "kindergartens/export_start.html", {"count": count, "querystring": query})


urlpatterns = [
    path("import/template/", roster_template_download, name="import-template"),
    path("import/", roster_import_upload, name="import"),
    path("import/<int:pk>/", roster_import_confirm, name="import-confirm"),
    path("export/", kindergarten_export, name="export"),
]
