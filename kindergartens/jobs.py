"""The kindergartens app's background jobs (core.jobs): the roster import check, the writing of a
large confirmed import, and the list export.

Registered from ``KindergartensConfig.ready()``. Both belong to the bureau (the user's bureau when
asked): a user whose bureau changed no longer sees the old ones (404), a user who lost the right
gets 403, and nobody but the user who asked ever sees them (core.jobs.jobs_visible_to).
"""

from __future__ import annotations

from django.http import Http404
from django.urls import reverse

from core.access import account_has_scope, require
from core.jobs import JobKind, register_kind
from core.models import Job
from kindergartens import excel
from kindergartens.access import can
from kindergartens.services.imports import (
    EXPORT,
    ROSTER_APPLY,
    ROSTER_CHECK,
    run_export,
    run_roster_apply,
    run_roster_check,
)


def _bureau_right(right: str):
    def check(user, job: Job) -> None:
        if not account_has_scope(user) or user.bureau_id is None or user.bureau_id != job.district_id:
            raise Http404
        require(can(user, right))

    return check


def _import_preview(job: Job) -> str | None:
    pk = job.result.get("roster_import")
    return reverse("kindergartens:import-confirm", kwargs={"pk": pk}) if pk else None


def _check_context(job: Job) -> dict:
    result = job.result
    problems = [excel.Problem(row, column, message) for row, column, message in result.get("problems", [])]
    return {
        "file_error": result.get("file_error", ""),
        "problems": problems,
        "problem_count": result.get("problem_count", len(problems)),
        "row_count": result.get("row_count"),
        "filename": job.input_name,
        "download_label": "下载问题清单（Excel，含全部问题）",
        "download_inline": True,  # the button sits above the problems, not below a hundred rows
    }


def _export_again(job: Job) -> str:
    query = job.params.get("query", "")
    return reverse("kindergartens:export") + (f"?{query}" if query else "")


def _describe_filters(query: str) -> str:
    """A list export's filters as a person reads them: "搜索：“西安”；办园性质：公办"."""
    from django.http import QueryDict

    from kindergartens.forms import KindergartenFilterForm
    from kindergartens.models import Bureau, CollaborationGroup, Level, Township

    params = QueryDict(query or "")
    fields = KindergartenFilterForm.base_fields
    models = {"district": Bureau, "township": Township, "level": Level, "group": CollaborationGroup}
    parts = []
    for key in fields:
        value = params.get(key, "").strip()
        if not value:
            continue
        field = fields[key]
        if key in models:
            name = (
                models[key].objects.filter(pk=value).values_list("name", flat=True).first() if value.isdigit() else None
            )
            shown = name or "（已删除）"
        elif getattr(field, "choices", None):
            shown = str(dict(field.choices).get(value, "（无效选项）"))
        else:
            shown = f"“{value}”"
        parts.append(f"{field.label}：{shown}")
    return "；".join(parts) if parts else "全部（未筛选）"


def _describe(field_name: str, value) -> str | None:
    from kindergartens.models import Bureau, RosterImport

    if field_name == "district_id":
        return Bureau.objects.filter(pk=value).values_list("name", flat=True).first() or "（已删除的单位）"
    if not isinstance(value, dict):
        return None
    if "query" in value:
        return f"名录筛选条件：{_describe_filters(value['query'])}"
    if "roster_import" in value:
        found = RosterImport.objects.filter(pk=value["roster_import"]).values_list("filename", flat=True).first()
        return f"名册：{found.rsplit('.', 1)[0]}" if found else "名册：（已删除）"
    if "filename" in value:
        return f"文件：{str(value['filename']).rsplit('.', 1)[0]}"
    return None


def register() -> None:
    register_kind(
        JobKind(
            name=ROSTER_CHECK,
            label="名册导入检查",
            run=run_roster_check,
            check_access=_bureau_right("import_roster"),
            again_url=lambda job: reverse("kindergartens:import"),
            next_url=_import_preview,
            result_template="kindergartens/import_check_result.html",
            result_context=_check_context,
            describe=_describe,
        )
    )
    register_kind(
        JobKind(
            name=ROSTER_APPLY,
            label="名册导入",
            run=run_roster_apply,
            check_access=_bureau_right("import_roster"),
            again_url=lambda job: reverse(
                "kindergartens:import-confirm", kwargs={"pk": job.params.get("roster_import", 0)}
            ),
            result_template="kindergartens/import_apply_result.html",
            result_context=lambda job: {"counts": job.result.get("counts", {})},
            describe=_describe,
        )
    )
    register_kind(
        JobKind(
            name=EXPORT,
            label="幼儿园名录导出",
            run=run_export,
            check_access=_bureau_right("export_list"),
            again_url=_export_again,
            result_template="kindergartens/export_result.html",
            result_context=lambda job: {"rows": job.result.get("rows", 0), "download_label": "下载 Excel 文件"},
            describe=_describe,
        )
    )
