"""Checklist templates: the one scoring formula, the shipped defaults, copying and versioned edits.

Versioning rule: a template version that something already uses (an inspection, a self-check:
any other record pointing at it) is never changed. Editing it writes the next version of the
family, which becomes the current one; editing a version nothing uses changes it in place.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction

from accounts.models import User
from supervision.access import template_manage_district_id
from supervision.checklist_defaults import ensure_default_templates
from supervision.models import ChecklistItem, ChecklistSection, ChecklistTemplate, ItemResult

# Shown wherever a score appears (inspection, self-check, gap pages, API description).
SCORING_RULE = (
    "得分 = 判定为“符合”的检查项权重之和 ÷ 适用检查项（“不适用”的不计）权重之和 × 100，保留一位小数。"
    "任何一项“一票否决”项判定为“不符合”时，结论为“一票否决”，无论得分多少。"
)


@dataclass(frozen=True)
class Score:
    percent: Decimal | None  # None: no applicable item was judged
    vetoed: bool
    passed_weight: int
    applicable_weight: int
    unanswered: int

    @property
    def text(self) -> str:
        if self.vetoed:
            return "一票否决" + (f"（得分 {self.percent} 分）" if self.percent is not None else "")
        return "—" if self.percent is None else f"{self.percent} 分"


def score(outcomes: Iterable[tuple[int, bool, str | None]]) -> Score:
    """The one scoring formula (``SCORING_RULE``) over (weight, is_veto, result) triples.

    ``result`` is an ``ItemResult`` value or None for an item not judged yet (counted apart, not
    in the score).
    """
    passed = applicable = unanswered = 0
    vetoed = False
    for weight, veto, result in outcomes:
        if result is None or result == "":
            unanswered += 1
        elif result == ItemResult.PASS:
            passed += weight
            applicable += weight
        elif result == ItemResult.FAIL:
            applicable += weight
            vetoed = vetoed or veto
        elif result != ItemResult.NA:
            raise ValueError(result)
    percent = None
    if applicable:
        percent = (Decimal(passed) * 100 / Decimal(applicable)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return Score(percent, vetoed, passed, applicable, unanswered)


# --- defaults ------------------------------------------------------------------------------------


def checklists_ensure_defaults() -> list[ChecklistTemplate]:
    """The shipped templates (2017 办园行为, 2022 保教质量, 安全专项); idempotent."""
    with transaction.atomic():
        return ensure_default_templates(ChecklistTemplate, ChecklistSection, ChecklistItem)


# --- copies and versions ---------------------------------------------------------------------------


def template_in_use(template: ChecklistTemplate) -> bool:
    """Something other than the template's own sections, items and copies points at this version."""
    for relation in ChecklistTemplate._meta.related_objects:
        if relation.related_model in (ChecklistSection, ChecklistItem, ChecklistTemplate):
            continue
        if not relation.one_to_many:
            continue
        if relation.related_model._base_manager.filter(**{relation.field.name: template}).exists():
            return True
    return False


def _clone(
    template: ChecklistTemplate, **overrides
) -> tuple[ChecklistTemplate, dict[int, ChecklistSection], dict[int, ChecklistItem]]:
    new = ChecklistTemplate(
        family=template.family,
        version=template.version,
        name=template.name,
        purpose=template.purpose,
        description=template.description,
        district=template.district,
        copied_from=template.copied_from,
        is_current=True,
        is_active=template.is_active,
        created_by=template.created_by,
    )
    for key, value in overrides.items():
        setattr(new, key, value)
    new.full_clean()
    new.save()
    sections = {}
    for section in template.sections.all():
        sections[section.pk] = ChecklistSection.objects.create(
            template=new, position=section.position, name=section.name
        )
    items = {}
    for item in template.items.all():
        items[item.pk] = ChecklistItem.objects.create(
            template=new,
            section=sections[item.section_id],
            position=item.position,
            code=item.code,
            text=item.text,
            weight=item.weight,
            evidence_required=item.evidence_required,
            veto=item.veto,
        )
    return new, sections, items


@transaction.atomic
def template_copy(*, actor: User, template: ChecklistTemplate, name: str = "") -> ChecklistTemplate:
    """A new family in the actor's district, version 1, with the same sections and items."""
    district_id = template_manage_district_id(actor)
    if district_id is None:
        raise PermissionDenied("您没有复制检查模板的权限。")
    name = (name or "").strip() or f"{template.name}（{actor.bureau.name}）"
    copy, _sections, _items = _clone(
        template,
        family=f"d{district_id}-{uuid.uuid4().hex[:12]}",
        version=1,
        name=name[:100],
        district_id=district_id,
        copied_from=template,
        created_by=actor,
        is_active=True,
    )
    return copy


def _check_editable(actor: User, template: ChecklistTemplate) -> None:
    if template.district_id is None or template.district_id != template_manage_district_id(actor):
        raise PermissionDenied("只有本区县的管理员可以修改本区县的检查模板；系统内置模板请先复制再修改。")
    if not template.is_current:
        raise ValidationError("这是历史版本，不能修改；请修改当前版本。")


def _editable_version(actor: User, template: ChecklistTemplate) -> tuple[ChecklistTemplate, dict, dict]:
    """The version an edit lands on: this one, or (when it is in use) the family's next version."""
    _check_editable(actor, template)
    locked = ChecklistTemplate.objects.select_for_update().get(pk=template.pk)
    if not locked.is_current:
        raise ValidationError("这是历史版本，不能修改；请修改当前版本。")
    if not template_in_use(locked):
        return (
            locked,
            {s.pk: s for s in locked.sections.all()},
            {i.pk: i for i in locked.items.all()},
        )
    locked.is_current = False
    locked.save(update_fields=["is_current"])
    return _clone(locked, version=locked.version + 1, created_by=actor)


def _clean_item_fields(text: str, weight, evidence_required: bool, veto: bool) -> dict:
    text = (text or "").strip()
    errors = {}
    if not text:
        errors["text"] = "请填写检查内容。"
    try:
        weight = int(weight)
    except (TypeError, ValueError):
        weight = 0
    if not 1 <= weight <= 100:
        errors["weight"] = "分值权重应为 1 至 100 的整数。"
    if errors:
        raise ValidationError(errors)
    return {"text": text[:300], "weight": weight, "evidence_required": bool(evidence_required), "veto": bool(veto)}


@transaction.atomic
def template_update(*, actor: User, template: ChecklistTemplate, name: str, description: str = "") -> ChecklistTemplate:
    """Rename or describe a template; returns the version that holds the change."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "请填写模板名称。"})
    version, _s, _i = _editable_version(actor, template)
    version.name, version.description = name[:100], (description or "").strip()
    version.full_clean()
    version.save(update_fields=["name", "description"])
    return version


@transaction.atomic
def template_item_update(
    *, actor: User, item: ChecklistItem, text: str, weight: int, evidence_required: bool, veto: bool
) -> ChecklistItem:
    """Change one item; returns the item as it stands in the version that holds the change."""
    fields = _clean_item_fields(text, weight, evidence_required, veto)
    _version, _sections, items = _editable_version(actor, item.template)
    target = items[item.pk]
    for key, value in fields.items():
        setattr(target, key, value)
    target.full_clean()
    target.save(update_fields=list(fields))
    return target


@transaction.atomic
def template_item_add(
    *,
    actor: User,
    section: ChecklistSection,
    text: str,
    weight: int,
    evidence_required: bool = False,
    veto: bool = False,
) -> ChecklistItem:
    """Add an item at the end of a section (its code continues the section's numbering)."""
    fields = _clean_item_fields(text, weight, evidence_required, veto)
    version, sections, _items = _editable_version(actor, section.template)
    target = sections[section.pk]
    last = target.items.aggregate(m=models.Max("position"))["m"] or 0
    code = f"{target.position}.{last + 1}"
    while version.items.filter(code=code).exists():  # a removed item's code is never reused
        last += 1
        code = f"{target.position}.{last + 1}"
    item = ChecklistItem(template=version, section=target, position=last + 1, code=code, **fields)
    item.full_clean()
    item.save()
    return item


@transaction.atomic
def template_item_remove(*, actor: User, item: ChecklistItem) -> ChecklistTemplate:
    """Remove an item; returns the version without it (the used version keeps it)."""
    version, _sections, items = _editable_version(actor, item.template)
    if version.items.count() <= 1:
        raise ValidationError("模板至少要保留一个检查项。")
    items[item.pk].delete()
    return version


@transaction.atomic
def template_section_add(*, actor: User, template: ChecklistTemplate, name: str) -> ChecklistSection:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "请填写分类名称。"})
    version, _s, _i = _editable_version(actor, template)
    last = version.sections.aggregate(m=models.Max("position"))["m"] or 0
    section = ChecklistSection(template=version, position=last + 1, name=name[:100])
    section.full_clean()
    section.save()
    return section


def template_items(template: ChecklistTemplate) -> list[ChecklistItem]:
    """Items in page order with their section (one query)."""
    return list(template.items.select_related("section").order_by("section__position", "position"))


def template_weight_total(template: ChecklistTemplate) -> int:
    return template.items.aggregate(total=models.Sum("weight"))["total"] or 0
