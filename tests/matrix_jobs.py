"""Matrix entries for background jobs (core.jobs): my jobs, one job, its status JSON, its file
(see tests/matrix.py for the format).

A job is its requester's alone. "Own" is a finished list export asked by the role's own user
(with its file); "foreign" is the same kind of job asked by a colleague of the same district
(bureau_admin's for bureau_staff, bureau_staff's for everyone else): 404 for everyone.
On their own export job: the bureau and the city viewer 200; the supervisor (same district,
but no export right) 403; roles without a bureau, or without scope, 404.
"""

from __future__ import annotations

import datetime

from django.core.files.base import ContentFile
from django.utils import timezone

from core.models import Job
from tests.matrix import ANON, Route, statuses

LOGIN = 302


def _done_export(user) -> Job:
    job = Job(
        kind="kindergartens.export",
        requested_by=user,
        district_id=user.bureau_id,
        state=Job.State.DONE,
        result_name="幼儿园名录.xlsx",
        finished_at=timezone.now(),
        expires_at=timezone.now() + datetime.timedelta(days=1),
    )
    job.result_file.save("matrix.xlsx", ContentFile(b"PK matrix"), save=False)
    job.save()
    return job


def own_job(role: str, cast) -> Job:
    return _done_export(cast.bureau_staff if role == ANON else getattr(cast, role))


def foreign_job(role: str, cast) -> Job:
    return _done_export(cast.bureau_admin if role == "bureau_staff" else cast.bureau_staff)


def _job(ok: int) -> dict[str, int]:
    return statuses(404, anonymous=LOGIN, city_viewer=ok, bureau_admin=ok, bureau_staff=ok, supervisor=403)


ROUTES: list[Route] = [
    Route("core:job-list", statuses(200, anonymous=LOGIN)),
    Route("core:job-list", statuses(405, anonymous=LOGIN), method="post"),
    Route("core:job-detail", _job(200), obj="job"),
    Route("core:job-detail", statuses(405, anonymous=LOGIN), obj="job", method="post",
          foreign=dict.fromkeys(("city_viewer", "bureau_admin", "bureau_staff", "supervisor", "kg_director", "kg_staff", "no_scope"), 405)),
    Route("core:job-status", _job(200), obj="job"),
    Route("core:job-status", statuses(405, anonymous=LOGIN), obj="job", method="post",
          foreign=dict.fromkeys(("city_viewer", "bureau_admin", "bureau_staff", "supervisor", "kg_director", "kg_staff", "no_scope"), 405)),
    Route("core:job-download", _job(200), obj="job"),
    Route("core:job-download", statuses(405, anonymous=LOGIN), obj="job", method="delete",
          foreign=dict.fromkeys(("city_viewer", "bureau_admin", "bureau_staff", "supervisor", "kg_director", "kg_staff", "no_scope"), 405)),
]  # fmt: skip
