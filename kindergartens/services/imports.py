"""Roster imports: check an uploaded Excel roster and preview it, then apply it all or nothing.

``roster_preview`` stores nothing unless every row is valid; then it keeps a pending
``RosterImport`` (the parsed rows) that ``roster_import_apply`` writes in one transaction,
with the checks, dated history and audit entries of ``kindergarten_create`` /
``kindergarten_update`` made for many rows at once (see "batch writes" below).
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from core.jobs import JobFailed, JobRun, job_start
from core.models import Job
from kindergartens import excel
from kindergartens.access import (
    can,
    credit_grades_visible_to,
    groups_visible_to,
    kindergartens_visible_to,
    levels_visible_to,
    townships_visible_to,
)
from kindergartens.models import Bureau, Kindergarten, KindergartenStatusChange, Nature, RosterImport, Status

from .records import (
    DATED_FIELDS,
    check_nature_dates,
    check_registered_after_recognition,
    kindergarten_update,
    status_transition_error,
    today,
    validate_places,
)

IMPORT_NOTE = "名册导入"
CREATE, UPDATE, UNCHANGED = "create", "update", "unchanged"


def import_district(user) -> Bureau:
    """The district whose roster ``user`` may import: their own bureau, if it is a district."""
    if not can(user, "import_roster") or user.bureau is None or user.bureau.level != Bureau.Level.DISTRICT:
        raise PermissionDenied("您没有导入名册的权限。")
    return user.bureau


# --- template ------------------------------------------------------------------------------


def dropdown_lists(user: User, district: Bureau | None = None) -> dict[str, list[str]]:
    """The dropdown lists of a workbook for ``user``: townships and groups of ``district`` (or of every
    district the user sees, for a city-wide export), the province's levels in use."""
    townships = townships_visible_to(user)
    groups = groups_visible_to(user)
    if district is not None:
        townships, groups = townships.filter(district=district), groups.filter(district=district)
    grades = credit_grades_visible_to(user).filter(is_active=True)
    if district is not None:
        grades = grades.filter(district=district)
    return {
        "townships": list(townships.order_by("name").values_list("name", flat=True).distinct()),
        "groups": list(groups.order_by("name").values_list("name", flat=True).distinct()),
        "levels": list(
            levels_visible_to(user).filter(is_active=True).order_by("-rank", "name").values_list("name", flat=True)
        ),
        # The district's credit grades in use (信用等级); a city-wide export lists every district's names.
        "credit_grades": list(dict.fromkeys(grades.order_by("-rank", "name").values_list("name", flat=True))),
    }


def roster_template(*, user: User, fileobj: IO[bytes]) -> None:
    """Write the import template with the user's district's townships and groups and the province's levels."""
    district = import_district(user)
    excel.write_template(fileobj, **dropdown_lists(user, district), district_name=district.name)


# --- preview -------------------------------------------------------------------------------


@dataclass
class RosterPreview:
    """``problems`` empty: ``roster_import`` is the pending import to confirm; otherwise nothing was stored.

    ``raw_rows``: the rows as read, for the problems file.
    """

    problems: list[excel.Problem]
    row_count: int
    roster_import: RosterImport | None = None
    raw_rows: list[excel.RawRow] = dataclasses.field(default_factory=list)


class RosterImportAlreadyApplied(Exception):
    """A confirmed import is applied once; a second confirm does nothing."""


def _vocabulary(user, district: Bureau) -> tuple[excel.Vocabulary, dict[str, dict[int, str]], set[int]]:
    townships = dict(townships_visible_to(user).filter(district=district).values_list("name", "pk"))
    groups = dict(groups_visible_to(user).filter(district=district).values_list("name", "pk"))
    levels = list(levels_visible_to(user).values_list("name", "pk", "is_active"))
    vocabulary = excel.Vocabulary(townships=townships, groups=groups, levels={name: pk for name, pk, _active in levels})
    names = {
        excel.TOWNSHIP: {pk: name for name, pk in townships.items()},
        excel.GROUP: {pk: name for name, pk in groups.items()},
        excel.LEVEL: {pk: name for name, pk, _active in levels},
    }
    inactive_levels = {pk for _name, pk, active in levels if not active}
    # The district's own credit grades (信用等级), looked up by name like the levels.
    grades = dict(credit_grades_visible_to(user).filter(district=district).values_list("name", "pk"))
    vocabulary = dataclasses.replace(vocabulary, credit_grades=grades)
    names[excel.CREDIT_GRADE] = {pk: name for name, pk in grades.items()}
    return vocabulary, names, inactive_levels


def _retired_credit_grades(user, district: Bureau) -> set[int]:
    """The district's retired credit grades: kept where they are, not given anew."""
    return set(credit_grades_visible_to(user).filter(district=district, is_active=False).values_list("pk", flat=True))


def _foreign_codes(district: Bureau, codes: list[str]) -> set[str]:
    """Codes already registered in another district.

    A uniqueness check over every district, deliberately outside the user's scope: it answers
    only "taken or not" and never returns another district's record.
    """
    taken: set[str] = set()
    for start in range(0, len(codes), 1000):
        chunk = codes[start : start + 1000]
        taken.update(
            Kindergarten.objects.filter(credit_code__in=chunk)
            .exclude(district=district)
            .values_list("credit_code", flat=True)
        )
    return taken


def _current(kindergarten: Kindergarten, column: excel.Column) -> Any:
    if column.kind in excel.LOOKUP_KINDS:
        return getattr(kindergarten, f"{column.field}_id")
    return getattr(kindergarten, column.field)


def _changes(kindergarten: Kindergarten, values: dict[str, Any], names) -> list[list[str]]:
    """[header, old, new] for every column whose value the row changes."""
    changes = []
    for column in excel.COLUMNS:
        if column.field not in values:
            continue
        old, new = _current(kindergarten, column), values[column.field]
        if (old in (None, "") and new in (None, "")) or old == new:
            continue
        kind_names = names.get(column.kind)
        changes.append([column.header, excel.display(column, old, kind_names), excel.display(column, new, kind_names)])
    return changes


def roster_preview(
    *, actor: User, data: bytes, filename: str, progress: Callable[[int, int, str], None] | None = None
) -> RosterPreview:
    """Check every row of an uploaded roster.

    Raises ``excel.RosterFileError`` when the file itself is refused. Returns the row problems
    (row, column, reason) when there are any, storing nothing; otherwise stores and returns a
    pending ``RosterImport`` saying for each row whether it creates, updates or changes nothing.
    """
    district = import_district(actor)
    report = progress or (lambda done, total, note: None)
    report(0, 0, "正在读取文件")
    raw_rows = excel.read_roster(data, filename=filename)
    report(0, len(raw_rows), "正在逐行检查")
    vocabulary, names, inactive_levels = _vocabulary(actor, district)
    # The whole district in one query: a district has at most a few thousand kindergartens.
    existing = list(kindergartens_visible_to(actor).filter(district=district).order_by())
    by_code = {k.credit_code: k for k in existing if k.credit_code}
    by_name = {k.name: k for k in existing}
    header = {
        f: excel.COLUMN_BY_FIELD[f].header
        for f in ("credit_code", "name", "level", "credit_rating", "status", "inclusive_recognised_on")
    }

    problems: list[excel.Problem] = []
    cleaned: list[tuple[int, dict[str, Any], bool]] = []
    first_code: dict[str, int] = {}
    first_name: dict[str, int] = {}
    for done, raw in enumerate(raw_rows):
        report(done, len(raw_rows), "正在逐行检查")
        values, row_problems = excel.clean_row(raw, vocabulary)
        code, name = values.get("credit_code"), values.get("name")
        if code and code in first_code:
            row_problems.append(
                excel.Problem(raw.number, header["credit_code"], f"与第 {first_code[code]} 行的统一社会信用代码重复。")
            )
        elif code:
            first_code[code] = raw.number
        if name and name in first_name:
            row_problems.append(
                excel.Problem(raw.number, header["name"], f"与第 {first_name[name]} 行的园所名称重复。")
            )
        elif name:
            first_name[name] = raw.number
        problems.extend(row_problems)
        cleaned.append((raw.number, values, not row_problems))

    foreign = _foreign_codes(district, list(first_code))
    retired_grades = _retired_credit_grades(actor, district)
    rows: list[dict[str, Any]] = []
    for number, values, valid in cleaned:
        code, name = values.get("credit_code"), values.get("name")
        row_problems = []
        if code in foreign:
            row_problems.append(
                excel.Problem(
                    number,
                    header["credit_code"],
                    "该统一社会信用代码已登记在其他区县的幼儿园，不能由本区导入。如园所跨区迁移，请先由原区县办理注销。",
                )
            )
        target = by_code.get(code) if code else None
        if code and target is None and name in by_name:
            same_name = by_name[name]
            if same_name.credit_code:
                row_problems.append(
                    excel.Problem(
                        number,
                        header["name"],
                        f"本区已有同名幼儿园，其统一社会信用代码为 {same_name.credit_code}，与本行不同。",
                    )
                )
            else:
                target = same_name  # registered without a code: this row fills it in
        elif target is not None and name and name != target.name and name in by_name:
            row_problems.append(
                excel.Problem(number, header["name"], f"本区已有名为“{name}”的其他幼儿园，不能改为此名称。")
            )
        level = values.get("level")
        if level in inactive_levels and (target is None or target.level_id != level):
            row_problems.append(excel.Problem(number, header["level"], "该等级已停用，请选择在用的等级。"))
        grade = values.get("credit_rating")
        if grade in retired_grades and (target is None or target.credit_rating_id != grade):
            row_problems.append(
                excel.Problem(number, header["credit_rating"], "该信用等级已停用，请选择在用的信用等级。")
            )
        status = values.get("status")
        if target is not None and status and (error := status_transition_error(target.status, status)):
            row_problems.append(excel.Problem(number, header["status"], error))
        if target is None and values.get("nature") == Nature.INCLUSIVE_PRIVATE:
            try:
                check_registered_after_recognition(
                    Kindergarten(
                        nature=values["nature"], inclusive_recognised_on=values.get("inclusive_recognised_on")
                    ),
                    today(),
                )
            except ValidationError as exc:
                row_problems.append(excel.Problem(number, header["inclusive_recognised_on"], exc.messages[0]))
        problems.extend(row_problems)
        if not valid or row_problems:
            continue
        changes = _changes(target, values, names) if target is not None else []
        action = CREATE if target is None else (UPDATE if changes else UNCHANGED)
        rows.append(
            {
                "row": number,
                "action": action,
                "id": target.pk if target is not None else None,
                "name": name,
                "credit_code": code,
                "township": names[excel.TOWNSHIP].get(values["township"], ""),
                "nature": excel.display(excel.COLUMN_BY_FIELD["nature"], values["nature"]),
                "values": {f: excel.to_json(f, v) for f, v in values.items()},
                "changes": changes,
            }
        )
    if problems:
        order = {c.header: i for i, c in enumerate(excel.COLUMNS)}
        problems.sort(key=lambda p: (p.row or 0, order.get(p.column, -1)))
        return RosterPreview(problems=problems, row_count=len(raw_rows), raw_rows=raw_rows)

    summary = {key: sum(1 for r in rows if r["action"] == key) for key in (CREATE, UPDATE, UNCHANGED)}
    roster_import = RosterImport(
        district=district,
        uploaded_by=actor,
        filename=(filename or "")[:200],
        sha256=hashlib.sha256(data).hexdigest(),
        rows=rows,
        summary=summary,
    )
    roster_import.full_clean()
    roster_import.save()
    return RosterPreview(problems=[], row_count=len(raw_rows), roster_import=roster_import, raw_rows=raw_rows)


# --- apply ---------------------------------------------------------------------------------


def _objects(values: dict[str, Any], *, townships, groups, levels, credit_grades=None) -> dict[str, Any]:
    """Stored row values -> arguments for the record services (ids become the district's objects)."""
    result: dict[str, Any] = {}
    for field_name, stored in values.items():
        value = excel.from_json(field_name, stored)
        kind = excel.COLUMN_BY_FIELD[field_name].kind
        if kind in excel.LOOKUP_KINDS and value is not None:
            found = {
                excel.TOWNSHIP: townships,
                excel.GROUP: groups,
                excel.LEVEL: levels,
                excel.CREDIT_GRADE: credit_grades or {},
            }[kind].get(value)
            if found is None:
                label = excel.COLUMN_BY_FIELD[field_name].label
                raise ValidationError(f"预览后{label}已被删除或停用，请重新下载模板并上传。")
            value = found
        result[field_name] = value
    return result


# --- batch writes ------------------------------------------------------------------------
# kindergarten_create / kindergarten_update cost 15-25 queries a row (full_clean looks up every
# foreign key and constraint; history and audit rows are saved one at a time): 3,000 new
# kindergartens took over a minute on PostgreSQL. The two functions below make the same checks
# and the same writes for many rows: the foreign keys are the district's own objects loaded
# once, uniqueness is one query per 1,000 rows (the database constraints still guard the
# instant between), and rows, dated history and audit entries go in with bulk_create /
# bulk_update (AuditedQuerySet writes the audit entries). Status and nature changes take
# effect today. tests/kindergartens/test_import.py checks they leave exactly what the
# single-row services leave.

FOREIGN_KEYS = ("district", "township", "collaboration_group", "level", "credit_rating")
BATCH = 500


def _row_error(label: str, exc: ValidationError) -> ValidationError:
    return ValidationError(f"{label}：{'；'.join(exc.messages)}")


def _check(label: str, kindergarten: Kindergarten) -> None:
    """kindergarten_create/update's checks that need no query (the places are the district's own)."""
    try:
        validate_places(
            district=kindergarten.district,
            township=kindergarten.township,
            group=kindergarten.collaboration_group,
            level=kindergarten.level,
            credit_grade=kindergarten.credit_rating,
        )
        check_nature_dates(kindergarten)
        if kindergarten.pk is None:
            check_registered_after_recognition(kindergarten, today())
        kindergarten.full_clean(exclude=FOREIGN_KEYS, validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        raise _row_error(label, exc) from exc


def _check_unique_many(district: Bureau, rows: list[tuple[str, Kindergarten]]) -> None:
    """No other kindergarten has a row's credit code (any district) or its name (this district)."""
    by_code = {kg.credit_code: (label, kg) for label, kg in rows if kg.credit_code}
    by_name = {kg.name: (label, kg) for label, kg in rows}
    for keys, lookup, message, index in (
        (list(by_code), "credit_code__in", "该统一社会信用代码已登记在另一所幼儿园名下。", by_code),
        (list(by_name), "name__in", "本区县已有同名的幼儿园。", by_name),
    ):
        for start in range(0, len(keys), 1000):
            found = Kindergarten.objects.filter(**{lookup: keys[start : start + 1000]})
            if lookup == "name__in":
                found = found.filter(district=district)
            field = lookup.removesuffix("__in")
            for pk, value in found.values_list("pk", field):
                label, kindergarten = index[value]
                if pk != kindergarten.pk:
                    raise ValidationError(f"{label}：{message}")


def _history(kindergarten: Kindergarten, fields, *, actor, day) -> list[KindergartenStatusChange]:
    return [
        KindergartenStatusChange(
            kindergarten=kindergarten,
            attribute=field,
            value=getattr(kindergarten, field),
            effective_date=day,
            recorded_by=actor,
            note=IMPORT_NOTE,
        )
        for field in DATED_FIELDS
        if field in fields
    ]


def _create_many(*, actor, district: Bureau, rows: list[tuple[str, dict[str, Any]]]) -> int:
    """The batch form of kindergarten_create: register every row, or raise for the first bad one."""
    day = today()
    new: list[tuple[str, Kindergarten]] = []
    for label, values in rows:
        kindergarten = Kindergarten(district=district, **{"status": Status.OPERATING, **values})
        _check(label, kindergarten)
        new.append((label, kindergarten))
    _check_unique_many(district, new)
    created = [kg for _label, kg in new]
    for start in range(0, len(created), BATCH):
        Kindergarten.objects.bulk_create(created[start : start + BATCH])
    history = [change for kg in created for change in _history(kg, DATED_FIELDS, actor=actor, day=day)]
    for start in range(0, len(history), BATCH):
        KindergartenStatusChange.objects.bulk_create(history[start : start + BATCH])
    return len(created)


def _update_many(*, actor, district: Bureau, rows: list[tuple[str, Kindergarten, dict[str, Any]]]) -> int:
    """The batch form of kindergarten_update: returns how many kindergartens changed.

    A row that changes status or nature goes through kindergarten_update itself: the life cycle
    and the recognition date are checked against that kindergarten's dated history (such rows
    are few); the others are written in bulk.
    """
    day = today()
    now = timezone.now()
    changed_rows: list[tuple[str, Kindergarten]] = []
    fields: set[str] = set()
    history: list[KindergartenStatusChange] = []
    dated_rows = 0
    for label, kindergarten, values in rows:
        changed = [f for f, v in values.items() if getattr(kindergarten, f) != v]
        if not changed:
            continue
        if set(changed) & set(DATED_FIELDS):
            try:
                kindergarten_update(
                    actor=actor,
                    kindergarten=kindergarten,
                    changes={f: values[f] for f in changed},
                    note=IMPORT_NOTE,
                    check_rights=False,
                )
            except ValidationError as exc:
                raise _row_error(label, exc) from exc
            dated_rows += 1
            continue
        for field in changed:
            setattr(kindergarten, field, values[field])
        kindergarten.updated_at = now  # bulk_update does not apply auto_now
        _check(label, kindergarten)
        changed_rows.append((label, kindergarten))
        fields.update(changed)
        history.extend(_history(kindergarten, changed, actor=actor, day=day))
    if not changed_rows:
        return dated_rows
    _check_unique_many(district, [(label, kg) for label, kg in changed_rows if kg.pk])
    objects = [kg for _label, kg in changed_rows]
    names = sorted(fields) + ["updated_at"]
    for start in range(0, len(objects), BATCH):
        Kindergarten.objects.bulk_update(objects[start : start + BATCH], names)
    for start in range(0, len(history), BATCH):
        KindergartenStatusChange.objects.bulk_create(history[start : start + BATCH])
    return len(objects) + dated_rows


@transaction.atomic
def roster_import_apply(*, actor: User, roster_import: RosterImport) -> dict[str, int]:
    """Write every row of a pending import, or nothing: the first failing row rolls all back.

    Status and nature changes take effect today. Returns how many kindergartens were
    created, updated and left unchanged.
    """
    locked = RosterImport.objects.select_for_update().get(pk=roster_import.pk)
    if locked.state != RosterImport.State.PENDING:
        raise RosterImportAlreadyApplied
    district = import_district(actor)
    if locked.district_id != district.pk:
        raise PermissionDenied("您只能导入本区的名册。")
    townships = {t.pk: t for t in townships_visible_to(actor).filter(district=district)}
    groups = {g.pk: g for g in groups_visible_to(actor).filter(district=district)}
    levels = {lv.pk: lv for lv in levels_visible_to(actor)}
    credit_grades = {g.pk: g for g in credit_grades_visible_to(actor).filter(district=district)}
    ids = [row["id"] for row in locked.rows if row["id"] is not None]
    # Locked until commit, so an edit on the page cannot slip in between read and write.
    kindergartens = (
        kindergartens_visible_to(actor)
        .filter(district=district)
        .select_related(*FOREIGN_KEYS)
        .select_for_update(of=("self",))
        .in_bulk(ids)
    )
    creates: list[tuple[str, dict[str, Any]]] = []
    updates: list[tuple[str, Kindergarten, dict[str, Any]]] = []
    for row in locked.rows:
        label = f"第 {row['row']} 行（{row['name']}）"
        try:
            values = _objects(
                row["values"], townships=townships, groups=groups, levels=levels, credit_grades=credit_grades
            )
        except ValidationError as exc:
            raise _row_error(label, exc) from exc
        if row["id"] is None:
            creates.append((label, values))
        elif row["id"] in kindergartens:
            updates.append((label, kindergartens[row["id"]], values))
        else:
            raise ValidationError(f"{label}：该幼儿园在预览后已不在本区名录中，请重新上传。")
    try:
        updated = _update_many(actor=actor, district=district, rows=updates)
        created = _create_many(actor=actor, district=district, rows=creates)
    except IntegrityError as exc:  # a concurrent write the checks above could not see
        raise ValidationError("与刚刚保存的数据冲突（统一社会信用代码或园所名称重复），请重新上传。") from exc
    counts = {CREATE: created, UPDATE: updated, UNCHANGED: len(updates) - updated}
    locked.state = RosterImport.State.APPLIED
    locked.applied_at = timezone.now()
    locked.summary = counts
    locked.save(update_fields=["state", "applied_at", "summary"])
    roster_import.state, roster_import.applied_at, roster_import.summary = locked.state, locked.applied_at, counts
    return counts


# --- background jobs: the import check and the export run on the worker (core.jobs) --------------

ROSTER_CHECK = "kindergartens.roster_check"
ROSTER_APPLY = "kindergartens.roster_apply"
EXPORT = "kindergartens.export"
# A confirmed import of more rows than this is written by the worker (3,000 new kindergartens take
# several seconds); a smaller one is written in the request, which then stays under a second.
DEFAULT_APPLY_IN_REQUEST_MAX_ROWS = 200


def apply_in_request(roster_import: RosterImport) -> bool:
    from django.conf import settings

    limit_rows = int(getattr(settings, "ROSTER_APPLY_IN_REQUEST_MAX_ROWS", DEFAULT_APPLY_IN_REQUEST_MAX_ROWS))
    return len(roster_import.rows) <= limit_rows


PROBLEMS_SHOWN = 100  # the page lists the first ones; the problems file has every one


def roster_check_start(*, actor: User, data: bytes, filename: str) -> Job:
    """Queue the check of an uploaded roster; the request only refuses what needs no parsing.

    Raises ``excel.RosterFileError`` for a file refused at once (wrong type, too large, not a
    workbook, macros, zip bomb): nothing is stored then. Otherwise the bytes wait for the worker,
    which deletes them once the check is done, whatever its outcome.
    """
    district = import_district(actor)
    excel.check_archive(data, filename=filename)
    return job_start(
        kind=ROSTER_CHECK,
        user=actor,
        district_id=district.pk,
        params={"filename": (filename or "")[:200]},
        input_data=data,
        input_name=filename,
    )


def run_roster_check(run: JobRun) -> None:
    """On the worker: check every row; a clean file becomes a pending RosterImport, a file with
    problems a problems .xlsx (the rows with each problem beside them). Nothing else is stored."""
    actor = run.user
    filename = run.params.get("filename", "")
    try:
        district = import_district(actor)
    except PermissionDenied as exc:
        raise JobFailed("您已没有导入名册的权限，未检查该文件。") from exc
    data = run.read_input()
    try:
        preview = roster_preview(actor=actor, data=data, filename=filename, progress=run.progress)
    except excel.RosterFileError as exc:
        run.result = {
            "file_error": exc.message,
            "problems": [[p.row, p.column, p.message] for p in exc.problems[:PROBLEMS_SHOWN]],
            "problem_count": len(exc.problems),
        }
        return
    if preview.roster_import is not None:
        run.result = {"roster_import": preview.roster_import.pk, "row_count": preview.row_count}
        return
    run.progress(preview.row_count, preview.row_count, "正在生成问题清单")
    stem = (filename or "名册").rsplit(".", 1)[0][:80]
    with run.result_file(f"{stem}_问题清单.xlsx") as fileobj:
        excel.write_problems(
            fileobj, preview.raw_rows, preview.problems, **dropdown_lists(actor, district), district_name=district.name
        )
    run.result = {
        "problems": [[p.row, p.column, p.message] for p in preview.problems[:PROBLEMS_SHOWN]],
        "problem_count": len(preview.problems),
        "row_count": preview.row_count,
    }


def kindergarten_export_start(*, actor: User, query: str) -> Job:
    """Queue an export of the list as filtered by ``query`` (the list page's query string)."""
    if not can(actor, "export_list"):
        raise PermissionDenied("您没有导出名录的权限。")
    return job_start(kind=EXPORT, user=actor, district_id=actor.bureau_id, params={"query": query[:2000]})


def run_export(run: JobRun) -> None:
    """On the worker: the list as the user filtered it, through the access layer with that user."""
    from django.http import QueryDict

    from kindergartens.forms import KindergartenFilterForm

    actor = run.user
    if not can(actor, "export_list"):
        raise JobFailed("您已没有导出名录的权限，未生成文件。")
    params = QueryDict(run.params.get("query", ""))
    form = KindergartenFilterForm(params or None, user=actor)
    queryset = form.filter(kindergartens_visible_to(actor))
    run.progress(0, 0, "正在导出")
    with run.result_file(f"幼儿园名录_{today():%Y%m%d}.xlsx") as fileobj:
        count = excel.export_workbook(
            queryset,
            fileobj,
            **dropdown_lists(actor),
            progress=lambda done, total: run.progress(done, total, "正在导出"),
        )
    run.result = {"rows": count}


def roster_import_apply_start(*, actor: User, roster_import: RosterImport) -> Job:
    """Queue the writing of a confirmed (large) import; ``roster_import_apply`` does it on the worker."""
    district = import_district(actor)
    if roster_import.district_id != district.pk:
        raise PermissionDenied("您只能导入本区的名册。")
    if roster_import.state != RosterImport.State.PENDING:
        raise RosterImportAlreadyApplied
    return job_start(
        kind=ROSTER_APPLY,
        user=actor,
        district_id=district.pk,
        params={"roster_import": roster_import.pk},
        input_name=roster_import.filename,
    )


def run_roster_apply(run: JobRun) -> None:
    """On the worker: every row or none, as in the request (the audit trail names the user)."""
    actor = run.user
    try:
        roster_import = RosterImport.objects.get(pk=run.params["roster_import"])
        counts = roster_import_apply(actor=actor, roster_import=roster_import)
    except RosterImport.DoesNotExist as exc:
        raise JobFailed("该名册预览已不存在，请重新上传。") from exc
    except RosterImportAlreadyApplied as exc:
        raise JobFailed("该名册已经导入过，没有重复导入。") from exc
    except PermissionDenied as exc:
        raise JobFailed("您已没有导入本区名册的权限，没有保存任何数据。") from exc
    except ValidationError as exc:
        raise JobFailed(f"导入失败，没有保存任何数据。{'；'.join(exc.messages)}") from exc
    run.result = {"counts": counts, "roster_import": roster_import.pk}
