"""The staffing app's background job (core.jobs): the export of the expiring / missing certificate list.

Registered from ``StaffingConfig.ready()``. The job belongs to the organisation the user had when
asking (a bureau or a kindergarten): a user moved elsewhere no longer sees it (404), a user who lost
the right gets 403. ID numbers are written masked unless the user may see them in full; then each
person written is a recorded reveal.
"""

from __future__ import annotations

import xlsxwriter
from django.http import Http404
from django.urls import reverse

from core.access import account_has_scope, require
from core.jobs import JobFailed, JobKind, JobRun, register_kind
from core.lists import choice_labels
from core.models import Job
from kindergartens.access import kindergartens_visible_to
from staffing import selectors
from staffing.access import can, employments_visible_to, reveal_allowed_in_bulk, scope_district_ids
from staffing.models import IdReveal, Person, Post

EXPIRING_EXPORT = "staffing.expiring_export"
WINDOW_LABELS = {"30": "30 天内到期", "60": "60 天内到期", "90": "90 天内到期", "missing": "缺少证书"}


def organisation(user) -> str:
    return f"kg:{user.kindergarten_id}" if user.kindergarten_id else f"bureau:{user.bureau_id}"


def _check_access(user, job: Job) -> None:
    if not account_has_scope(user) or job.params.get("org") != organisation(user):
        raise Http404
    require(can(user, "export"))


def run_expiring_export(run: JobRun) -> None:
    """On the worker: the list as the user asked for it, through the access layer with that user."""
    user = run.user
    if not can(user, "export"):
        raise JobFailed("您已没有导出的权限，未生成文件。")
    window = run.params.get("window", "30")
    if window not in WINDOW_LABELS:
        raise JobFailed("导出范围无效，请重新选择。")
    employments = employments_visible_to(user)
    kg_id = run.params.get("kindergarten")
    if kg_id:
        if not kindergartens_visible_to(user).filter(pk=kg_id).exists():
            raise JobFailed("该幼儿园已不在您的管辖范围内，未生成文件。")
        employments = employments.filter(kindergarten_id=kg_id)
    on = selectors.today()
    full = reveal_allowed_in_bulk(user)
    posts = choice_labels(Post)
    run.progress(0, 0, "正在导出")
    if window == "missing":
        header = ["幼儿园", "姓名", "身份证号码", "岗位", "缺少的证书"]
        employments_list = list(
            selectors.missing_certificates(employments, on=on, district_ids=scope_district_ids(user))
        )
        names = selectors.missing_names(employments_list, on=on)
        people = {e.person_id: e.person for e in employments_list}
        rows = [
            [e.kindergarten.name, e.person.name, e.person_id, posts.get(e.post, ""), "、".join(names.get(e.pk, []))]
            for e in employments_list
        ]
    else:
        header = ["幼儿园", "姓名", "身份证号码", "岗位", "证书", "证书编号", "有效期至"]
        values = list(selectors.expiring_certificates(employments, on=on, days=int(window)))
        people = {p.pk: p for p in Person.objects.filter(pk__in={r["person_id"] for r in values})}
        rows = [
            [
                r["kindergarten_name"],
                r["person__name"],
                r["person_id"],
                posts.get(r["post"], ""),
                r["kind__name"],
                r["number"],
                r["expires_on"].strftime("%Y-%m-%d"),
            ]
            for r in values
        ]
    for row in rows:  # the person's id stands in column 3 until here
        person = people[row[2]]
        row[2] = person.id_number if full else person.id_masked
    if full and people:
        IdReveal.objects.bulk_create(
            [IdReveal(person=p, user=user, purpose=f"导出证书清单（{WINDOW_LABELS[window]}）") for p in people.values()]
        )
    with run.result_file(f"教职工证书_{WINDOW_LABELS[window]}_{on:%Y%m%d}.xlsx") as fileobj:
        # Text stays text: a name or number starting with "=" is never a formula.
        book = xlsxwriter.Workbook(fileobj, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
        sheet = book.add_worksheet(WINDOW_LABELS[window])
        bold = book.add_format({"bold": True})
        sheet.write_row(0, 0, header, bold)
        sheet.freeze_panes(1, 0)
        for index, row in enumerate(rows, start=1):
            sheet.write_row(index, 0, [str(v) for v in row])
            if index % 500 == 0:
                run.progress(index, len(rows), "正在导出")
        sheet.set_column(0, len(header) - 1, 18)
        book.close()
    run.result = {"rows": len(rows)}


def register() -> None:
    register_kind(
        JobKind(
            name=EXPIRING_EXPORT,
            label="教职工证书清单导出",
            run=run_expiring_export,
            check_access=_check_access,
            again_url=lambda job: reverse("staffing:expiring") + f"?window={job.params.get('window', '30')}",
            result_template="staffing/export_result.html",
            result_context=lambda job: {"rows": job.result.get("rows", 0), "download_label": "下载 Excel 文件"},
            describe=lambda field, value: (
                f"范围：{WINDOW_LABELS.get(value.get('window'), '—')}"
                if field == "params" and isinstance(value, dict)
                else None
            ),
        )
    )
