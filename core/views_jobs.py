"""Pages of the background jobs (core.jobs): my jobs, one job with its progress, its status as JSON,
and the download of its file. Every one fetches through ``job_get_for_user`` / ``jobs_visible_to``."""

from __future__ import annotations

import mimetypes

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.jobs import get_kind, job_get_for_user, job_record_download, jobs_visible_to
from core.models import Job
from core.pagination import paginate


def _file_available(job: Job) -> bool:
    return job.state == Job.State.DONE and bool(job.result_file) and not job.expired()


@login_required
@require_GET
def job_list(request):
    """我的导出与导入: the user's own jobs, newest first."""
    page = paginate(request, jobs_visible_to(request.user).order_by("-created_at", "-id"))
    now = timezone.now()
    for job in page.object_list:
        kind = get_kind(job.kind)
        job.kind_label = kind.label if kind else "—"
        job.file_available = job.state == Job.State.DONE and bool(job.result_file) and not job.expired(now)
    return render(request, "core/jobs/list.html", {"page": page})


@login_required
@require_GET
@never_cache
def job_detail(request, pk):
    job = job_get_for_user(request.user, pk)
    kind = get_kind(job.kind)
    if job.state == Job.State.DONE and kind.next_url:
        target = kind.next_url(job)
        if target:
            return redirect(target)
    context = {
        "job": job,
        "kind": kind,
        "file_available": _file_available(job),
        "again_url": kind.again_url(job) if kind.again_url else "",
    }
    if job.state == Job.State.DONE and kind.result_template:
        context["result_template"] = kind.result_template
        context.update(kind.result_context(job) if kind.result_context else {"result": job.result})
    return render(request, "core/jobs/detail.html", context)


@login_required
@require_GET
@never_cache
def job_status(request, pk):
    """What the job page polls (static/js/jobs.js): state, progress; ``finished`` tells it to reload."""
    job = job_get_for_user(request.user, pk)
    return JsonResponse(
        {
            "state": job.state,
            "state_label": job.get_state_display(),
            "done": job.progress_done,
            "total": job.progress_total,
            "percent": job.percent,
            "note": job.progress_note,
            "finished": job.finished,
        }
    )


@login_required
@require_GET
def job_download(request, pk):
    job = job_get_for_user(request.user, pk)
    kind = get_kind(job.kind)
    if job.state != Job.State.DONE or not job.result_name:
        raise Http404  # no file (yet): the job page says why
    if not _file_available(job):
        again = kind.again_url(job) if kind.again_url else ""
        return render(request, "core/jobs/expired.html", {"job": job, "kind": kind, "again_url": again}, status=410)
    try:
        handle = job.result_file.open("rb")
    except FileNotFoundError:
        again = kind.again_url(job) if kind.again_url else ""
        return render(request, "core/jobs/expired.html", {"job": job, "kind": kind, "again_url": again}, status=410)
    job_record_download(job=job)
    content_type = mimetypes.guess_type(job.result_name)[0] or "application/octet-stream"
    return FileResponse(handle, as_attachment=True, filename=job.result_name, content_type=content_type)
