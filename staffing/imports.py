"""The staff roster's Excel round trip: template, upload → check (worker) → preview → confirm (worker),
export (worker). The registry's standards (README "Excel round trip"), for one kindergarten's roster.

A row is a person in office at the kindergarten, found by the ID number's keyed hash: someone already
on this roster is updated (phone, education, title, backbone, 编制, 社保, 安全员), anyone else is hired
through ``person_hire`` / ``person_rehire``. Nothing is written unless every row is valid, and then
all rows are written in one transaction through the services, so the same refusals apply as on the
page: a blacklisted person or one whose record check found a record is refused per row with one
message that names only the bureau to contact (it does not say which of the two it is), someone
still employed elsewhere, a second principal. The import never ends an employment, changes a post or
a hire date: those are done on the person's page.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from core.access import account_has_scope, require
from core.jobs import JobFailed, JobKind, JobRun, job_start, register_kind
from core.models import Job
from kindergartens.access import kindergartens_visible_to
from kindergartens.models import Kindergarten
from staffing import excel, idcard, selectors
from staffing.access import can, reveal_allowed_in_bulk
from staffing.models import Employment, IdReveal, Misconduct, Person, Post, StaffImport
from staffing.services import (
    EMPLOYED_ELSEWHERE,
    HIRE_REFUSED,
    NAME_MISMATCH,
    PRINCIPAL_TAKEN,
    _require_roster,
    city_of,
    employment_update,
    hire_refused_message,
    person_hire,
    person_rehire,
    person_update,
)

ROSTER_CHECK = "staffing.roster_check"
ROSTER_APPLY = "staffing.roster_apply"
ROSTER_EXPORT = "staffing.roster_export"
CREATE, UPDATE, UNCHANGED = "create", "update", "unchanged"
PROBLEMS_SHOWN = 100
# The same words for a blacklisted person and one whose record check found a record, as on the hire
# page (staffing.services.hire_refused_message): the bureau named is the one to ask; nothing of the
# other district's record is told.
REFUSED = HIRE_REFUSED
PERSON_CHANGES = ("phone", "education", "title", "backbone")
EMPLOYMENT_CHANGES = ("post_type", "social_insurance", "is_safety_officer")
MASKED_UNKNOWN = "部分隐藏的身份证号码只能用于本园名册中已有的人员（姓名须一致）；新人员请填写完整号码。"


def _today() -> datetime.date:
    return timezone.localdate()


def roster_template(*, kindergarten: Kindergarten, fileobj: IO[bytes]) -> None:
    excel.write_template(fileobj, kindergarten_name=kindergarten.name)


# --- preview ----------------------------------------------------------------------------------


@dataclass
class StaffPreview:
    """``problems`` empty: ``staff_import`` is the pending import to confirm; otherwise nothing was stored."""

    problems: list[excel.Problem]
    row_count: int
    staff_import: StaffImport | None = None
    raw_rows: list[excel.RawRow] = dataclasses.field(default_factory=list)


class StaffImportAlreadyApplied(Exception):
    """A confirmed import is applied once; a second confirm does nothing."""


def _header(field: str) -> str:
    return excel.COLUMN_BY_FIELD[field].header


def _first_per_key(rows) -> dict:
    found: dict = {}
    for key, value in rows:
        found.setdefault(key, value)
    return found


def staff_import_preview(
    *,
    actor: User,
    kindergarten: Kindergarten,
    data: bytes,
    filename: str,
    progress: Callable[[int, int, str], None] | None = None,
) -> StaffPreview:
    """Check every row of an uploaded roster in one pass (a fixed number of queries whatever its size).

    Raises ``excel.RosterFileError`` when the file itself is refused. Returns every row problem when
    there is any, storing nothing; otherwise stores and returns a pending ``StaffImport``.
    """
    _require_roster(actor, kindergarten)
    report = progress or (lambda done, total, note: None)
    report(0, 0, "正在读取文件")
    raw_rows = excel.read_roster(data, filename=filename)
    report(0, len(raw_rows), "正在逐行检查")
    today = _today()
    problems: list[excel.Problem] = []
    cleaned: list[tuple[excel.RawRow, dict[str, Any], list[excel.Problem]]] = []
    first_id: dict[str, int] = {}
    for raw in raw_rows:
        values, row_problems = excel.clean_row(raw)
        facts = values.get("id_facts")
        key = idcard.keyed_hash(facts.number) if facts else values.get("id_masked")
        if facts:
            values["id_hash"] = key
        if key and key in first_id:
            row_problems.append(
                excel.Problem(raw.number, _header("id_number"), f"与第 {first_id[key]} 行的身份证号码重复。")
            )
        elif key:
            first_id[key] = raw.number
        cleaned.append((raw, values, row_problems))

    # The look-ups, each one query for the whole file. People are one record per city: a hash is
    # matched across the city (it answers only "registered or not" and the name on record).
    hashes = [v["id_hash"] for _raw, v, _p in cleaned if "id_hash" in v]
    people = {p.id_hash: p for p in Person.objects.filter(city=city_of(kindergarten), id_hash__in=hashes)}
    here = list(Employment.objects.filter(kindergarten=kindergarten, leave_date__isnull=True).select_related("person"))
    here_by_person = {e.person_id: e for e in here}
    here_by_masked: dict[tuple[str, str], list[Employment]] = {}
    for employment in here:
        here_by_masked.setdefault((employment.person.id_masked, employment.person.name), []).append(employment)
    principal_here = next((e for e in here if e.post == Post.PRINCIPAL), None)
    known_ids = [p.pk for p in people.values()]
    employed_elsewhere = set(
        Employment.objects.filter(person_id__in=known_ids, leave_date__isnull=True)
        .exclude(kindergarten=kindergarten)
        .values_list("person_id", flat=True)
    )
    # Blacklisted in any city (the hash is the same everywhere): the district that decided is the contact.
    blacklisted = _first_per_key(
        Misconduct.objects.filter(veto=True, person__id_hash__in=hashes)
        .order_by("person__id_hash", "-decided_on", "-id")
        .values_list("person__id_hash", "district__name")
    )
    checks = selectors.record_check_status(known_ids, on=today)
    with_record = [pk for pk, status in checks.items() if status == "record"]
    record_contacts = _first_per_key(
        Employment.objects.filter(person_id__in=with_record)
        .order_by("person_id", "-hire_date", "-id")
        .values_list("person_id", "kindergarten__district__name")
    )

    rows: list[dict[str, Any]] = []
    new_principal_row: int | None = None
    for done, (raw, values, row_problems) in enumerate(cleaned):
        report(done, len(cleaned), "正在逐行检查")
        number = raw.number

        def problem(field: str, message: str, number=number, row_problems=row_problems) -> None:
            row_problems.append(excel.Problem(number, _header(field), message))

        name = values.get("name")
        person: Person | None = None
        employment: Employment | None = None
        if "id_masked" in values:
            matches = here_by_masked.get((values["id_masked"], name), [])
            if len(matches) == 1:
                employment = matches[0]
                person = employment.person
            else:
                problem("id_number", MASKED_UNKNOWN)
        elif "id_hash" in values:
            person = people.get(values["id_hash"])
            employment = here_by_person.get(person.pk) if person is not None else None
        if person is not None and name and name != person.name:
            problem("name", NAME_MISMATCH)
        if employment is not None:
            if values.get("post") and values["post"] != employment.post:
                problem(
                    "post",
                    f"名册导入不变更岗位（现为“{employment.get_post_display()}”）；调岗请在人员页面办理离职后重新入职。",
                )
            if values.get("hire_date") and values["hire_date"] != employment.hire_date:
                problem(
                    "hire_date",
                    f"名册导入不变更入职日期（已登记为 {employment.hire_date:%Y-%m-%d}）；如登记有误请在人员页面处理。",
                )
        elif "id_hash" in values:
            contact = blacklisted.get(values["id_hash"])
            if contact is None and person is not None and checks.get(person.pk) == "record":
                contact = record_contacts.get(person.pk) or kindergarten.district.name
            if contact is not None:
                problem("id_number", hire_refused_message(contact))
            elif person is not None and person.pk in employed_elsewhere:
                problem("id_number", EMPLOYED_ELSEWHERE)
            hire_date = values.get("hire_date")
            if hire_date and hire_date > today:
                problem("hire_date", "入职日期不能晚于今天。")
            if values.get("post") == Post.PRINCIPAL:
                if principal_here is not None:
                    problem("post", PRINCIPAL_TAKEN)
                elif new_principal_row is not None:
                    problem("post", f"一所幼儿园只有一名园长，第 {new_principal_row} 行已填写园长。")
                else:
                    new_principal_row = number
        problems.extend(row_problems)
        if row_problems:
            continue
        rows.append(_preview_row(number, values, person, employment))
    report(len(cleaned), len(cleaned), "检查完成")
    if problems:
        problems.sort(key=lambda p: (p.row or 0, excel.COLUMN_ORDER.get(p.column, -1)))
        return StaffPreview(problems=problems, row_count=len(raw_rows), raw_rows=raw_rows)
    summary = {key: sum(1 for r in rows if r["action"] == key) for key in (CREATE, UPDATE, UNCHANGED)}
    staff_import = StaffImport(
        kindergarten=kindergarten, uploaded_by=actor, filename=(filename or "")[:200], rows=rows, summary=summary
    )
    staff_import.full_clean()
    staff_import.save()
    return StaffPreview(problems=[], row_count=len(raw_rows), staff_import=staff_import, raw_rows=raw_rows)


def _preview_row(number: int, values: dict, person: Person | None, employment: Employment | None) -> dict:
    """What the preview shows and what the apply needs, as JSON (no full ID number but a new person's)."""
    person_changes = {
        f: values[f] for f in PERSON_CHANGES if person is not None and f in values and getattr(person, f) != values[f]
    }
    row: dict[str, Any] = {
        "row": number,
        "name": values["name"],
        "id_masked": person.id_masked if person is not None else idcard.mask(values["id_facts"].number),
        "post": excel.display("post", values["post"]),
        "person_id": person.pk if person is not None else None,
        "person_changes": person_changes,
    }
    if employment is not None:
        employment_changes = {f: values[f] for f in EMPLOYMENT_CHANGES if getattr(employment, f) != values[f]}
        row.update(
            action=UPDATE if person_changes or employment_changes else UNCHANGED,
            employment_id=employment.pk,
            employment_changes=employment_changes,
            changes=[
                [excel.COLUMN_BY_FIELD[f].label, excel.display(f, getattr(obj, f)), excel.display(f, new)]
                for obj, changed in ((person, person_changes), (employment, employment_changes))
                for f, new in changed.items()
            ],
        )
        return row
    hire = {f: values[f] for f in ("post", "post_type", "social_insurance", "is_safety_officer")}
    hire["hire_date"] = values["hire_date"].isoformat()
    if person is None:
        hire.update({f: values.get(f, "") for f in PERSON_CHANGES})
        hire["id_number"] = values["id_facts"].number  # removed once applied
    row.update(action=CREATE, hire=hire, changes=[])
    return row


# --- apply ------------------------------------------------------------------------------------


def _row_error(label: str, exc: ValidationError) -> ValidationError:
    return ValidationError(f"{label}：{'；'.join(exc.messages)}")


@transaction.atomic
def staff_import_apply(
    *, actor: User, staff_import: StaffImport, progress: Callable[[int, int, str], None] | None = None
) -> dict[str, int]:
    """Write every row through the services, or nothing: the first failing row rolls all back."""
    locked = StaffImport.objects.select_for_update().select_related("kindergarten").get(pk=staff_import.pk)
    if locked.state != StaffImport.State.PENDING:
        raise StaffImportAlreadyApplied
    kindergarten = locked.kindergarten
    _require_roster(actor, kindergarten)
    report = progress or (lambda done, total, note: None)
    city = city_of(kindergarten)
    counts = {CREATE: 0, UPDATE: 0, UNCHANGED: 0}
    for done, row in enumerate(locked.rows):
        report(done, len(locked.rows), "正在保存")
        label = f"第 {row['row']} 行（{row['name']}）"
        try:
            _apply_row(actor=actor, kindergarten=kindergarten, city=city, row=row)
        except ValidationError as exc:
            raise _row_error(label, exc) from exc
        counts[row["action"]] += 1
    report(len(locked.rows), len(locked.rows), "已保存")
    locked.state = StaffImport.State.APPLIED
    locked.applied_at = timezone.now()
    locked.summary = counts
    # The full numbers of people new to the city are no longer needed: the Person rows hold them.
    locked.rows = [
        {**row, "hire": {k: v for k, v in row.get("hire", {}).items() if k != "id_number"}} for row in locked.rows
    ]
    locked.save(update_fields=["state", "applied_at", "summary", "rows"])
    staff_import.state, staff_import.applied_at, staff_import.summary = locked.state, locked.applied_at, counts
    return counts


def _apply_row(*, actor: User, kindergarten: Kindergarten, city, row: dict) -> None:
    if row["action"] == CREATE:
        hire = dict(row["hire"])
        hire["hire_date"] = datetime.date.fromisoformat(hire["hire_date"])
        if row["person_id"] is None:
            person_hire(actor=actor, kindergarten=kindergarten, name=row["name"], check_rights=False, **hire)
            return
        person = Person.objects.filter(pk=row["person_id"], city=city).first()
        if person is None:
            raise ValidationError("该人员的记录在预览后已不存在，请重新上传。")
        person_rehire(actor=actor, person=person, kindergarten=kindergarten, **hire)
        if row["person_changes"]:
            person_update(actor=actor, person=person, changes=row["person_changes"])
        return
    employment = (
        Employment.objects.filter(pk=row["employment_id"], kindergarten=kindergarten, leave_date__isnull=True)
        .select_related("person", "kindergarten")
        .first()
    )
    if employment is None:
        raise ValidationError("该人员在预览后已离职或调离本园，请重新上传。")
    if row["person_changes"]:
        person_update(actor=actor, person=employment.person, changes=row["person_changes"])
    if row["employment_changes"]:
        employment_update(actor=actor, employment=employment, changes=row["employment_changes"])


# --- jobs -------------------------------------------------------------------------------------


def _kindergarten_for(user, pk) -> Kindergarten:
    kindergarten = kindergartens_visible_to(user).select_related("district").filter(pk=pk).first()
    if kindergarten is None:
        raise JobFailed("该幼儿园已不在您的管辖范围内，未处理。")
    return kindergarten


def staff_import_check_start(*, actor: User, kindergarten: Kindergarten, data: bytes, filename: str) -> Job:
    """Queue the check of an upload; refuses at once (``excel.RosterFileError``, nothing stored) what
    needs no parsing: wrong type, too large, not a workbook, macros, zip bomb."""
    _require_roster(actor, kindergarten)
    excel.check_archive(data, filename=filename)
    return job_start(
        kind=ROSTER_CHECK,
        user=actor,
        district_id=kindergarten.district_id,
        params={"kindergarten": kindergarten.pk, "filename": (filename or "")[:200]},
        input_data=data,
        input_name=filename,
    )


def run_roster_check(run: JobRun) -> None:
    actor = run.user
    kindergarten = _kindergarten_for(actor, run.params.get("kindergarten"))
    filename = run.params.get("filename", "")
    data = run.read_input()
    try:
        preview = staff_import_preview(
            actor=actor, kindergarten=kindergarten, data=data, filename=filename, progress=run.progress
        )
    except PermissionDenied as exc:
        raise JobFailed("您已没有维护该园教职工名册的权限，未检查该文件。") from exc
    except excel.RosterFileError as exc:
        run.result = {
            "file_error": exc.message,
            "problems": [[p.row, p.column, p.message] for p in exc.problems[:PROBLEMS_SHOWN]],
            "problem_count": len(exc.problems),
        }
        return
    if preview.staff_import is not None:
        run.result = {"staff_import": preview.staff_import.pk, "row_count": preview.row_count}
        return
    run.progress(preview.row_count, preview.row_count, "正在生成问题清单")
    stem = (filename or "教职工名册").rsplit(".", 1)[0][:80]
    with run.result_file(f"{stem}_问题清单.xlsx") as fileobj:
        excel.write_problems(fileobj, preview.raw_rows, preview.problems, kindergarten_name=kindergarten.name)
    run.result = {
        "problems": [[p.row, p.column, p.message] for p in preview.problems[:PROBLEMS_SHOWN]],
        "problem_count": len(preview.problems),
        "row_count": preview.row_count,
    }


def staff_import_apply_start(*, actor: User, staff_import: StaffImport) -> Job:
    """Queue the writing of a confirmed import (every row or none, on the worker, with progress)."""
    _require_roster(actor, staff_import.kindergarten)
    if staff_import.state != StaffImport.State.PENDING:
        raise StaffImportAlreadyApplied
    return job_start(
        kind=ROSTER_APPLY,
        user=actor,
        district_id=staff_import.kindergarten.district_id,
        params={"kindergarten": staff_import.kindergarten_id, "staff_import": staff_import.pk},
        input_name=staff_import.filename,
    )


def run_roster_apply(run: JobRun) -> None:
    actor = run.user
    try:
        staff_import = StaffImport.objects.get(pk=run.params["staff_import"])
        counts = staff_import_apply(actor=actor, staff_import=staff_import, progress=run.progress)
    except StaffImport.DoesNotExist as exc:
        raise JobFailed("该名册预览已不存在，请重新上传。") from exc
    except StaffImportAlreadyApplied as exc:
        raise JobFailed("该名册已经导入过，没有重复导入。") from exc
    except PermissionDenied as exc:
        raise JobFailed("您已没有维护该园教职工名册的权限，没有保存任何数据。") from exc
    except ValidationError as exc:
        raise JobFailed(f"导入失败，没有保存任何数据。{'；'.join(exc.messages)}") from exc
    run.result = {"counts": counts, "staff_import": staff_import.pk}


def roster_export_start(*, actor: User, kindergarten: Kindergarten) -> Job:
    if not can(actor, "export"):
        raise PermissionDenied("您没有导出教职工名册的权限。")
    return job_start(
        kind=ROSTER_EXPORT,
        user=actor,
        district_id=kindergarten.district_id,
        params={"kindergarten": kindergarten.pk},
    )


def run_roster_export(run: JobRun) -> None:
    """The kindergarten's staff in office as a template. Full ID numbers only for those who may see
    them (the district bureau, the kindergarten's director), each person written a recorded reveal."""
    actor = run.user
    if not can(actor, "export"):
        raise JobFailed("您已没有导出的权限，未生成文件。")
    kindergarten = _kindergarten_for(actor, run.params.get("kindergarten"))
    employments = list(
        Employment.objects.filter(kindergarten=kindergarten, leave_date__isnull=True)
        .select_related("person")
        .order_by("post", "person__name", "pk")
    )
    full = reveal_allowed_in_bulk(actor)
    run.progress(0, len(employments), "正在导出")
    with run.result_file(f"教职工名册_{kindergarten.name}_{_today():%Y%m%d}.xlsx") as fileobj:
        writer = excel.StaffRosterWriter(fileobj, kindergarten_name=kindergarten.name, extra_headers=("所属幼儿园",))
        for number, employment in enumerate(employments, start=2):
            person = employment.person
            values = {
                **{f: getattr(person, f) for f in ("name", *PERSON_CHANGES)},
                **{f: getattr(employment, f) for f in ("post", "hire_date", *EMPLOYMENT_CHANGES)},
                "id_number": person.id_number if full else person.id_masked,
            }
            cells = [
                values[c.field] if c.kind in (excel.DATE, excel.ID_NUMBER) else excel.display(c.field, values[c.field])
                for c in excel.COLUMNS
            ]
            writer.write_row(number, [*cells, kindergarten.name])
            if number % 200 == 0:
                run.progress(number - 1, len(employments), "正在导出")
        writer.close()
    if full and employments:
        IdReveal.objects.bulk_create(
            [IdReveal(person=e.person, user=actor, purpose="导出教职工名册") for e in employments]
        )
    run.result = {"rows": len(employments)}


# --- registration (StaffingConfig.ready) -----------------------------------------------------------


def _roster_right(right: str):
    def check(user, job: Job) -> None:
        if not account_has_scope(user):
            raise Http404
        if not kindergartens_visible_to(user).filter(pk=job.params.get("kindergarten")).exists():
            raise Http404
        require(can(user, right))

    return check


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
        "download_inline": True,
        "upload_url": reverse("staffing:import", kwargs={"pk": job.params.get("kindergarten", 0)}),
    }


def _describe(field: str, value) -> str | None:
    if field == "params" and isinstance(value, dict):
        name = Kindergarten.objects.filter(pk=value.get("kindergarten")).values_list("name", flat=True).first()
        return f"幼儿园：{name or '（已删除）'}"
    return None


def register() -> None:
    register_kind(
        JobKind(
            name=ROSTER_CHECK,
            label="教职工名册导入检查",
            run=run_roster_check,
            check_access=_roster_right("manage"),
            again_url=lambda job: reverse("staffing:import", kwargs={"pk": job.params.get("kindergarten", 0)}),
            next_url=lambda job: (
                reverse("staffing:import-confirm", kwargs={"pk": job.result["staff_import"]})
                if job.result.get("staff_import")
                else None
            ),
            result_template="staffing/import_check_result.html",
            result_context=_check_context,
            describe=_describe,
        )
    )
    register_kind(
        JobKind(
            name=ROSTER_APPLY,
            label="教职工名册导入",
            run=run_roster_apply,
            check_access=_roster_right("manage"),
            again_url=lambda job: reverse("staffing:import-confirm", kwargs={"pk": job.params.get("staff_import", 0)}),
            result_template="staffing/import_apply_result.html",
            result_context=lambda job: {
                "counts": job.result.get("counts", {}),
                "roster_url": reverse("staffing:roster", kwargs={"pk": job.params.get("kindergarten", 0)}),
            },
            describe=_describe,
        )
    )
    register_kind(
        JobKind(
            name=ROSTER_EXPORT,
            label="教职工名册导出",
            run=run_roster_export,
            check_access=_roster_right("export"),
            again_url=lambda job: reverse("staffing:roster", kwargs={"pk": job.params.get("kindergarten", 0)}),
            result_template="staffing/export_result.html",
            result_context=lambda job: {"rows": job.result.get("rows", 0), "download_label": "下载 Excel 文件"},
            describe=_describe,
        )
    )
