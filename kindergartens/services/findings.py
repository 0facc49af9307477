"""Writes to what the bureau finds: violations and penalties (违规查处) and annual inspection results (年检)."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from accounts.models import User
from kindergartens.access import kindergarten_can, kindergartens_visible_to
from kindergartens.models import AnnualInspection, AnnualInspectionResult, Kindergarten, Violation
from kindergartens.services.records import today

FIRST_INSPECTION_YEAR = 2000
# recorded_by may be empty only for system writes (the model allows NULL but not a blank form value).
_SYSTEM_EXCLUDE = ["recorded_by"]


def _check_rights(actor: User | None, kindergarten: Kindergarten) -> None:
    # actor None is system set-up (seed data, imports already decided); pages always pass the user.
    if actor is not None and not (
        kindergarten_can(actor, kindergarten, "record_findings")
        # kindergarten_can trusts the caller to have fetched in scope; a service cannot assume it.
        and kindergartens_visible_to(actor).filter(pk=kindergarten.pk).exists()
    ):
        raise PermissionDenied("您不能登记该幼儿园的违规查处或年检结果。")


@transaction.atomic
def violation_record(
    *,
    actor: User | None,
    kindergarten: Kindergarten,
    occurred_on: datetime.date,
    description: str,
    penalty: str,
    published: bool,
) -> Violation:
    """Record a violation and its penalty; ``published`` ones appear on the public pages."""
    _check_rights(actor, kindergarten)
    description, penalty = (description or "").strip(), (penalty or "").strip()
    errors: dict[str, str] = {}
    if occurred_on is None:
        errors["occurred_on"] = "请填写查处日期。"
    elif occurred_on > today():
        errors["occurred_on"] = "查处日期不能晚于今天。"
    if not description:
        errors["description"] = "请填写违规情形。"
    if not penalty:
        errors["penalty"] = "请填写处理结果。"
    if errors:
        raise ValidationError(errors)
    violation = Violation(
        kindergarten=kindergarten,
        occurred_on=occurred_on,
        description=description,
        penalty=penalty,
        published=bool(published),
        recorded_by=actor,
    )
    violation.full_clean(exclude=_SYSTEM_EXCLUDE if actor is None else None)
    violation.save()
    return violation


@transaction.atomic
def violation_set_published(*, actor: User | None, violation: Violation, published: bool) -> Violation:
    """Publish a violation on the public pages, or withdraw it (the record itself stays)."""
    _check_rights(actor, violation.kindergarten)
    if violation.published != bool(published):
        violation.published = bool(published)
        violation.save(update_fields=["published"])
    return violation


@transaction.atomic
def annual_inspection_record(
    *, actor: User | None, kindergarten: Kindergarten, year: int, result: str, published: bool = True
) -> AnnualInspection:
    """The result of one year's annual inspection; recording a year again corrects that year's row."""
    _check_rights(actor, kindergarten)
    errors: dict[str, str] = {}
    if not isinstance(year, int) or not FIRST_INSPECTION_YEAR <= year <= today().year:
        errors["year"] = f"年度应在 {FIRST_INSPECTION_YEAR} 年至今年之间。"
    if result not in AnnualInspectionResult.values:
        errors["result"] = "请选择年检结果。"
    if errors:
        raise ValidationError(errors)
    inspection = AnnualInspection.objects.select_for_update().filter(
        kindergarten=kindergarten, year=year
    ).first() or AnnualInspection(kindergarten=kindergarten, year=year)
    if inspection.pk is not None and (inspection.result, inspection.published) == (result, bool(published)):
        return inspection
    inspection.result, inspection.published, inspection.recorded_by = result, bool(published), actor
    inspection.full_clean(exclude=_SYSTEM_EXCLUDE if actor is None else None)
    if inspection.pk is None:
        inspection.save()
    else:
        inspection.save(update_fields=["result", "published", "recorded_by"])
    return inspection
