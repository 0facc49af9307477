"""Background jobs: long work (exports, import checks) on the Celery worker, with progress and a file.

One generic mechanism for every app. core imports no app: an app registers its kinds, usually in
``AppConfig.ready()``::

    from core.jobs import JobKind, register_kind

    register_kind(JobKind(
        name="kindergartens.export",          # stored on the Job row; never rename a live kind
        label="幼儿园名录导出",                 # shown to users
        run=run_export,                       # run(job_run) does the work, on the worker
        check_access=export_access,           # (user, job): raise Http404 / PermissionDenied
        again_url=lambda job: ...,            # where to ask again once the file has expired
    ))

and starts a job from a view, inside the request's transaction::

    job = job_start(kind="kindergartens.export", user=request.user, district_id=..., params={...})
    return redirect(job_url(job))

``job_start`` saves the row and enqueues ``core.tasks.run_job`` on commit. The worker claims the
job with one conditional UPDATE (queued → running), so a second delivery of the same message does
nothing. ``run`` reports progress with ``job_run.progress(done, total)``, writes its file with
``job_run.result_file(name)``, puts what the page should show in ``job_run.result`` (JSON) and
raises ``JobFailed("…")`` with a Chinese message for an expected failure; any other exception
fails the job with a generic message (and is logged). The uploaded input, if any, is deleted when
the run ends, whatever the outcome. The result file is kept ``JobKind.retention`` (a day), served
only to the user who asked (``job_get_for_user``), and deleted by ``core.tasks.cleanup_jobs``.
"""

from __future__ import annotations

import contextlib
import logging
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import IO, Any

from django.core.exceptions import ImproperlyConfigured
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from core.access import account_has_scope, get_in_scope_or_404
from core.audit import audit_context
from core.models import Job

logger = logging.getLogger(__name__)

GENERIC_FAILURE = "处理时发生意外错误，没有生成文件。请稍后重新提交；如仍失败，请联系系统管理员。"
INTERRUPTED = "处理中断（后台服务重启或超时），没有生成文件。请重新提交。"
# A job still running this long after it started was lost (the worker died): the cleanup fails it.
STALE_AFTER = timedelta(hours=2)
PROGRESS_INTERVAL_S = 0.5  # at most two progress writes a second


class JobFailed(Exception):
    """An expected failure: ``message`` (Chinese, polite) is shown to the user as it is."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class JobKind:
    name: str
    label: str
    run: Callable[[JobRun], None]
    check_access: Callable[[Any, Job], None]
    again_url: Callable[[Job], str] | None = None
    # When done, the job page sends the user on to this page instead (e.g. an import preview).
    next_url: Callable[[Job], str | None] | None = None
    # Rendered on the job page once it is done, with the context of ``result_context(job)``.
    result_template: str = ""
    result_context: Callable[[Job], dict] | None = None
    retention: timedelta = timedelta(days=1)
    # How the audit history shows ``params`` and ``district_id`` of this kind's jobs, in Chinese:
    # describe(field_name, value) -> text, or None for the generic "（已记录）".
    describe: Callable[[str, Any], str | None] | None = None


_kinds: dict[str, JobKind] = {}


def register_kind(kind: JobKind) -> None:
    existing = _kinds.get(kind.name)
    if existing is not None and existing != kind:
        raise ImproperlyConfigured(f"job kind {kind.name!r} is registered twice")
    _kinds[kind.name] = kind


def get_kind(name: str) -> JobKind | None:
    return _kinds.get(name)


def registered_kinds() -> dict[str, JobKind]:
    return dict(_kinds)


def describe_job_value(field_name: str, value: Any, entry) -> str | None:
    """What the audit history shows for one stored value of a Job (see ``Job.audit_display_value``)."""
    if field_name == "kind":
        kind = get_kind(value)
        return kind.label if kind else "（已停用的任务类型）"
    if field_name in ("input_file", "result_file"):
        return "文件已保存" if value else "文件已删除"
    if field_name in ("input_name", "result_name"):
        return str(value).rsplit(".", 1)[0] or "—"  # the name a person gave, without ".xlsx"
    if field_name in ("params", "district_id"):
        job_kind = Job._base_manager.filter(pk=getattr(entry, "object_id", None)).values_list("kind", flat=True)
        kind = get_kind(next(iter(job_kind), ""))
        shown = kind.describe(field_name, value) if kind and kind.describe else None
        return shown if shown is not None else "（已记录）"
    return None


# --- access ----------------------------------------------------------------------------------


def jobs_visible_to(user) -> QuerySet[Job]:
    """A user's own jobs, and nobody else's: not even a colleague of the same district sees them."""
    if not account_has_scope(user):
        return Job.objects.none()
    return Job.objects.filter(requested_by_id=user.pk)


def job_get_for_user(user, pk) -> Job:
    """404 for anyone but the user who asked (and for a kind no app registers); then the kind's own
    check: 404 when the job's organisation is no longer the user's, 403 when the right is gone."""
    job = get_in_scope_or_404(jobs_visible_to(user), pk=pk)
    kind = get_kind(job.kind)
    if kind is None:
        raise Http404
    kind.check_access(user, job)
    return job


def job_url(job: Job) -> str:
    return reverse("core:job-detail", kwargs={"pk": job.pk})


# --- services --------------------------------------------------------------------------------


def job_start(
    *,
    kind: str,
    user,
    params: dict | None = None,
    district_id: int | None = None,
    input_data: bytes | None = None,
    input_name: str = "",
) -> Job:
    """Save a queued job (and its uploaded input) and send it to the worker once the transaction commits."""
    if get_kind(kind) is None:
        raise ImproperlyConfigured(f"unknown job kind {kind!r}")
    with transaction.atomic():
        job = Job(
            kind=kind,
            requested_by=user,
            district_id=district_id,
            params=params or {},
            input_name=(input_name or "")[:200],
        )
        if input_data is not None:
            # A random name: the user's file name is kept as text only, never as a path.
            job.input_file.save(f"{uuid.uuid4().hex}.bin", ContentFile(input_data), save=False)
        job.full_clean()
        job.save()
        transaction.on_commit(lambda: _enqueue(job.pk, user.pk))
    return job


def _enqueue(job_id: int, actor_id: int) -> None:
    from core.tasks import run_job

    run_job.delay(job_id=job_id, actor_id=actor_id)


@dataclass
class JobRun:
    """What a kind's ``run`` gets: the job, its user and parameters, progress, input and output."""

    job: Job
    result: dict = field(default_factory=dict)
    _last_progress: float = 0.0

    @property
    def user(self):
        return self.job.requested_by

    @property
    def params(self) -> dict:
        return self.job.params

    def progress(self, done: int, total: int, note: str = "") -> None:
        """Record progress (throttled); cheap enough to call for every row."""
        now = time.monotonic()
        if now - self._last_progress < PROGRESS_INTERVAL_S and done < total:
            return
        self._last_progress = now
        # Bookkeeping, not a change of record: the base manager writes no audit entry.
        Job._base_manager.filter(pk=self.job.pk).update(
            progress_done=max(done, 0), progress_total=max(total, 0), progress_note=note[:100]
        )

    def read_input(self) -> bytes:
        if not self.job.input_file:
            raise JobFailed("上传的文件已不存在，请重新上传。")
        with self.job.input_file.open("rb") as handle:
            return handle.read()

    @contextlib.contextmanager
    def result_file(self, filename: str) -> Iterator[IO[bytes]]:
        """A temporary file to write the result into; kept as the job's file when the block ends."""
        with tempfile.TemporaryFile() as handle:
            yield handle
            handle.seek(0)
            self.job.result_file.save(f"{uuid.uuid4().hex}.xlsx", File(handle), save=False)
            self.job.result_name = filename[:200]


def job_execute(*, job_id: int) -> bool:
    """Run a queued job on this worker; False when it is not queued (done, running elsewhere, gone).

    Idempotent: the claim is one conditional UPDATE, so two deliveries of one message never both run.
    """
    claimed = Job.objects.filter(pk=job_id, state=Job.State.QUEUED).update(
        state=Job.State.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        logger.info("job %s is not queued any more: nothing to do", job_id)
        return False
    job = Job.objects.select_related("requested_by").get(pk=job_id)
    kind = get_kind(job.kind)
    run = JobRun(job=job)
    # Whatever the job writes is the requester's doing, from a task, however the job was invoked.
    with audit_context(source="task", actor=job.requested_by, path=f"core.tasks.run_job {job.kind}"[:300]):
        try:
            if kind is None:
                raise JobFailed("该类型的任务已不再提供。")
            kind.run(run)
        except JobFailed as exc:
            _finish(job, state=Job.State.FAILED, error=exc.message, result=run.result, kind=kind)
        except Exception:
            logger.exception("job %s (%s) failed", job.pk, job.kind)
            _finish(job, state=Job.State.FAILED, error=GENERIC_FAILURE, result=run.result, kind=kind)
        else:
            _finish(job, state=Job.State.DONE, error="", result=run.result, kind=kind)
    return True


def _finish(job: Job, *, state: str, error: str, result: dict, kind: JobKind | None) -> None:
    job.refresh_from_db(fields=["progress_done", "progress_total"])  # written by JobRun.progress
    if state == Job.State.FAILED and job.result_file:
        job.result_file.delete(save=False)  # half a file is no file
        job.result_name = ""
    if job.input_file:
        job.input_file.delete(save=False)  # the upload is checked (or refused): its bytes go
    now = timezone.now()
    job.state = state
    job.error = error[:500]
    job.result = result
    job.finished_at = now
    job.expires_at = now + (kind.retention if kind else timedelta(days=1))
    if state == Job.State.DONE:
        job.progress_done = max(job.progress_done, job.progress_total)
    job.save(
        update_fields=[
            "state",
            "error",
            "result",
            "finished_at",
            "expires_at",
            "input_file",
            "result_file",
            "result_name",
            "progress_done",
        ]
    )


def job_record_download(*, job: Job) -> None:
    """Count a download; the audit trail then says who fetched the file and when."""
    job.downloads += 1
    job.save(update_fields=["downloads"])


def jobs_cleanup(*, now=None) -> dict[str, int]:
    """Delete expired result files (keep the rows) and fail jobs a dead worker left running."""
    now = now or timezone.now()
    counts = {"files": 0, "stale": 0}
    with audit_context(source="task", path="core.tasks.cleanup_jobs"):
        for job in Job.objects.filter(expires_at__lte=now).exclude(result_file="").order_by("pk").iterator():
            with contextlib.suppress(FileNotFoundError):
                job.result_file.delete(save=False)
            job.save(update_fields=["result_file"])
            counts["files"] += 1
        stale = Job.objects.filter(
            state__in=[Job.State.QUEUED, Job.State.RUNNING], created_at__lte=now - STALE_AFTER
        ).filter(started_at__isnull=True) | Job.objects.filter(
            state=Job.State.RUNNING, started_at__lte=now - STALE_AFTER
        )
        for job in stale.order_by("pk"):
            if job.input_file:
                job.input_file.delete(save=False)
            job.state = Job.State.FAILED
            job.error = INTERRUPTED
            job.finished_at = now
            job.expires_at = now
            job.save(update_fields=["state", "error", "finished_at", "expires_at", "input_file"])
            counts["stale"] += 1
    return counts
