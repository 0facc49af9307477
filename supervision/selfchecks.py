"""Self-checks (自检自查): writes (start, record an item, submit, an order for a finding) and the gap
between a self-check and the kindergarten's latest inspection on the same template version.

Rules: the kindergarten's director fills the current version of a template visible to the
kindergarten (shipped or its district's); the self-check keeps that version. It is scored once, at
submission, with the one formula (``supervision.checklists.score``). A failed item of a submitted
self-check can become a rectification order (source kind ``selfcheck``), issued by the supervisor
or the bureau through ``supervision.rectification.order_issue``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from kindergartens.models import Kindergarten
from supervision.access import selfcheck_can, templates_visible_to
from supervision.checklists import score
from supervision.models import (
    ChecklistTemplate,
    Inspection,
    InspectionState,
    ItemResult,
    SelfCheck,
    SelfCheckResult,
    SelfCheckState,
)
from supervision.rectification import order_issue, register_source_kind

register_source_kind("selfcheck", "幼儿园自查", url=lambda ref: reverse("supervision:selfcheck-detail", args=[ref]))


@transaction.atomic
def selfcheck_start(*, actor: User, kindergarten: Kindergarten, template: ChecklistTemplate) -> SelfCheck:
    """A new draft on the template's current version, one empty result per item."""
    if not selfcheck_can(actor, "fill") or actor.kindergarten_id != kindergarten.pk:
        raise PermissionDenied("只有本园园长可以填写自查。")
    template = templates_visible_to(actor).filter(pk=template.pk).first()
    if template is None or not template.is_current or not template.is_active:
        raise ValidationError({"template": "请选择当前启用的模板版本。"})
    if template.district_id not in (None, kindergarten.district_id):
        raise ValidationError({"template": "请选择本区县或系统内置的模板。"})
    self_check = SelfCheck(kindergarten=kindergarten, template=template, created_by=actor, created_at=timezone.now())
    self_check.full_clean()
    self_check.save()
    SelfCheckResult.objects.bulk_create(
        [SelfCheckResult(self_check=self_check, item=item) for item in template.items.all()]
    )
    return self_check


def _lock_draft(actor: User, self_check: SelfCheck) -> SelfCheck:
    locked = SelfCheck.objects.select_for_update().select_related("kindergarten").get(pk=self_check.pk)
    if locked.state != SelfCheckState.DRAFT:
        raise ValidationError("该自查已提交，不能再修改。")
    if not selfcheck_can(actor, "fill", locked):
        raise PermissionDenied("只有本园园长可以填写自查。")
    return locked


@transaction.atomic
def selfcheck_record_item(*, actor: User, result: SelfCheckResult, outcome: str, note: str = "") -> SelfCheckResult:
    _lock_draft(actor, result.self_check)
    if outcome not in ItemResult.values:
        raise ValidationError({"outcome": "请选择自查结果。"})
    result.result, result.note = outcome, (note or "").strip()
    result.full_clean(exclude=["self_check", "item", "order"])
    result.save(update_fields=["result", "note"])
    return result


def selfcheck_problems(self_check: SelfCheck) -> list[str]:
    """Why the self-check cannot be submitted yet (empty when it can)."""
    rows = (
        self_check.results.filter(result="")
        .select_related("item")
        .order_by("item__section__position", "item__position")
    )
    return [f"{r.item.code} {r.item.text}：尚未填写自查结果。" for r in rows]


@transaction.atomic
def selfcheck_submit(*, actor: User, self_check: SelfCheck, summary: str = "") -> SelfCheck:
    """Draft → submitted, scored once; every item must be answered."""
    locked = _lock_draft(actor, self_check)
    problems = selfcheck_problems(locked)
    if problems:
        raise ValidationError(problems)
    rows = locked.results.values_list("item__weight", "item__veto", "result")
    result = score((w, v, r or None) for w, v, r in rows)
    locked.state, locked.submitted_at, locked.submitted_by = SelfCheckState.SUBMITTED, timezone.now(), actor
    locked.summary = (summary or "").strip()
    locked.score, locked.vetoed = result.percent, result.vetoed
    locked.full_clean()
    locked.save(update_fields=["state", "submitted_at", "submitted_by", "summary", "score", "vetoed"])
    for field in ("state", "submitted_at", "submitted_by", "summary", "score", "vetoed"):
        setattr(self_check, field, getattr(locked, field))
    return self_check


@transaction.atomic
def selfcheck_issue_order(*, actor: User, result: SelfCheckResult, description: str, severity: str, deadline=None):
    """The rectification order for an item the kindergarten itself found failing (one per item)."""
    locked = SelfCheckResult.objects.select_for_update().select_related("self_check", "item").get(pk=result.pk)
    self_check = locked.self_check
    if not selfcheck_can(actor, "issue", self_check):
        if self_check.state != SelfCheckState.SUBMITTED and selfcheck_can(actor, "issue"):
            raise ValidationError("自查提交后才能下达整改通知。")
        raise PermissionDenied("您不能为该自查下达整改通知。")
    if locked.result != ItemResult.FAIL:
        raise ValidationError("只有自查为“不符合”的项目可以下达整改通知。")
    if locked.order_id:
        raise ValidationError("该自查项已下达整改通知。")
    order = order_issue(
        actor=actor,
        kindergarten=self_check.kindergarten,
        source_kind="selfcheck",
        source_ref=str(self_check.pk),
        source_label=f"{timezone.localtime(self_check.submitted_at):%Y-%m-%d} 幼儿园自查 · "
        f"{locked.item.code} {locked.item.text}",
        description=description,
        severity=severity,
        deadline=deadline,
    )
    locked.order = order
    locked.save(update_fields=["order"])
    result.order = order
    return order


# --- the gap between a self-check and an inspection -------------------------------------------------

# Per item: (self-check result, inspection result) → how the self-check differs, and whether the
# difference is large (the kindergarten judged itself better than the inspectors did).
_ITEM_GAPS = {
    (ItemResult.PASS, ItemResult.FAIL): ("自评偏高", True),
    (ItemResult.NA, ItemResult.FAIL): ("自评偏高", True),
    (ItemResult.FAIL, ItemResult.PASS): ("自评偏低", False),
    (ItemResult.PASS, ItemResult.NA): ("适用判断不一致", False),
    (ItemResult.FAIL, ItemResult.NA): ("适用判断不一致", False),
    (ItemResult.NA, ItemResult.PASS): ("适用判断不一致", False),
}


@dataclass(frozen=True)
class ItemGap:
    code: str
    text: str
    veto: bool
    self_result: str
    self_label: str
    inspection_result: str
    inspection_label: str
    label: str  # "" when both agree
    large: bool


@dataclass(frozen=True)
class Gap:
    inspection: Inspection | None
    self_score: Decimal | None
    inspection_score: Decimal | None
    difference: Decimal | None  # self-check − inspection, points
    large: bool  # the score gap reaches SELF_CHECK_GAP_WARNING, or only one of them is vetoed
    items: list[ItemGap]

    @property
    def differing(self) -> list[ItemGap]:
        return [item for item in self.items if item.label]

    @property
    def large_items(self) -> int:
        return sum(1 for item in self.items if item.large)


def score_gap(self_score, self_vetoed, inspection_score, inspection_vetoed) -> tuple[Decimal | None, bool]:
    """(self − inspection, large?): large when the difference is at least ``SELF_CHECK_GAP_WARNING``
    points either way, or when the inspection was vetoed and the self-check was not."""
    difference = None
    if self_score is not None and inspection_score is not None:
        difference = Decimal(self_score) - Decimal(inspection_score)
    large = (difference is not None and abs(difference) >= settings.SELF_CHECK_GAP_WARNING) or (
        bool(inspection_vetoed) and not self_vetoed
    )
    return difference, large


def latest_inspections(pairs) -> dict[tuple[int, int], Inspection]:
    """(kindergarten id, template id) → the latest submitted inspection on that version, one query."""
    pairs = set(pairs)
    if not pairs:
        return {}
    kg_ids = {kg for kg, _t in pairs}
    template_ids = {t for _kg, t in pairs}
    found: dict[tuple[int, int], Inspection] = {}
    rows = (
        Inspection.objects.filter(
            kindergarten_id__in=kg_ids, template_id__in=template_ids, state=InspectionState.SUBMITTED
        )
        .only(
            "id", "kindergarten_id", "template_id", "kind", "subtype", "planned_on", "submitted_at", "score", "vetoed"
        )
        .order_by("kindergarten_id", "template_id", "-submitted_at", "-id")
    )
    for inspection in rows:
        key = (inspection.kindergarten_id, inspection.template_id)
        if key in pairs and key not in found:
            found[key] = inspection
    return found


def selfcheck_gap(self_check: SelfCheck) -> Gap:
    """The submitted self-check against the kindergarten's latest submitted inspection on the same
    template version, item by item (the same version has the same items)."""
    inspection = latest_inspections([(self_check.kindergarten_id, self_check.template_id)]).get(
        (self_check.kindergarten_id, self_check.template_id)
    )
    own = list(
        self_check.results.select_related("item", "item__section").order_by("item__section__position", "item__position")
    )
    theirs = {}
    if inspection is not None:
        theirs = dict(inspection.results.values_list("item_id", "result"))
    labels = dict(ItemResult.choices)
    items = []
    for row in own:
        other = theirs.get(row.item_id, "")
        label, large = ("", False)
        if inspection is not None and row.result != other:
            label, large = _ITEM_GAPS.get((row.result, other), ("", False))
        items.append(
            ItemGap(
                code=row.item.code,
                text=row.item.text,
                veto=row.item.veto,
                self_result=row.result,
                self_label=str(labels.get(row.result, "未填写")),
                inspection_result=other,
                inspection_label=str(labels.get(other, "—")) if inspection is not None else "—",
                label=label,
                large=large,
            )
        )
    difference, large = (None, False)
    if inspection is not None:
        difference, large = score_gap(self_check.score, self_check.vetoed, inspection.score, inspection.vetoed)
    return Gap(
        inspection=inspection,
        self_score=self_check.score,
        inspection_score=inspection.score if inspection else None,
        difference=difference,
        large=large,
        items=items,
    )
