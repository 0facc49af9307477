"""The district report build as a background job (core.jobs): progress on the job page, then the report."""

from __future__ import annotations

from django.urls import reverse

from core.jobs import JobFailed, JobKind, register_kind

KIND = "reports.district_build"


def _run(run) -> None:
    from django.core.exceptions import ValidationError

    from reports.access import submission_get_for_user
    from reports.excel import submission_xlsx
    from reports.services import district_report_build

    run.progress(0, 3, "正在读取辖区幼儿园月报")
    submission = submission_get_for_user(run.user, run.params["submission"], action="build")
    run.progress(1, 3, "正在汇总")
    try:
        submission = district_report_build(actor=run.user, submission=submission)
    except ValidationError as exc:
        raise JobFailed("；".join(exc.messages)) from exc
    run.progress(2, 3, "正在生成 Excel")
    content, filename = submission_xlsx(submission)
    with run.result_file(filename) as handle:
        handle.write(content)
    run.result = {"submission": submission.pk}


def _check_access(user, job) -> None:
    from reports.access import submission_get_for_user

    submission_get_for_user(user, job.params.get("submission"), action="build")


def register() -> None:
    register_kind(
        JobKind(
            name=KIND,
            label="生成区县汇总月报",
            run=_run,
            check_access=_check_access,
            again_url=lambda job: reverse("reports:submission-detail", args=[job.params["submission"]]),
            next_url=lambda job: reverse("reports:submission-detail", args=[job.params["submission"]]),
            describe=lambda name, value: "区县汇总月报" if name == "params" else None,
        )
    )
