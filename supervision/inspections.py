"""Writes to inspections: plan, start, record each item, raise an order for a failed item, submit,
and (年检) publish the conclusion into the registry through kindergartens' own service.

Rules: an inspection keeps the template version it was planned with; only its inspectors and the
district's bureau editors conduct it; it cannot be submitted while an item is unanswered, a failed
item has no rectification order, or an item that requires evidence has none.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from kindergartens.access import kindergartens_visible_to
from kindergartens.models import Kindergarten
from kindergartens.services import today
from supervision.access import inspection_can, templates_visible_to
from supervision.checklists import score
from supervision.evidence import evidence_check, evidence_store
from supervision.models import (
    ChecklistTemplate,
    EvidenceFile,
    Inspection,
    InspectionKind,
    InspectionResult,
    InspectionState,
    ItemResult,
    SpecialSubtype,
)
from supervision.rectification import order_issue, register_source_kind

register_source_kind("inspection", "督导检查", url=lambda ref: reverse("supervision:inspection-detail", args=[ref]))


def _inspectors_valid(kindergarten: Kindergarten, supervisors) -> list[User]:
    supervisors = list(dict.fromkeys(supervisors))
    if not supervisors:
        raise ValidationError({"supervisors": "请至少选择一名检查人员。"})
    for user in supervisors:
        if (
            not user.is_active
            or user.bureau_id != kindergarten.district_id
            or user.role
            not in (
                Role.SUPERVISOR,
                Role.BUREAU_ADMIN,
                Role.BUREAU_STAFF,
            )
        ):
            raise ValidationError({"supervisors": f"{user.display_name} 不能担任本园的检查人员。"})
    return supervisors


@transaction.atomic
def inspection_plan(
    *,
    actor: User | None,
    kindergarten: Kindergarten,
    kind: str,
    template: ChecklistTemplate,
    planned_on: datetime.date,
    supervisors,
    subtype: str = "",
    draw=None,
    created_by: User | None = None,
) -> Inspection:
    """Plan a visit. ``actor`` None only for the random draw's system step (``supervision.draws``
    checks the rights itself and passes the draw and the bureau user who ran it)."""
    if actor is not None:
        if not inspection_can(actor, "plan") or not kindergartens_visible_to(actor).filter(pk=kindergarten.pk).exists():
            raise PermissionDenied("您不能为该幼儿园安排督导检查。")
        if not templates_visible_to(actor).filter(pk=template.pk).exists():
            raise ValidationError({"template": "请选择检查模板。"})
    template = ChecklistTemplate.objects.get(pk=template.pk)  # is_current as it stands now
    errors = {}
    if kind not in InspectionKind.values:
        errors["kind"] = "请选择检查类型。"
    if kind == InspectionKind.SPECIAL and subtype not in SpecialSubtype.values:
        errors["subtype"] = "专项督导请选择专项类别。"
    if kind != InspectionKind.SPECIAL:
        subtype = ""
    if not template.is_current or not template.is_active:
        errors["template"] = "请选择当前启用的模板版本。"
    if template.district_id not in (None, kindergarten.district_id):
        errors["template"] = "请选择本区县或系统内置的模板。"
    if planned_on is None:
        errors["planned_on"] = "请填写计划日期。"
    if errors:
        raise ValidationError(errors)
    inspectors = _inspectors_valid(kindergarten, supervisors)
    inspection = Inspection(
        kindergarten=kindergarten,
        kind=kind,
        subtype=subtype,
        template=template,
        planned_on=planned_on,
        created_by=actor or created_by,
        draw=draw,
    )
    inspection.full_clean()
    inspection.save()
    inspection.supervisors.set(inspectors)
    return inspection


def _require_conduct(actor: User, inspection: Inspection) -> Inspection:
    locked = Inspection.objects.select_for_update().select_related("kindergarten").get(pk=inspection.pk)
    if locked.state == InspectionState.SUBMITTED:
        raise ValidationError("该检查已提交，不能再修改。")
    if not inspection_can(actor, "conduct", locked) or not (
        kindergartens_visible_to(actor).filter(pk=locked.kindergarten_id).exists()
        or locked.supervisors.filter(pk=actor.pk).exists()
    ):
        raise PermissionDenied("只有本次检查的检查人员可以填写。")
    return locked


@transaction.atomic
def inspection_start(*, actor: User, inspection: Inspection) -> Inspection:
    """Planned → in progress: one empty result per item of the template version."""
    locked = _require_conduct(actor, inspection)
    if locked.state == InspectionState.PLANNED:
        locked.state, locked.started_at = InspectionState.IN_PROGRESS, timezone.now()
        locked.save(update_fields=["state", "started_at"])
        InspectionResult.objects.bulk_create(
            [InspectionResult(inspection=locked, item=item) for item in locked.template.items.all()]
        )
    inspection.state, inspection.started_at = locked.state, locked.started_at
    return inspection


@transaction.atomic
def inspection_record_item(
    *, actor: User, result: InspectionResult, outcome: str, note: str = "", files=()
) -> InspectionResult:
    """One item's result, note and (added) evidence files; the inspection must be in progress."""
    locked = _require_conduct(actor, result.inspection)
    if locked.state != InspectionState.IN_PROGRESS:
        raise ValidationError("请先开始检查。")
    if outcome not in ItemResult.values:
        raise ValidationError({"outcome": "请选择检查结果。"})
    checked = evidence_check(files)
    result.result, result.note = outcome, (note or "").strip()
    result.full_clean(exclude=["inspection", "item", "order"])
    result.save(update_fields=["result", "note"])
    evidence_store(actor=actor, kindergarten=locked.kindergarten, files=checked, result=result)
    return result


@transaction.atomic
def inspection_issue_order(*, actor: User, result: InspectionResult, description: str, severity: str, deadline=None):
    """The rectification order for a failed item (one per item)."""
    locked = _require_conduct(actor, result.inspection)
    if result.result != ItemResult.FAIL:
        raise ValidationError("只有判定为“不符合”的检查项需要下达整改通知。")
    if result.order_id:
        raise ValidationError("该检查项已下达整改通知。")
    order = order_issue(
        actor=actor,
        kindergarten=locked.kindergarten,
        source_kind="inspection",
        source_ref=str(locked.pk),
        source_label=f"{locked.planned_on:%Y-%m-%d} {locked.kind_label} · {result.item.code} {result.item.text}",
        description=description,
        severity=severity,
        deadline=deadline,
    )
    result.order = order
    result.save(update_fields=["order"])
    return order


def inspection_score(inspection: Inspection):
    rows = inspection.results.select_related("item").values_list("item__weight", "item__veto", "result")
    return score((w, v, r or None) for w, v, r in rows)


def submit_problems(inspection: Inspection) -> list[str]:
    """Why the inspection cannot be submitted yet (empty when it can)."""
    problems = []
    results = list(inspection.results.select_related("item"))
    with_files = set(EvidenceFile.objects.filter(result__inspection=inspection).values_list("result_id", flat=True))
    for r in results:
        label = f"{r.item.code} {r.item.text}"
        if not r.result:
            problems.append(f"{label}：尚未填写检查结果。")
        elif r.result == ItemResult.FAIL and not r.order_id:
            problems.append(f"{label}：判定为不符合，请下达整改通知。")
        elif r.item.evidence_required and r.result != ItemResult.NA and r.pk not in with_files:
            problems.append(f"{label}：须附佐证材料。")
    return problems


@transaction.atomic
def inspection_submit(*, actor: User, inspection: Inspection, summary: str = "", conclusion: str = "") -> Inspection:
    """In progress → submitted, with the score computed once. A 年检 needs its conclusion; a bureau
    editor's submission publishes it to the registry at once, a supervisor's waits for the bureau."""
    locked = _require_conduct(actor, inspection)
    if locked.state != InspectionState.IN_PROGRESS:
        raise ValidationError("请先开始检查。")
    problems = submit_problems(locked)
    if locked.kind == InspectionKind.ANNUAL and conclusion not in ("pass", "basic", "fail"):
        problems.append("年检请选择结论（合格、基本合格或不合格）。")
    if problems:
        raise ValidationError(problems)
    result = inspection_score(locked)
    locked.state, locked.submitted_at, locked.submitted_by = InspectionState.SUBMITTED, timezone.now(), actor
    locked.summary = (summary or "").strip()
    locked.conclusion = conclusion if locked.kind == InspectionKind.ANNUAL else ""
    locked.score, locked.vetoed = result.percent, result.vetoed
    locked.full_clean()
    locked.save(update_fields=["state", "submitted_at", "submitted_by", "summary", "conclusion", "score", "vetoed"])
    if locked.kind == InspectionKind.ANNUAL and inspection_can(actor, "publish"):
        _publish(actor, locked)
    for field in ("state", "submitted_at", "submitted_by", "summary", "conclusion", "score", "vetoed", "annual_result"):
        setattr(inspection, field, getattr(locked, field))
    return inspection


def _publish(actor: User, inspection: Inspection) -> None:
    from kindergartens.services.findings import annual_inspection_record

    year = (inspection.submitted_at and timezone.localtime(inspection.submitted_at).year) or today().year
    record = annual_inspection_record(
        actor=actor, kindergarten=inspection.kindergarten, year=year, result=inspection.conclusion, published=True
    )
    inspection.annual_result = record
    inspection.save(update_fields=["annual_result"])


@transaction.atomic
def inspection_publish_conclusion(*, actor: User, inspection: Inspection) -> Inspection:
    """The bureau publishes a submitted 年检's conclusion as the registry's annual result for the year."""
    if not inspection_can(actor, "publish"):
        raise PermissionDenied("只有区县教育局可以发布年检结论。")
    locked = Inspection.objects.select_for_update().select_related("kindergarten").get(pk=inspection.pk)
    if locked.kind != InspectionKind.ANNUAL or locked.state != InspectionState.SUBMITTED:
        raise ValidationError("只有已提交的年检可以发布结论。")
    if locked.annual_result_id:
        raise ValidationError("该年检结论已发布。")
    _publish(actor, locked)
    inspection.annual_result = locked.annual_result
    return inspection
