"""Writes of safety records: reporting an incident and adding to its timeline, the bureau's
forwarding, the monthly zero report, hazards into the rectification workflow.

Times are the server's: an entry's ``at`` and an incident's ``reported_at`` are set here, never
taken from the client, so "reported on time" can be proven. The deadlines are minutes from the
time the incident happened (``settings.SAFETY_INCIDENT_DEADLINE_MINUTES``).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from core.notifications import notify
from kindergartens.models import Kindergarten
from kindergartens.services import today
from safety.access import safety_can
from safety.models import (
    BUREAU_ENTRY_KINDS,
    KINDERGARTEN_ENTRY_KINDS,
    PUBLIC_HEALTH_KINDS,
    EntryKind,
    Grade,
    Hazard,
    HazardCategory,
    HazardSource,
    Incident,
    IncidentEntry,
    IncidentKind,
    ZeroReport,
)

# An incident time a little ahead of the server's clock is a clock difference, not the future.
CLOCK_TOLERANCE = datetime.timedelta(minutes=5)
TEXT_MAX = 5000


def _minutes(name: str) -> datetime.timedelta:
    return datetime.timedelta(minutes=settings.SAFETY_INCIDENT_DEADLINE_MINUTES[name])


def incident_deadlines(*, occurred_at: datetime.datetime, kind: str) -> dict[str, datetime.datetime | None]:
    return {
        "initial_deadline": occurred_at + _minutes("initial"),
        "written_deadline": occurred_at + _minutes("written"),
        "health_deadline": occurred_at + _minutes("health") if kind in PUBLIC_HEALTH_KINDS else None,
    }


def month_bounds(month: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """The month's first moment and the next month's, in Beijing time."""
    start = datetime.datetime(month.year, month.month, 1)  # noqa: DTZ001 - made aware on the next line
    end = datetime.datetime(month.year + (month.month == 12), month.month % 12 + 1, 1)  # noqa: DTZ001
    return timezone.make_aware(start), timezone.make_aware(end)


def first_of_month(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


# --- who is told --------------------------------------------------------------------------------------


def _district_safety_users(district_id: int) -> list[User]:
    """The district bureau's staff (the safety section works in the portal as bureau staff) and admins."""
    return list(
        User.objects.filter(bureau_id=district_id, role__in=[Role.BUREAU_ADMIN, Role.BUREAU_STAFF], is_active=True)
    )


def _supervisor_of(kindergarten_id: int) -> list[User]:
    from supervision.models import SupervisorAssignment

    return [
        a.supervisor
        for a in SupervisorAssignment.objects.filter(
            kindergarten_id=kindergarten_id, ended_at__isnull=True, supervisor__is_active=True
        ).select_related("supervisor")
    ]


def _city_users(district: object) -> list[User]:
    parent_id = getattr(district, "parent_id", None)
    if not parent_id:
        return []
    return list(User.objects.filter(bureau_id=parent_id, role=Role.CITY_VIEWER, is_active=True))


def _tell(users, *, incident: Incident, title: str, body: str, key: str) -> int:
    link = reverse("safety:incident-detail", args=[incident.pk])
    sent = 0
    seen = set()
    for user in users:
        if user.pk in seen:
            continue
        seen.add(user.pk)
        if notify(recipient=user, title=title, body=body, link=link, digest_key=f"safety:{key}:{incident.pk}"):
            sent += 1
    return sent


def _local(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y年%m月%d日 %H:%M")


def _announce(incident: Incident) -> None:
    """At once: the district's bureau and the responsible supervisor; above 一般 also the city."""
    kg = incident.kindergarten
    title = f"{kg.name}报告安全事故（{incident.get_grade_display()}，{incident.get_kind_display()}）"
    body = (
        f"发生时间：{_local(incident.occurred_at)}；报告时间：{_local(incident.reported_at)}"
        f"{'（迟报）' if incident.late else ''}。涉及幼儿 {incident.children_affected} 人、"
        f"教职工 {incident.staff_affected} 人。请及时处置并按规定上报。"
    )
    _tell(
        [*_district_safety_users(incident.district_id), *_supervisor_of(kg.pk)],
        incident=incident,
        title=title,
        body=body,
        key="reported",
    )
    if incident.grade != Grade.GENERAL:
        _announce_city(incident)


def _announce_city(incident: Incident) -> None:
    kg = incident.kindergarten
    _tell(
        _city_users(incident.district),
        incident=incident,
        title=f"{incident.district.name}{kg.name}发生{incident.get_grade_display()}安全事故",
        body=f"事故类型：{incident.get_kind_display()}；发生时间：{_local(incident.occurred_at)}。",
        key="city",
    )


# --- incidents -----------------------------------------------------------------------------------------


def _clean_text(value: str | None, errors: dict, field: str, message: str) -> str:
    text = (value or "").strip()
    if not text:
        errors[field] = message
    elif len(text) > TEXT_MAX:
        errors[field] = f"内容不能超过 {TEXT_MAX} 字。"
    return text


def _clean_count(value, errors: dict, field: str, label: str, *, required: bool) -> int | None:
    if value in (None, ""):
        if required:
            errors[field] = f"请填写{label}（没有请填 0）。"
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        errors[field] = f"{label}请填写整数。"
        return None
    if number < 0 or number > 100000:
        errors[field] = f"{label}不能为负数，也不能超过 100000。"
        return None
    return number


@transaction.atomic
def incident_report(
    *,
    actor: User,
    kindergarten: Kindergarten,
    occurred_at: datetime.datetime | None,
    kind: str,
    grade: str,
    children_affected,
    staff_affected,
    text: str,
    written: bool = False,
) -> Incident:
    """The initial report (首报). The server's time is the receipt time; past the initial deadline it
    is marked 迟报. ``written``: this report is also the written report."""
    if not safety_can(actor, "report") or actor.kindergarten_id != kindergarten.pk:
        raise PermissionDenied("只有本园园长可以提交本园的安全事故报告；工作人员可以起草，由园长提交。")
    now = timezone.now()
    errors: dict[str, str] = {}
    if occurred_at is None:
        errors["occurred_at"] = "请填写事故发生时间。"
    elif occurred_at > now + CLOCK_TOLERANCE:
        errors["occurred_at"] = "事故发生时间不能晚于现在。"
    elif occurred_at < now - datetime.timedelta(days=366):
        errors["occurred_at"] = "事故发生时间不能早于一年前；更早的事故请联系区县教育局。"
    if kind not in IncidentKind.values:
        errors["kind"] = "请选择事故类型。"
    if grade not in Grade.values:
        errors["grade"] = "请选择事故等级。"
    children = _clean_count(children_affected, errors, "children_affected", "涉及幼儿数", required=True)
    staff = _clean_count(staff_affected, errors, "staff_affected", "涉及教职工数", required=True)
    text = _clean_text(text, errors, "text", "请填写事故经过和已采取的措施。")
    if errors:
        raise ValidationError(errors)
    deadlines = incident_deadlines(occurred_at=occurred_at, kind=kind)
    incident = Incident(
        kindergarten=kindergarten,
        district_id=kindergarten.district_id,
        occurred_at=occurred_at,
        reported_at=now,
        reported_by=actor,
        late=now > deadlines["initial_deadline"],
        kind=kind,
        grade=grade,
        children_affected=children,
        staff_affected=staff,
        written_at=now if written else None,
        **deadlines,
    )
    incident.full_clean()
    incident.save()
    IncidentEntry.objects.create(
        incident=incident,
        kind=EntryKind.INITIAL,
        at=now,
        author=actor,
        text=text,
        kind_stated=kind,
        grade_stated=grade,
        children_stated=children,
        staff_stated=staff,
    )
    if written:
        IncidentEntry.objects.create(
            incident=incident, kind=EntryKind.WRITTEN, at=now, author=actor, text="首报内容即书面报告。"
        )
    _announce(incident)
    return incident


def _lock(incident: Incident) -> Incident:
    return (
        Incident.objects.select_for_update(of=("self",)).select_related("kindergarten", "district").get(pk=incident.pk)
    )


@transaction.atomic
def incident_add_entry(
    *,
    actor: User,
    incident: Incident,
    kind: str,
    text: str,
    corrects: IncidentEntry | None = None,
    grade: str = "",
    kind_stated: str = "",
    children_affected=None,
    staff_affected=None,
) -> IncidentEntry:
    """The kindergarten adds to the timeline: written report, follow-up, final report or correction
    (pointing at an earlier entry). Follow-ups and
    corrections may restate the grade, kind and numbers; nothing earlier is changed."""
    if not safety_can(actor, "add_entry") or actor.kindergarten_id != incident.kindergarten_id:
        raise PermissionDenied("只有本园园长或工作人员可以续报、终报或更正。")
    locked = _lock(incident)
    errors: dict[str, str] = {}
    if kind not in KINDERGARTEN_ENTRY_KINDS:
        errors["kind"] = "请选择报告类别。"
    text = _clean_text(text, errors, "text", "请填写报告内容。")
    if kind == EntryKind.CORRECTION:
        if corrects is None:
            errors["corrects"] = "请选择要更正的记录。"
        elif corrects.incident_id != locked.pk or corrects.kind in BUREAU_ENTRY_KINDS:
            errors["corrects"] = "只能更正本事故中本园提交的记录。"
    elif corrects is not None:
        errors["corrects"] = "只有更正需要选择被更正的记录。"
    if kind in (EntryKind.FOLLOWUP, EntryKind.WRITTEN, EntryKind.FINAL) and locked.final_at:
        errors["kind"] = "该事故已终报；如需补充或修正，请提交更正。"
    if kind == EntryKind.WRITTEN and locked.written_at:
        errors["kind"] = "书面报告已提交；如需补充请续报或更正。"
    restates = kind in (EntryKind.FOLLOWUP, EntryKind.FINAL, EntryKind.CORRECTION)
    if grade and (not restates or grade not in Grade.values):
        errors["grade"] = "事故等级无效。"
    if kind_stated and (not restates or kind_stated not in IncidentKind.values):
        errors["kind_stated"] = "事故类型无效。"
    children = _clean_count(children_affected, errors, "children_affected", "涉及幼儿数", required=False)
    staff = _clean_count(staff_affected, errors, "staff_affected", "涉及教职工数", required=False)
    if not restates and (children is not None or staff is not None):
        errors["children_affected"] = "只有续报、终报或更正可以更新涉及人数。"
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    entry = IncidentEntry(
        incident=locked,
        kind=kind,
        at=now,
        author=actor,
        text=text,
        corrects=corrects,
        grade_stated=grade,
        kind_stated=kind_stated,
        children_stated=children,
        staff_stated=staff,
    )
    entry.full_clean()
    entry.save()
    changed: list[str] = []
    was_general = locked.grade == Grade.GENERAL
    for field, value in (
        ("grade", grade),
        ("kind", kind_stated),
        ("children_affected", children),
        ("staff_affected", staff),
    ):
        if value not in (None, "") and getattr(locked, field) != value:
            setattr(locked, field, value)
            changed.append(field)
    moment_field = {EntryKind.WRITTEN: "written_at", EntryKind.FINAL: "final_at"}
    if kind in moment_field:
        setattr(locked, moment_field[kind], now)
        changed.append(moment_field[kind])
    if changed:
        locked.save(update_fields=changed)
    if was_general and locked.grade != Grade.GENERAL:
        _announce_city(locked)
    if kind in (EntryKind.FOLLOWUP, EntryKind.FINAL, EntryKind.CORRECTION):
        _tell(
            _district_safety_users(locked.district_id),
            incident=locked,
            title=f"{locked.kindergarten.name}的安全事故{locked.number}有新的{entry.get_kind_display()}",
            body=text[:200],
            key=f"entry{entry.pk}",
        )
    for name in ("grade", "kind", "children_affected", "staff_affected", *moment_field.values()):
        setattr(incident, name, getattr(locked, name))
    return entry


@transaction.atomic
def incident_forward(*, actor: User, incident: Incident, to: str, note: str = "") -> IncidentEntry:
    """The bureau records that it forwarded the incident to the city (``city``), the district
    government (``government``) or, for a public-health event, the health department (``health``,
    late past ``health_deadline``); once each, at the server's time."""
    if not safety_can(actor, "forward") or actor.bureau_id != incident.district_id:
        raise PermissionDenied("只有本区县教育局可以记录事故上报情况。")
    locked = _lock(incident)
    kinds = {
        "city": (EntryKind.FORWARD_CITY, "forwarded_city_at"),
        "government": (EntryKind.FORWARD_GOVERNMENT, "forwarded_government_at"),
        "health": (EntryKind.HEALTH, "health_reported_at"),
    }
    if to not in kinds:
        raise ValidationError({"to": "请选择上报对象。"})
    if to == "health" and locked.health_deadline is None:
        raise ValidationError({"to": "只有疾病、食物中毒、传染病等公共卫生事件需要报卫生健康部门。"})
    kind, field = kinds[to]
    if getattr(locked, field):
        raise ValidationError({"to": "已记录过该上报，无需重复记录。"})
    note = (note or "").strip()[:TEXT_MAX]
    now = timezone.now()
    entry = IncidentEntry.objects.create(
        incident=locked, kind=kind, at=now, author=actor, text=note or EntryKind(kind).label
    )
    setattr(locked, field, now)
    locked.save(update_fields=[field])
    setattr(incident, field, now)
    return entry


# --- drafts ----------------------------------------------------------------------------------------------

DRAFT_FIELDS = ("occurred_at", "kind", "grade", "children_affected", "staff_affected", "text", "written")


def _draft_values(values: dict) -> dict:
    """A draft may be incomplete; what it holds must still make sense."""
    errors: dict[str, str] = {}
    unknown = set(values) - set(DRAFT_FIELDS)
    if unknown:
        raise TypeError(f"unknown draft fields: {sorted(unknown)}")
    occurred_at = values.get("occurred_at")
    if occurred_at is not None and occurred_at > timezone.now() + CLOCK_TOLERANCE:
        errors["occurred_at"] = "事故发生时间不能晚于现在。"
    kind = values.get("kind") or ""
    if kind and kind not in IncidentKind.values:
        errors["kind"] = "事故类型无效。"
    grade = values.get("grade") or ""
    if grade and grade not in Grade.values:
        errors["grade"] = "事故等级无效。"
    children = _clean_count(values.get("children_affected"), errors, "children_affected", "涉及幼儿数", required=False)
    staff = _clean_count(values.get("staff_affected"), errors, "staff_affected", "涉及教职工数", required=False)
    text = (values.get("text") or "").strip()
    if len(text) > TEXT_MAX:
        errors["text"] = f"内容不能超过 {TEXT_MAX} 字。"
    if errors:
        raise ValidationError(errors)
    return {
        "occurred_at": occurred_at,
        "kind": kind,
        "grade": grade,
        "children_affected": children,
        "staff_affected": staff,
        "text": text,
        "written": bool(values.get("written")),
    }


@transaction.atomic
def draft_save(*, actor: User, kindergarten: Kindergarten, draft=None, **values):
    """Save (or resave) an incident report draft: nobody is told, no deadline runs."""
    from safety.models import IncidentDraft

    if not safety_can(actor, "draft") or actor.kindergarten_id != kindergarten.pk:
        raise PermissionDenied("只有本园园长或工作人员可以起草事故报告。")
    if draft is not None and (draft.kindergarten_id != kindergarten.pk or draft.incident_id is not None):
        raise ValidationError("该草稿已提交，不能再修改。")
    cleaned = _draft_values(values)
    if draft is None:
        draft = IncidentDraft(kindergarten=kindergarten, drafted_by=actor)
    for name, value in cleaned.items():
        setattr(draft, name, value)
    draft.saved_at = timezone.now()
    draft.full_clean()
    draft.save()
    return draft


@transaction.atomic
def draft_submit(*, actor: User, draft) -> Incident:
    """The director submits a draft: it becomes the incident's initial report, received now."""
    from safety.models import IncidentDraft

    locked = IncidentDraft.objects.select_for_update().select_related("kindergarten").get(pk=draft.pk)
    if locked.incident_id is not None:
        raise ValidationError("该草稿已提交。")
    incident = incident_report(
        actor=actor,
        kindergarten=locked.kindergarten,
        occurred_at=locked.occurred_at,
        kind=locked.kind,
        grade=locked.grade,
        children_affected=locked.children_affected,
        staff_affected=locked.staff_affected,
        text=locked.text,
        written=locked.written,
    )
    locked.incident = incident
    locked.save(update_fields=["incident"])
    draft.incident = incident
    return incident


@transaction.atomic
def draft_discard(*, actor: User, draft) -> None:
    if not safety_can(actor, "draft") or actor.kindergarten_id != draft.kindergarten_id or draft.incident_id:
        raise PermissionDenied("不能删除该草稿。")
    draft.delete()


# --- zero reports ---------------------------------------------------------------------------------


@transaction.atomic
def zero_report_confirm(*, actor: User, kindergarten: Kindergarten, month: datetime.date) -> ZeroReport:
    """The director confirms "no incident" for a month that has begun and in which the kindergarten
    reported none; once per month."""
    if not safety_can(actor, "zero_report") or actor.kindergarten_id != kindergarten.pk:
        raise PermissionDenied("只有本园园长可以确认零报告。")
    month = first_of_month(month)
    if month > first_of_month(today()):
        raise ValidationError({"month": "不能为尚未开始的月份确认零报告。"})
    start, end = month_bounds(month)
    if Incident.objects.filter(kindergarten=kindergarten, occurred_at__gte=start, occurred_at__lt=end).exists():
        raise ValidationError({"month": "本园该月已报告安全事故，不能确认零报告。"})
    if ZeroReport.objects.filter(kindergarten=kindergarten, month=month).exists():
        raise ValidationError({"month": "该月已确认零报告。"})
    report = ZeroReport(kindergarten=kindergarten, month=month, confirmed_by=actor, confirmed_at=timezone.now())
    report.full_clean()
    report.save()
    return report


def month_incident_fact(*, kindergarten_id: int, month: datetime.date) -> dict | None:
    """The one fact the monthly report draws on: the month's incidents, or its zero report.
    None when the kindergarten has said nothing for the month yet."""
    start, end = month_bounds(first_of_month(month))
    count = Incident.objects.filter(
        kindergarten_id=kindergarten_id, occurred_at__gte=start, occurred_at__lt=end
    ).count()
    if count:
        return {"no_incident": "had_incident", "incident_count": count}
    if ZeroReport.objects.filter(kindergarten_id=kindergarten_id, month=first_of_month(month)).exists():
        return {"no_incident": "confirmed", "incident_count": 0}
    return None


# --- hazards ---------------------------------------------------------------------------------------


def _hazard_label(hazard: Hazard) -> str:
    return f"安全隐患（{hazard.get_category_display()}，{hazard.get_source_display()}）"


@transaction.atomic
def hazard_record(
    *,
    actor: User,
    kindergarten: Kindergarten,
    category: str,
    source: str,
    found_on: datetime.date | None,
    description: str,
    severity: str = "",
    deadline: datetime.date | None = None,
) -> Hazard:
    """Record a hazard. Recorded by the supervisor or the bureau, it becomes a rectification order at
    once (``severity`` required); recorded by the kindergarten (its own checks), it waits for the
    supervisor or bureau to issue the order, and they are told."""
    from kindergartens.access import kindergartens_visible_to

    if (
        not safety_can(actor, "hazard_record")
        or not kindergartens_visible_to(actor).filter(pk=kindergarten.pk).exists()
    ):
        raise PermissionDenied("您不能为该幼儿园登记安全隐患。")
    if actor.role in (Role.KG_DIRECTOR, Role.KG_STAFF) and actor.kindergarten_id != kindergarten.pk:
        raise PermissionDenied("您不能为该幼儿园登记安全隐患。")
    errors: dict[str, str] = {}
    if category not in HazardCategory.values:
        errors["category"] = "请选择隐患类别。"
    if source not in HazardSource.values:
        errors["source"] = "请选择发现途径。"
    if found_on is None:
        errors["found_on"] = "请填写发现日期。"
    elif found_on > today():
        errors["found_on"] = "发现日期不能晚于今天。"
    description = _clean_text(description, errors, "description", "请描述隐患情况。")
    issues_now = safety_can(actor, "hazard_issue")
    if issues_now:
        from supervision.models import Severity

        if severity not in Severity.values:
            errors["severity"] = "请选择严重程度（决定整改期限）。"
    if errors:
        raise ValidationError(errors)
    hazard = Hazard(
        kindergarten=kindergarten,
        category=category,
        source=source,
        found_on=found_on,
        description=description,
        recorded_by=actor,
        recorded_at=timezone.now(),
    )
    hazard.full_clean()
    hazard.save()
    if issues_now:
        hazard_issue_order(actor=actor, hazard=hazard, severity=severity, deadline=deadline)
    else:
        link = reverse("safety:hazard-detail", args=[hazard.pk])
        for user in [*_supervisor_of(kindergarten.pk), *_district_safety_users(kindergarten.district_id)]:
            notify(
                recipient=user,
                title=f"{kindergarten.name}登记了安全隐患（{hazard.get_category_display()}），待下达整改通知",
                body=description[:200],
                link=link,
                digest_key=f"safety:hazard:{hazard.pk}",
            )
    return hazard


@transaction.atomic
def hazard_issue_order(*, actor: User, hazard: Hazard, severity: str, deadline: datetime.date | None = None):
    """The hazard becomes one order in supervision's rectification workflow (source 安全隐患)."""
    from supervision.rectification import order_issue

    locked = Hazard.objects.select_for_update().select_related("kindergarten").get(pk=hazard.pk)
    if locked.order_id is not None:
        raise ValidationError("该隐患已下达整改通知。")
    order = order_issue(
        actor=actor,
        kindergarten=locked.kindergarten,
        source_kind="hazard",
        source_ref=str(locked.pk),
        source_label=_hazard_label(locked),
        description=locked.description,
        severity=severity,
        deadline=deadline,
    )
    locked.order = order
    locked.save(update_fields=["order"])
    hazard.order = order
    return order


# --- facilities and duties ------------------------------------------------------------------------------


def _require_facility(actor: User, kindergarten: Kindergarten) -> None:
    from kindergartens.access import kindergartens_visible_to
    from safety.access import facility_can_record

    if not kindergartens_visible_to(actor).filter(pk=kindergarten.pk).exists() or not facility_can_record(
        actor, kindergarten
    ):
        raise PermissionDenied("您不能登记该幼儿园的安全设施、检查或演练。")


FACILITY_FIELDS = (
    "video_public_areas",
    "video_retention_days",
    "video_networked",
    "video_person",
    "alarm_linked",
    "full_time_guards",
    "closed_campus",
    "guard_post",
    "clinic",
    "medical_pairing",
    "safety_officer",
    "safety_officer_trained",
    "safety_officer_certified",
    "note",
)


@transaction.atomic
def facility_record_change(*, actor: User, kindergarten: Kindergarten, effective_on: datetime.date | None, **values):
    """A dated change of the kindergarten's facilities and duties: a new record; earlier ones stay."""
    from safety.models import FacilityRecord

    _require_facility(actor, kindergarten)
    errors: dict[str, str] = {}
    if effective_on is None:
        errors["effective_on"] = "请填写生效日期。"
    elif effective_on > today() + datetime.timedelta(days=366):
        errors["effective_on"] = "生效日期不能晚于一年后。"
    elif FacilityRecord.objects.filter(kindergarten=kindergarten, effective_on=effective_on).exists():
        errors["effective_on"] = "该日期已有一条记录；同一天的变化请合并登记，或选择其他生效日期。"
    unknown = set(values) - set(FACILITY_FIELDS)
    if unknown:
        raise TypeError(f"unknown facility fields: {sorted(unknown)}")
    days = values.get("video_retention_days")
    if days is not None and (not isinstance(days, int) or days < 0 or days > 3650):
        errors["video_retention_days"] = "录像保存天数应为 0 至 3650 的整数。"
    guards = values.get("full_time_guards")
    if guards is not None and (not isinstance(guards, int) or guards < 0 or guards > 1000):
        errors["full_time_guards"] = "专职保安员人数应为 0 至 1000 的整数。"
    if errors:
        raise ValidationError(errors)
    record = FacilityRecord(kindergarten=kindergarten, effective_on=effective_on, recorded_by=actor, **values)
    record.full_clean()
    record.save()
    return record


@transaction.atomic
def bus_add(*, actor: User, kindergarten: Kindergarten, plate: str, seats, inspected_on=None, valid_until=None):
    from safety.models import SchoolBus

    _require_facility(actor, kindergarten)
    errors: dict[str, str] = {}
    plate = (plate or "").strip().upper()
    if not plate:
        errors["plate"] = "请填写车牌号。"
    elif SchoolBus.objects.filter(kindergarten=kindergarten, plate=plate).exists():
        errors["plate"] = "该车牌号已登记。"
    seats = _clean_count(seats, errors, "seats", "核载人数", required=True)
    if valid_until and not inspected_on:
        errors["inspected_on"] = "填写检验有效期时请同时填写检验日期。"
    if inspected_on and valid_until and valid_until < inspected_on:
        errors["valid_until"] = "检验有效期不能早于检验日期。"
    if errors:
        raise ValidationError(errors)
    bus = SchoolBus(
        kindergarten=kindergarten, plate=plate, seats=seats, inspected_on=inspected_on, valid_until=valid_until
    )
    bus.full_clean()
    bus.save()
    return bus


@transaction.atomic
def bus_inspect(*, actor: User, bus, inspected_on: datetime.date | None, valid_until: datetime.date | None):
    _require_facility(actor, bus.kindergarten)
    errors: dict[str, str] = {}
    if inspected_on is None:
        errors["inspected_on"] = "请填写检验日期。"
    elif inspected_on > today():
        errors["inspected_on"] = "检验日期不能晚于今天。"
    if valid_until is None:
        errors["valid_until"] = "请填写检验有效期。"
    elif inspected_on and valid_until < inspected_on:
        errors["valid_until"] = "检验有效期不能早于检验日期。"
    if errors:
        raise ValidationError(errors)
    bus.inspected_on, bus.valid_until = inspected_on, valid_until
    bus.full_clean()
    bus.save(update_fields=["inspected_on", "valid_until"])
    return bus


@transaction.atomic
def bus_retire(*, actor: User, bus, retired_on: datetime.date | None):
    """Take a bus out of service from a date (kept with its history; the bus-inspection rate stops
    counting it from that day). Once only; not in the future."""
    from safety.models import SchoolBus

    _require_facility(actor, bus.kindergarten)
    bus = SchoolBus.objects.select_for_update().get(pk=bus.pk)
    errors: dict[str, str] = {}
    if bus.retired_on is not None:
        errors["retired_on"] = f"该校车已于 {bus.retired_on:%Y年%m月%d日} 停用。"
    elif retired_on is None:
        errors["retired_on"] = "请填写停用日期。"
    elif retired_on > today():
        errors["retired_on"] = "停用日期不能晚于今天。"
    if errors:
        raise ValidationError(errors)
    bus.retired_on = retired_on
    bus.full_clean()
    bus.save(update_fields=["retired_on"])
    return bus


@transaction.atomic
def video_check_record(
    *,
    actor: User,
    kindergarten: Kindergarten,
    month: datetime.date | None,
    cameras_total,
    cameras_working,
    retention_days,
    retention_verified: bool,
    faults: str = "",
):
    """The month's video-surveillance check; once a month (a later finding is a new month's check)."""
    from safety.models import VideoCheck

    _require_facility(actor, kindergarten)
    errors: dict[str, str] = {}
    if month is None:
        errors["month"] = "请选择月份。"
    else:
        month = first_of_month(month)
        if month > first_of_month(today()):
            errors["month"] = "不能登记尚未开始的月份。"
        elif VideoCheck.objects.filter(kindergarten=kindergarten, month=month).exists():
            errors["month"] = "该月已登记视频监控检查。"
    total = _clean_count(cameras_total, errors, "cameras_total", "摄像头总数", required=True)
    working = _clean_count(cameras_working, errors, "cameras_working", "正常工作数", required=True)
    days = _clean_count(retention_days, errors, "retention_days", "录像保存天数", required=True)
    if total is not None and working is not None and working > total:
        errors["cameras_working"] = "正常工作数不能多于摄像头总数。"
    faults = (faults or "").strip()[:TEXT_MAX]
    if total is not None and working is not None and working < total and not faults:
        errors["faults"] = "有摄像头不能正常工作，请填写故障与处理情况。"
    if errors:
        raise ValidationError(errors)
    check = VideoCheck(
        kindergarten=kindergarten,
        month=month,
        cameras_total=total,
        cameras_working=working,
        retention_days=days,
        retention_verified=bool(retention_verified),
        faults=faults,
        checked_by=actor,
    )
    check.full_clean()
    check.save()
    return check


@transaction.atomic
def letter_record(*, actor: User, kindergarten: Kindergarten, level: str, year, parties: str, signed_on, files=()):
    """A signed responsibility letter with its signed file (a photo or PDF, checked like evidence)."""
    from safety.models import LetterLevel, ResponsibilityLetter
    from supervision.evidence import evidence_check, evidence_store

    _require_facility(actor, kindergarten)
    errors: dict = {}
    if level not in LetterLevel.values:
        errors["level"] = "请选择签订层级。"
    try:
        year = int(year)
        if not 2000 <= year <= today().year + 1:
            raise ValueError
    except (TypeError, ValueError):
        errors["year"] = "年度无效。"
    parties = (parties or "").strip()[:200]
    if not parties:
        errors["parties"] = "请填写签订双方。"
    if signed_on is None:
        errors["signed_on"] = "请填写签订日期。"
    elif signed_on > today():
        errors["signed_on"] = "签订日期不能晚于今天。"
    checked = []
    try:
        checked = evidence_check(files)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if not errors.get("files") and len(checked) != 1:
        errors["files"] = "请上传一份签字文件（照片或 PDF）。"
    if errors:
        raise ValidationError(errors)
    stored = evidence_store(actor=actor, kindergarten=kindergarten, files=checked)
    letter = ResponsibilityLetter(
        kindergarten=kindergarten,
        level=level,
        year=year,
        parties=parties,
        signed_on=signed_on,
        file=stored[0],
        recorded_by=actor,
    )
    letter.full_clean()
    letter.save()
    return letter


@transaction.atomic
def drill_record(
    *, actor: User, kindergarten: Kindergarten, held_on, kind: str, participants, notes: str = "", files=()
):
    from safety.models import Drill, DrillKind
    from supervision.evidence import evidence_check, evidence_store

    _require_facility(actor, kindergarten)
    errors: dict = {}
    if held_on is None:
        errors["held_on"] = "请填写演练日期。"
    elif held_on > today():
        errors["held_on"] = "演练日期不能晚于今天。"
    if kind not in DrillKind.values:
        errors["kind"] = "请选择演练类型。"
    count = _clean_count(participants, errors, "participants", "参加人数", required=True)
    checked = []
    try:
        checked = evidence_check(files)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    drill = Drill(
        kindergarten=kindergarten,
        held_on=held_on,
        kind=kind,
        participants=count,
        notes=(notes or "").strip()[:TEXT_MAX],
        recorded_by=actor,
    )
    drill.full_clean()
    drill.save()
    if checked:
        drill.photos.set(evidence_store(actor=actor, kindergarten=kindergarten, files=checked))
    return drill
