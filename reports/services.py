"""Writes for monthly reports: types and their versions, opening, filling, submitting, returning,
approving and reopening submissions, building district reports, reminding.

Every write checks the actor's right through reports.access (callers may be a page, the API or a
task), validates, saves with ``update_fields`` inside one transaction, and appends a
SubmissionEvent; the audit trail records the rest (core.audit).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Sum
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from core.audit import audit_batched
from core.collation import pinyin_key
from core.db.compiled import CompiledQuery
from core.notifications import notify
from kindergartens.models import Bureau, Kindergarten
from kindergartens.selectors import kindergartens_owing_report
from reports import content as content_rules
from reports.access import submission_can, submissions_visible_to
from reports.definitions import DEFAULT_TYPES
from reports.models import ReportType, ReportTypeVersion, Submission, SubmissionEvent, SubmitterLevel
from reports.registry import (
    build_contributions,
    owed_in,
    prefill_contributions,
    registered_types,
    submission_check_messages,
    type_definition,
)

REASON_REQUIRED = "请填写理由。"


def today() -> datetime.date:
    """The calendar day in Asia/Shanghai: deadlines are Beijing days."""
    return timezone.localdate()


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def previous_month(month: datetime.date) -> datetime.date:
    return (month.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


def month_label(month: datetime.date) -> str:
    return f"{month.year}年{month.month}月"


def _local_date(moment: datetime.datetime) -> datetime.date:
    return timezone.localtime(moment).date()


# --- types and versions --------------------------------------------------------------------------------


def report_type_version(report_type: ReportType) -> ReportTypeVersion:
    """The type's current (latest) version."""
    return report_type.versions.order_by("-number").first()


def report_types_ensure_defaults() -> list[ReportType]:
    """Create the shipped types (reports.definitions) that do not exist yet; returns the ones created."""
    return report_types_ensure(DEFAULT_TYPES)


def report_types_ensure_registered() -> list[ReportType]:
    """Create the types other apps registered (reports.registry) that do not exist yet. The app that
    registers them calls this (its daily task, seed_demo), so a type exists once that app is in use."""
    return report_types_ensure([d.spec for d in registered_types()])


@transaction.atomic
def report_types_ensure(specs) -> list[ReportType]:
    """Create the types of ``specs`` (as in reports.definitions) that do not exist yet; returns the ones created."""
    created = []
    for spec in specs:
        if ReportType.objects.filter(code=spec["code"]).exists():
            continue
        source = ReportType.objects.get(code=spec["source"]) if spec.get("source") else None
        fields = {k: v for k, v in spec.items() if k not in ("content", "source")}
        report_type = ReportType(source=source, **fields)
        report_type.full_clean()
        report_type.save()
        content_rules.validate_content(spec["content"])
        ReportTypeVersion.objects.create(report_type=report_type, number=1, content=spec["content"])
        created.append(report_type)
    return created


TYPE_FIELDS = ("name", "due_day", "period", "submitter_level", "grace_days", "is_active", "sort_order")
# What a type in use keeps: its opened submissions were counted and dated by them.
FIXED_WHEN_IN_USE = {"period": "报告月份", "submitter_level": "报送方"}
# A district keeps types its kindergartens or itself file; the city's own reports ship with the code
# (a district's type filed by the city bureau would be a district deciding the city's work).
CITY_LEVEL_REFUSED = "区县的报表类型只能由本区县幼儿园或区县报送；市级自报的报表由系统提供。"


def report_type_can_edit(actor: User | None, report_type: ReportType) -> bool:
    """Only the bureau admin of the district that keeps the type. The shipped types (no owner) serve every
    district and change with the code (reports.definitions), not from one district's page."""
    return (
        actor is not None
        and actor.is_active
        and actor.role == Role.BUREAU_ADMIN
        and report_type.owner_id is not None
        and report_type.owner_id == actor.bureau_id
    )


def report_type_in_use(report_type: ReportType) -> int:
    """How many submissions the type has (any version)."""
    return Submission.objects.filter(report_type=report_type).count()


@transaction.atomic
def report_type_create(*, actor: User, content: dict, source: ReportType | None = None, **fields: Any) -> ReportType:
    """A new type kept by the actor's district (a district bureau admin), with its first version.
    ``source``: for a district report, the kindergarten report it consolidates."""
    if not (actor.role == Role.BUREAU_ADMIN and actor.bureau_id and actor.bureau.level == Bureau.Level.DISTRICT):
        raise PermissionDenied("只有区县管理员可以新建报表类型。")
    unknown = set(fields) - set(TYPE_FIELDS)
    if unknown:
        raise ValueError(f"unknown report type fields: {sorted(unknown)}")
    import uuid

    report_type = ReportType(owner_id=actor.bureau_id, code=f"d{actor.bureau_id}-{uuid.uuid4().hex[:10]}", **fields)
    if report_type.submitter_level == SubmitterLevel.DISTRICT and source is not None:
        report_type.source = source
    errors: dict[str, list[str]] = {}
    if report_type.submitter_level == SubmitterLevel.CITY:
        errors["submitter_level"] = [CITY_LEVEL_REFUSED]
    try:
        report_type.full_clean()
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        content_rules.validate_content(content)
    except ValidationError as exc:
        errors["content"] = exc.messages
    if errors:
        raise ValidationError(errors)
    report_type.save()
    ReportTypeVersion.objects.create(report_type=report_type, number=1, content=content, created_by=actor)
    return report_type


@transaction.atomic
def report_type_update(
    *, actor: User | None, report_type: ReportType, content: dict | None = None, **changes: Any
) -> ReportTypeVersion:
    """Change a type. New content makes a new version when a submission already uses the current
    one (a submission keeps its version); otherwise the unused version is replaced in place.
    Returns the version new submissions will use. Every problem is reported at once (ValidationError
    keyed by field; ``content`` for the definition)."""
    if actor is not None and not report_type_can_edit(actor, report_type):
        raise PermissionDenied("只有维护该报表的区县管理员可以修改报表类型。")
    unknown = set(changes) - set(TYPE_FIELDS)
    if unknown:
        raise ValueError(f"unknown report type fields: {sorted(unknown)}")
    report_type = ReportType.objects.select_for_update().get(pk=report_type.pk)
    changed = [f for f, v in changes.items() if getattr(report_type, f) != v]
    errors: dict[str, list[str]] = {}
    fixed = [f for f in changed if f in FIXED_WHEN_IN_USE]
    if fixed and report_type_in_use(report_type):
        for f in fixed:
            errors[f] = [f"该报表已有报送记录，不能再更改{FIXED_WHEN_IN_USE[f]}；如需调整，请新建报表类型。"]
    if "submitter_level" in changed and changes["submitter_level"] == SubmitterLevel.CITY:
        errors.setdefault("submitter_level", []).append(CITY_LEVEL_REFUSED)
    for f in changed:
        setattr(report_type, f, changes[f])
    if changed:
        try:
            report_type.full_clean()
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                errors.setdefault(key, []).extend(messages)
    current = report_type_version(report_type)
    new_content = content is not None and (current is None or current.content != content)
    if new_content:
        try:
            content_rules.validate_content(content)
        except ValidationError as exc:
            errors["content"] = exc.messages
    if errors:
        raise ValidationError(errors)
    if changed:
        report_type.save(update_fields=changed)
    if not new_content:
        return current
    if current is not None and not Submission.objects.filter(version=current).exists():
        current.content = content
        current.full_clean()
        current.save(update_fields=["content"])
        return current
    return ReportTypeVersion.objects.create(
        report_type=report_type, number=(current.number + 1) if current else 1, content=content, created_by=actor
    )


# --- opening ---------------------------------------------------------------------------------------------


def _event(submission: Submission, action: str, from_state: str, actor: User | None, note: str = "") -> None:
    SubmissionEvent.objects.create(
        submission=submission, action=action, from_state=from_state, to_state=submission.state, actor=actor, note=note
    )


def expected_submitters(report_type: ReportType, month: datetime.date, districts=None):
    """Who owes ``report_type`` for ``month``: (kindergarten or None, district id) pairs, as a queryset of
    values. Kindergartens by the registry's history (kindergartens_owing_report); districts: every one;
    a city report: every city bureau (``district`` holds the city; ``districts`` narrows it to their
    cities). A type a district keeps (``owner``) is owed by that district's kindergartens, or by the
    district. A type another app registered (reports.registry) may be owed in some months only, or by some
    kindergartens."""
    if not owed_in(report_type.code, month):
        return []
    definition = type_definition(report_type.code)
    if report_type.submitter_level == SubmitterLevel.KINDERGARTEN:
        kgs = Kindergarten.objects.all()
        if districts is not None:
            kgs = kgs.filter(district__in=districts)
        if report_type.owner_id is not None:  # a district's own report: its kindergartens only
            kgs = kgs.filter(district_id=report_type.owner_id)
        owing = kindergartens_owing_report(kgs, month)
        if definition is not None and definition.kindergartens is not None:
            owing = definition.kindergartens(owing, month)
        return owing.values_list("pk", "district_id")
    if report_type.submitter_level == SubmitterLevel.CITY:
        cities = Bureau.objects.filter(level=Bureau.Level.CITY)
        if districts is not None:
            cities = cities.filter(children__pk__in=[getattr(d, "pk", d) for d in districts]).distinct()
        return [(None, pk) for pk in cities.values_list("pk", flat=True)]
    bureaus = Bureau.objects.filter(level=Bureau.Level.DISTRICT)
    if report_type.owner_id is not None:  # a district's own report to the city: that district only
        bureaus = bureaus.filter(pk=report_type.owner_id)
    if districts is not None:
        bureaus = bureaus.filter(pk__in=[getattr(d, "pk", d) for d in districts])
    return [(None, pk) for pk in bureaus.values_list("pk", flat=True)]


def submissions_open(*, report_type: ReportType, month: datetime.date, districts=None) -> int:
    """Open the missing submissions of ``report_type`` for ``month`` (idempotent: existing ones are left
    alone, and the unique constraints make a concurrent second run create nothing). Returns how many."""
    month = month_start(month)
    version = report_type_version(report_type)
    due = report_type.due_date(month)
    for attempt in range(2):
        try:
            with transaction.atomic():
                existing_qs = Submission.objects.filter(report_type=report_type, month=month)
                if report_type.submitter_level == SubmitterLevel.KINDERGARTEN:
                    existing = set(existing_qs.values_list("kindergarten_id", flat=True))
                else:
                    existing = set(existing_qs.values_list("district_id", flat=True))
                new = [
                    Submission(
                        report_type=report_type,
                        version=version,
                        month=month,
                        kindergarten_id=kg_id,
                        district_id=district_id,
                        due_date=due,
                    )
                    for kg_id, district_id in expected_submitters(report_type, month, districts)
                    if (kg_id if kg_id is not None else district_id) not in existing
                ]
                Submission.objects.bulk_create(new, batch_size=500)
                return len(new)
        except IntegrityError:
            if attempt:
                raise
    return 0


def submission_for(*, report_type: ReportType, month: datetime.date, kindergarten=None, district=None) -> Submission:
    """The submission of one submitter, opened on demand (a kindergarten registered after the monthly run)."""
    month = month_start(month)
    lookup = {"report_type": report_type, "month": month}
    if kindergarten is not None:
        lookup.update(kindergarten=kindergarten)
        district = kindergarten.district
    else:
        lookup.update(kindergarten__isnull=True, district=district)
    found = Submission.objects.filter(**lookup).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return Submission.objects.create(
                report_type=report_type,
                version=report_type_version(report_type),
                month=month,
                kindergarten=kindergarten,
                district=district,
                due_date=report_type.due_date(month),
            )
    except IntegrityError:
        return Submission.objects.get(**lookup)


# --- filling ---------------------------------------------------------------------------------------------


def submission_prefill(submission: Submission) -> dict[str, Any]:
    """What the product already knows, for a kindergarten report that has no data yet: the registry's
    enrolment and classes, and the previous month's staff total. A city report: what other apps provide
    (reports.registry.register_prefill; the pairing summary's year figures)."""
    if submission.report_type.submitter_level == SubmitterLevel.CITY:
        keys = content_rules.field_map(submission.version.content)
        return {k: v for k, v in prefill_contributions(submission).items() if k in keys}
    if submission.kindergarten_id is None:
        return {}
    from kindergartens.models import KindergartenClass

    totals = KindergartenClass.objects.filter(kindergarten_id=submission.kindergarten_id, is_active=True).aggregate(
        enrolled=Sum("children"), classes=Count("pk")
    )
    known = {"enrolled": totals["enrolled"] or 0, "classes": totals["classes"] or 0}
    data = {}
    for f in content_rules.fields(submission.version.content):
        if f.get("prefill") in known:
            data[f["key"]] = known[f["prefill"]]
    previous = previous_submission(submission)
    if previous is not None and "staff_total" in previous.data:
        data["staff_total"] = previous.data["staff_total"]
    # What other apps record for the month (reports.registry: safety's incidents or zero report).
    keys = content_rules.field_map(submission.version.content)
    data.update({k: v for k, v in prefill_contributions(submission).items() if k in keys})
    return data


def previous_submission(submission: Submission) -> Submission | None:
    """The same submitter's submitted report of the month before (what jumps and changes compare with)."""
    qs = Submission.objects.filter(
        report_type_id=submission.report_type_id,
        month=previous_month(submission.month),
        first_submitted_at__isnull=False,
    )
    if submission.kindergarten_id:
        qs = qs.filter(kindergarten_id=submission.kindergarten_id)
    else:
        qs = qs.filter(kindergarten__isnull=True, district_id=submission.district_id)
    return qs.first()


def _require(actor: User | None, submission: Submission, action: str, message: str) -> None:
    allowed = (
        actor is not None
        and submission_can(actor, submission, action)
        and submissions_visible_to(actor).filter(pk=submission.pk).exists()
    )
    if not allowed:
        raise PermissionDenied(message)


def _locked_query(pk: int):
    return (
        Submission.objects.select_for_update(of=("self",))
        .select_related("report_type", "report_type__source", "version", "district", "kindergarten")
        .filter(pk=pk)
    )


# Built and compiled once per connection (core.db.compiled).
_LOCKED = CompiledQuery(_locked_query, pk=int)


def _locked(submission: Submission) -> Submission:
    """The submission, locked, with its type (and the type it consolidates), version, district and
    kindergarten."""
    return _LOCKED.get(pk=submission.pk)


def _keep_computed(submission: Submission, cleaned: dict) -> dict:
    """A district report's computed figures stay as built; the district edits only its own fields. A city
    report's computed figures are what the product knows now (submission_prefill), taken again at every
    save and at the submission, then kept with it."""
    defined = content_rules.field_map(submission.version.content)
    kept = {k: v for k, v in submission.data.items() if k not in defined or defined[k].get("computed")}
    if submission.report_type.submitter_level == SubmitterLevel.CITY:
        known = submission_prefill(submission)
        kept.update({k: v for k, v in known.items() if defined.get(k, {}).get("computed")})
    return {**kept, **cleaned}


@transaction.atomic
def submission_save(*, actor: User | None, submission: Submission, data: dict, explanations: dict | None = None):
    """Save a draft (incomplete is fine; junk is not). Only while open or returned."""
    _require(actor, submission, "edit", "您不能填写该报表。")
    submission = _locked(submission)
    if submission.state not in (Submission.State.OPEN, Submission.State.RETURNED):
        raise ValidationError("该报表已报送，不能再修改。")
    cleaned, errors = content_rules.clean_data(submission.version.content, data, check_required=False)
    if errors:
        raise ValidationError(errors)
    submission.data = _keep_computed(submission, cleaned)
    if explanations is not None:
        submission.explanations = {k: str(v).strip()[:1000] for k, v in explanations.items() if str(v).strip()}
    submission.prepared_by = actor
    submission.full_clean()
    submission.save(update_fields=["data", "explanations", "prepared_by"])
    return submission


def submission_findings(submission: Submission, data: dict | None = None) -> list[content_rules.Finding]:
    previous = previous_submission(submission)
    data = submission.data if data is None else data
    findings = content_rules.check_rules(submission.version.content, data, previous.data if previous else None)
    if submission.kindergarten_id is not None:  # what other apps record must not be contradicted (reports.registry)
        findings += [
            content_rules.Finding(key=f"registered:{i}", level="hard", message=message)
            for i, message in enumerate(submission_check_messages(submission, data))
        ]
    return findings


@transaction.atomic
def submission_submit(
    *, actor: User | None, submission: Submission, data: dict | None = None, explanations: dict | None = None
) -> Submission:
    """Submit (or resubmit a returned one). Hard rules block; soft rules and month-on-month jumps need an
    explanation. The first submission's time is the server's and never changes; "on time" is judged on it.

    After the grace period a submission needs the bureau to reopen it first.
    """
    _require(actor, submission, "submit", "您不能报送该报表。")
    submission = _locked(submission)
    if submission.state not in (Submission.State.OPEN, Submission.State.RETURNED):
        raise ValidationError("该报表已报送，不能重复报送。")
    day = today()
    if submission.first_submitted_at is None and day > submission.last_day_to_submit():
        if submission.report_type.submitter_level == SubmitterLevel.CITY:
            raise ValidationError(
                f"已超过补报期限（{submission.last_day_to_submit():%Y年%m月%d日}），请先填写原因准予补报，再报送。"
            )
        raise ValidationError(
            f"已超过补报期限（{submission.last_day_to_submit():%Y年%m月%d日}），请联系{submission.report_type.receiver_label}准予补报。"
        )
    if data is None:
        data = dict(submission.data)
    cleaned, errors = content_rules.clean_data(submission.version.content, data, check_required=True)
    if errors:
        raise ValidationError(errors)
    cleaned = _keep_computed(submission, cleaned)
    explanations = submission.explanations if explanations is None else explanations
    explanations = {k: str(v).strip()[:1000] for k, v in explanations.items() if str(v).strip()}
    findings = submission_findings(submission, cleaned)
    problems: dict[str, list[str]] = {}
    for finding in findings:
        if finding.level == "hard":
            problems.setdefault("__all__", []).append(finding.message)
        elif not explanations.get(finding.key):
            problems[f"explain:{finding.key}"] = [finding.message]
    if problems:
        raise ValidationError(problems)
    needed = {f.key for f in findings}
    now = timezone.now()
    from_state = submission.state
    submission.data = cleaned
    submission.explanations = {k: v for k, v in explanations.items() if k in needed}
    if submission.first_submitted_at is None:
        submission.first_submitted_at = now
        submission.on_time = _local_date(now) <= submission.due_date
    submission.submitted_at = now
    submission.submitted_by = actor
    if submission.prepared_by_id is None:
        submission.prepared_by = actor
    submission.state = (
        Submission.State.RESUBMITTED if from_state == Submission.State.RETURNED else Submission.State.SUBMITTED
    )
    submission.full_clean()
    submission.save(
        update_fields=[
            "data",
            "explanations",
            "first_submitted_at",
            "on_time",
            "submitted_at",
            "submitted_by",
            "prepared_by",
            "state",
        ]
    )
    action = (
        SubmissionEvent.Action.RESUBMITTED
        if from_state == Submission.State.RETURNED
        else SubmissionEvent.Action.SUBMITTED
    )
    note = "" if from_state == Submission.State.RETURNED else ("按时报送" if submission.on_time else "逾期报送")
    _event(submission, action, from_state, actor, note)
    return submission


@transaction.atomic
def submission_return(*, actor: User | None, submission: Submission, reason: str) -> Submission:
    _require(actor, submission, "review", "您不能审核该报表。")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": REASON_REQUIRED})
    submission = _locked(submission)
    if submission.state not in (Submission.State.SUBMITTED, Submission.State.RESUBMITTED):
        raise ValidationError("只有已报送的报表可以退回。")
    from_state = submission.state
    submission.state = Submission.State.RETURNED
    submission.return_reason = reason[:500]
    submission.decided_at = timezone.now()
    submission.decided_by = actor
    submission.full_clean()
    submission.save(update_fields=["state", "return_reason", "decided_at", "decided_by"])
    _event(submission, SubmissionEvent.Action.RETURNED, from_state, actor, reason[:500])
    for user in submitter_users(submission):
        notify(
            recipient=user,
            title=f"{submission.submitter_name}{month_label(submission.month)}{submission.report_type.name}已退回",
            body=f"退回理由：{reason}\n请修改后重新报送。",
            link=f"/reports/submissions/{submission.pk}/",
        )
    return submission


@transaction.atomic
def submission_approve(*, actor: User | None, submission: Submission) -> Submission:
    """Approve: the submission is locked for good."""
    _require(actor, submission, "review", "您不能审核该报表。")
    submission = _locked(submission)
    if submission.state not in (Submission.State.SUBMITTED, Submission.State.RESUBMITTED):
        raise ValidationError("只有已报送的报表可以审核通过。")
    from_state = submission.state
    submission.state = Submission.State.APPROVED
    submission.decided_at = timezone.now()
    submission.decided_by = actor
    submission.return_reason = ""
    submission.full_clean()
    submission.save(update_fields=["state", "decided_at", "decided_by", "return_reason"])
    _event(submission, SubmissionEvent.Action.APPROVED, from_state, actor)
    return submission


REOPEN_DAYS = 7


@transaction.atomic
def submission_reopen(*, actor: User | None, submission: Submission, reason: str, days: int = REOPEN_DAYS):
    """After the grace period: let the submitter in again until ``days`` from today, with a reason."""
    _require(actor, submission, "reopen", "您不能准予补报。")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": REASON_REQUIRED})
    submission = _locked(submission)
    if submission.state not in (Submission.State.OPEN, Submission.State.RETURNED):
        raise ValidationError("该报表已报送，无需补报。")
    if today() <= submission.last_day_to_submit():
        raise ValidationError(f"尚在报送期限内（至 {submission.last_day_to_submit():%Y年%m月%d日}），无需准予补报。")
    submission.reopened_until = today() + datetime.timedelta(days=days)
    submission.reopen_reason = reason[:500]
    submission.full_clean()
    submission.save(update_fields=["reopened_until", "reopen_reason"])
    _event(submission, SubmissionEvent.Action.REOPENED, submission.state, actor, reason[:500])
    for user in submitter_users(submission):
        if actor is not None and user.pk == actor.pk:  # the city reopening its own report
            continue
        notify(
            recipient=user,
            title=f"{month_label(submission.month)}{submission.report_type.name}已准予补报",
            body=f"请于 {submission.reopened_until:%Y年%m月%d日} 前报送。原因：{reason}",
            link=f"/reports/submissions/{submission.pk}/",
        )
    return submission


# --- people ----------------------------------------------------------------------------------------------


def submitter_users(submission: Submission) -> list[User]:
    """Who files it: the kindergarten's director(s), the district bureau's admins and staff, or the city
    bureau's viewers (a city report)."""
    if submission.kindergarten_id:
        qs = User.objects.filter(kindergarten_id=submission.kindergarten_id, role=Role.KG_DIRECTOR)
    elif submission.report_type.submitter_level == SubmitterLevel.CITY:
        qs = User.objects.filter(bureau_id=submission.district_id, role=Role.CITY_VIEWER)
    else:
        qs = User.objects.filter(bureau_id=submission.district_id, role__in=[Role.BUREAU_ADMIN, Role.BUREAU_STAFF])
    return list(qs.filter(is_active=True).order_by("pk"))


@transaction.atomic
def submissions_remind(*, actor: User | None, submissions: list[Submission]) -> int:
    """One click from the completeness page: a reminder to each missing submitter, at most once a day per
    submission (the key makes a second click the same day send nothing). Returns how many were sent."""
    sent = 0
    day = today()
    for submission in submissions:
        _require(actor, submission, "remind", "您不能催报该报表。")
        if submission.is_submitted and submission.state != Submission.State.RETURNED:
            continue
        for user in submitter_users(submission):
            done = notify(
                recipient=user,
                title=f"请尽快报送{month_label(submission.month)}{submission.report_type.name}",
                body=f"截止日期：{submission.due_date:%Y年%m月%d日}。{submission.district.area_name}教育局提醒您尽快报送。",
                link=f"/reports/submissions/{submission.pk}/",
                digest_key=f"reports-remind:{submission.pk}:{day.isoformat()}",
            )
            sent += 1 if done else 0
    return sent


# --- district reports ------------------------------------------------------------------------------------


def _owing(month: tuple, district: int):
    return (
        kindergartens_owing_report(Kindergarten.objects.filter(district_id=district), month[0]).order_by().values("pk")
    )


_OWING = CompiledQuery(_owing, district=int)


def _owing_sql(district_id: int, month: datetime.date) -> tuple[str, list]:
    """The SQL of kindergartens_owing_report for one district and month. Django takes ~15 ms to build it
    (longer than PostgreSQL takes to run it), so it is compiled once per month and Beijing day (the rule
    reads today's date) and reused with the district's id (core.db.compiled)."""
    return _OWING.sql(context=(month, today()), district=district_id)


def _aggregate(source: dict, rows: list[dict]) -> int | float:
    """One computed figure over the locked (submitted, resubmitted, approved) reports' data."""
    field, agg = source["field"], source["agg"]
    values = [r.get(field) for r in rows]
    if agg in ("sum", "sum_decimal"):
        return sum(v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool))
    if agg == "count_eq":
        return sum(1 for v in values if v == source["value"])
    if agg == "count_lt":
        return sum(1 for v in values if isinstance(v, (int, float)) and v < source["value"])
    raise ValueError(f"unknown aggregate {agg}")


LOCKED_STATES = ("submitted", "resubmitted", "approved")


def district_figures(
    *, district: Bureau, report_type: ReportType, month: datetime.date, content: dict | None = None
) -> dict[str, Any]:
    """The district report's computed figures for one district and month, in one query whatever the
    number of kindergartens: every kindergarten that owed the month (the registry's rule,
    kindergartens_owing_report) with its report's state and data; the counts and sums are added up here
    (plain Python over a few thousand rows: no database-specific JSON functions). ``content``: the
    version to compute (a district report keeps the version it was opened with); the type's current one
    by default."""
    import json

    from django.db import connection

    month = month_start(month)
    source_type = report_type.source
    if source_type is None:  # a district type that consolidates no kindergarten report
        return {}
    if content is None:
        content = report_type_version(report_type).content
    owing_sql, owing_params = _owing_sql(district.pk, month)
    kg_table, sub_table = Kindergarten._meta.db_table, Submission._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT k.name, s.first_submitted_at IS NOT NULL, s.on_time, s.state, s.data
                  FROM {kg_table} k
                  LEFT JOIN {sub_table} s ON s.kindergarten_id = k.id AND s.report_type_id = %s AND s.month = %s
                 WHERE k.id IN ({owing_sql})""",  # noqa: S608 - table names from the models; values are parameters
            [source_type.pk, month, *owing_params],
        )
        owing_rows = cursor.fetchall()
    # Django reads JSON columns as text through a raw cursor, on every database.
    locked = [
        (json.loads(data) if isinstance(data, str) else data) or {}
        for _name, _submitted, _on_time, state, data in owing_rows
        if state in LOCKED_STATES
    ]
    expected = len(owing_rows)
    figures: dict[str, Any] = {
        "expected": expected,
        "submitted": sum(1 for row in owing_rows if row[1]),
        "on_time": sum(1 for row in owing_rows if row[2]),
        "approved": sum(1 for row in owing_rows if row[3] == Submission.State.APPROVED),
    }
    for f in content_rules.fields(content):
        if f.get("source"):
            figures[f["key"]] = _aggregate(f["source"], locked)
    figures["reporting_rate"] = round(figures["submitted"] * 100 / expected, 1) if expected else None
    figures["on_time_rate"] = round(figures["on_time"] * 100 / expected, 1) if expected else None
    figures["missing"] = sorted((row[0] for row in owing_rows if not row[1]), key=pinyin_key)
    return figures


def _commit_without_waiting_for_disk() -> None:
    """A build's commit (the report's figures, its event and their audit rows) need not wait for the
    disk: on PostgreSQL, waiting for the WAL flush was the largest fixed cost of a build (about 4 ms of
    ~25 ms at 300 kindergartens; bench/reports.py). An unsubmitted district report is derived data that
    can be rebuilt at any time, and the database stays consistent: a crash within a fraction of a second
    of the commit can lose only that whole rebuild, never part of it (PostgreSQL "asynchronous commit").
    Submitting, returning and approving keep the default, durable commit; so does any caller's own
    transaction that the build runs inside (then it is not ours to relax)."""
    from django.db import connection

    if connection.vendor == "postgresql" and len(connection.atomic_blocks) == 1:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")


@transaction.atomic
def district_report_build(*, actor: User | None, submission: Submission) -> Submission:
    """(Re)build a district report from its kindergartens' submissions and the contributed sections.
    Only while the district has not submitted it; the district's own remarks are kept."""
    if actor is not None:
        _require(actor, submission, "build", "您不能生成该汇总报表。")
    _commit_without_waiting_for_disk()
    submission = _locked(submission)
    if submission.report_type.submitter_level != SubmitterLevel.DISTRICT:
        raise ValueError("not a district report")
    if submission.state not in (Submission.State.OPEN, Submission.State.RETURNED):
        raise ValidationError("该汇总报表已报送，不能重新生成。")
    district = submission.district
    definition = type_definition(submission.report_type.code)
    if definition is not None and definition.figures is not None:
        figures = definition.figures(district, submission.month)
    else:
        figures = district_figures(
            district=district,
            report_type=submission.report_type,
            month=submission.month,
            content=submission.version.content,
        )
    contributions = (
        build_contributions(district, submission.month) if definition is None or definition.contributions else []
    )
    own = {
        f["key"]: submission.data.get(f["key"])
        for f in content_rules.fields(submission.version.content)
        if not f.get("computed") and f["key"] in submission.data
    }
    submission.data = {**figures, "contributions": contributions, **own}
    submission.built_at = timezone.now()
    with audit_batched():  # the report's and the event's audit entries in one INSERT
        submission.save(update_fields=["data", "built_at"])
        _event(submission, SubmissionEvent.Action.BUILT, submission.state, actor)
    return submission
