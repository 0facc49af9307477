"""Writes to the credit-grade vocabulary (信用等级), one per district bureau.

Grades are retired (``is_active`` off), never deleted: a kindergarten keeps the grade it was
given, and a retired grade is not given anew. A new district starts with the neutral
``DEFAULT_CREDIT_GRADES`` (A 级 … D 级, no descriptions); what a grade means, and whether a bureau
uses the legal designations of untrustworthiness, is for the bureau to decide by its own procedure.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from accounts.models import User
from kindergartens.access import can, credit_grade_district
from kindergartens.models import DEFAULT_CREDIT_GRADES, Bureau, CreditGrade


def _clean_input(*, district_id: int, name: str, rank, exclude_pk=None) -> str:
    name = (name or "").strip()
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = "请填写信用等级名称。"
    elif CreditGrade.objects.filter(district_id=district_id, name=name).exclude(pk=exclude_pk).exists():
        errors["name"] = "本区县已有同名的信用等级。"
    if not isinstance(rank, int) or isinstance(rank, bool) or not 0 <= rank <= 999:
        errors["rank"] = "排序应为 0 到 999 之间的整数。"
    if errors:
        raise ValidationError(errors)
    return name


def _managed_district(actor: User | None, district: Bureau | None) -> Bureau:
    """The district an actor writes to: their own (a bureau admin's); ``district`` only for system set-up."""
    if actor is not None:
        district = credit_grade_district(actor)
        if district is None:
            raise PermissionDenied("您不能维护信用等级。")
    if district is None or district.level != Bureau.Level.DISTRICT:
        raise ValidationError("信用等级由区县教育局设置，请选择区县。")
    return district


@transaction.atomic
def credit_grade_create(
    *, actor: User | None, name: str, rank: int, description: str = "", district: Bureau | None = None
) -> CreditGrade:
    """Add a grade to the actor's district. ``district`` is only for system set-up (``actor`` None)."""
    district = _managed_district(actor, district)
    name = _clean_input(district_id=district.pk, name=name, rank=rank)
    grade = CreditGrade(district=district, name=name, rank=rank, description=(description or "").strip())
    grade.full_clean()
    grade.save()
    return grade


@transaction.atomic
def credit_grade_update(
    *, actor: User | None, grade: CreditGrade, name: str, rank: int, description: str, is_active: bool
) -> CreditGrade:
    """Rename, re-rank, describe, retire or reinstate a grade; kindergartens that hold it keep it."""
    if actor is not None and (not can(actor, "manage_credit_grades") or actor.bureau_id != grade.district_id):
        raise PermissionDenied("您不能维护该信用等级。")
    grade.name = _clean_input(district_id=grade.district_id, name=name, rank=rank, exclude_pk=grade.pk)
    grade.rank, grade.description, grade.is_active = rank, (description or "").strip(), bool(is_active)
    grade.full_clean()
    grade.save(update_fields=["name", "rank", "description", "is_active"])
    return grade


@transaction.atomic
def credit_grades_ensure_defaults(*, district: Bureau, actor: User | None = None) -> list[CreditGrade]:
    """Give a district that has no credit grades the neutral defaults; returns the grades created.

    A district that has any grade (in use or retired) keeps its own vocabulary untouched, so this
    is safe to call again: when a district bureau is created, by the demo, from the vocabulary page.
    The data migration that introduced grades does the same for the districts of that day
    (kindergartens 0006_credit_grades, with its own copy of the defaults).
    """
    if actor is not None and credit_grade_district(actor) != district:
        raise PermissionDenied("您不能维护该区县的信用等级。")
    if district.level != Bureau.Level.DISTRICT:
        return []
    # Lock the district row: two requests at once must not both find "no grades" and both add them.
    list(Bureau.objects.select_for_update().filter(pk=district.pk).values_list("pk", flat=True))
    if CreditGrade.objects.filter(district=district).exists():
        return []
    grades = [CreditGrade(district=district, name=name, rank=rank) for name, rank in DEFAULT_CREDIT_GRADES]
    for grade in grades:
        grade.full_clean(validate_unique=False, validate_constraints=False)
        grade.save()
    return grades
