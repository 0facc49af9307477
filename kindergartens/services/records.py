"""Writes to the kindergarten record. Pages, the API, imports and approved filings all come here."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from kindergartens.access import kindergarten_can, kindergartens_visible_to
from kindergartens.models import (
    Bureau,
    CollaborationGroup,
    Kindergarten,
    KindergartenStatusChange,
    Level,
    Nature,
    Status,
    Township,
)
from kindergartens.validators import normalise_credit_code

# Fields of the record that change through kindergarten_update (district never changes:
# a kindergarten that moves district is closed in one and registered in the other).
RECORD_FIELDS: tuple[str, ...] = (
    "name",
    "credit_code",
    "licence_number",
    "licence_valid_until",
    "address",
    "township",
    "collaboration_group",
    "sponsor",
    "sponsor_name",
    "nature",
    "inclusive_recognised_on",
    "status",
    "schedule",
    "level",
    "capacity",
    "fee_monthly",
    "fee_government_guided",
    "principal_name",
    "principal_since",
    "has_parent_committee",
    "legal_vice_principal",
    "medical_partner",
    "party_organisation",
    "credit_rating",
)
DATED_FIELDS = ("status", "nature")  # also kept as dated history


def today() -> datetime.date:
    """The calendar day in Asia/Shanghai: deadlines and effective dates are Beijing days."""
    return timezone.localdate()


def validate_places(
    *, district: Bureau, township: Township, group: CollaborationGroup | None, level: Level | None
) -> None:
    if district.level != Bureau.Level.DISTRICT:
        raise ValidationError({"district": "幼儿园必须属于区县教育局。"})
    if township.district_id != district.pk:
        raise ValidationError({"township": "街道/乡镇不属于该区县。"})
    if group is not None and group.district_id != district.pk:
        raise ValidationError({"collaboration_group": "协作组不属于该区县。"})
    if level is not None and district.province and level.province != district.province:
        raise ValidationError({"level": "该等级不属于本省的等级体系。"})


def _check_unique(kindergarten: Kindergarten) -> None:
    """The record's unique constraints, with messages a user can act on (full_clean's are generic)."""
    others = Kindergarten.objects.exclude(pk=kindergarten.pk)
    errors = {}
    if kindergarten.name and others.filter(district_id=kindergarten.district_id, name=kindergarten.name).exists():
        errors["name"] = "本区县已有同名的幼儿园。"
    if kindergarten.credit_code and others.filter(credit_code=kindergarten.credit_code).exists():
        errors["credit_code"] = "该统一社会信用代码已登记在另一所幼儿园名下。"
    if errors:
        raise ValidationError(errors)


def check_nature_dates(kindergarten: Kindergarten) -> None:
    if kindergarten.nature == Nature.INCLUSIVE_PRIVATE and kindergarten.inclusive_recognised_on is None:
        raise ValidationError({"inclusive_recognised_on": "普惠性民办幼儿园须填写普惠性认定日期。"})


def _record_dated(
    *, kindergarten: Kindergarten, attribute: str, value: str, effective_date: datetime.date, actor, note: str
) -> None:
    change = KindergartenStatusChange(
        kindergarten=kindergarten,
        attribute=attribute,
        value=value,
        effective_date=effective_date,
        recorded_by=actor,
        note=note,
    )
    change.full_clean()
    change.save()


@transaction.atomic
def kindergarten_create(
    *,
    actor: User | None,
    name: str,
    district: Bureau,
    township: Township,
    nature: str,
    status: str = Status.OPERATING,
    effective_date: datetime.date | None = None,
    note: str = "",
    **fields: Any,
) -> Kindergarten:
    """Register a kindergarten; its status and nature start their dated history on ``effective_date``."""
    unknown = set(fields) - set(RECORD_FIELDS)
    if unknown:
        raise ValueError(f"unknown kindergarten fields: {sorted(unknown)}")
    if "credit_code" in fields:
        fields["credit_code"] = normalise_credit_code(fields["credit_code"])
    kindergarten = Kindergarten(
        name=(name or "").strip(), district=district, township=township, nature=nature, status=status, **fields
    )
    validate_places(
        district=district, township=township, group=kindergarten.collaboration_group, level=kindergarten.level
    )
    check_nature_dates(kindergarten)
    _check_unique(kindergarten)
    kindergarten.full_clean()
    kindergarten.save()
    day = effective_date or today()
    for attribute in DATED_FIELDS:
        _record_dated(
            kindergarten=kindergarten,
            attribute=attribute,
            value=getattr(kindergarten, attribute),
            effective_date=day,
            actor=actor,
            note=note or "初始登记",
        )
    return kindergarten


@transaction.atomic
def kindergarten_update(
    *,
    actor: User | None,
    kindergarten: Kindergarten,
    changes: dict[str, Any],
    effective_date: datetime.date | None = None,
    note: str = "",
    check_rights: bool = True,
) -> list[str]:
    """Apply ``changes`` (field -> new value) to the record; returns the fields that changed.

    A status or nature change is also recorded with its effective date. A change dated in
    the future is recorded now and becomes the current value on that day
    (``kindergarten_apply_due_changes``); a back-dated one is history and changes the current
    value only if no later change is already in effect. ``check_rights=False`` is for callers that have
    already decided (an approved filing, a confirmed import).
    """
    if check_rights and (
        actor is None
        or not kindergarten_can(actor, kindergarten, "change")
        or not kindergartens_visible_to(actor).filter(pk=kindergarten.pk).exists()
    ):
        raise PermissionDenied("您不能修改该幼儿园。")
    unknown = set(changes) - set(RECORD_FIELDS)
    if unknown:
        raise ValueError(f"unknown kindergarten fields: {sorted(unknown)}")
    if "credit_code" in changes:
        changes = {**changes, "credit_code": normalise_credit_code(changes["credit_code"])}
    if "name" in changes:
        changes = {**changes, "name": (changes["name"] or "").strip()}
    day = effective_date or today()
    changed = [f for f in changes if getattr(kindergarten, f) != changes[f]]
    if not changed:
        return []
    dated = {f: changes[f] for f in changed if f in DATED_FIELDS}
    _check_dated_values(dated)
    for field in changed:
        if field not in DATED_FIELDS:
            setattr(kindergarten, field, changes[field])
    # The recognition date belongs to the nature being recorded, even one that takes effect later.
    if dated.get("nature") == Nature.INCLUSIVE_PRIVATE and kindergarten.inclusive_recognised_on is None:
        raise ValidationError({"inclusive_recognised_on": "普惠性民办幼儿园须填写普惠性认定日期。"})
    validate_places(
        district=kindergarten.district,
        township=kindergarten.township,
        group=kindergarten.collaboration_group,
        level=kindergarten.level,
    )
    for attribute, value in dated.items():
        _record_dated(
            kindergarten=kindergarten, attribute=attribute, value=value, effective_date=day, actor=actor, note=note
        )
    # The current status and nature are what the dated history says for today: a change dated
    # in the future waits for its day (kindergarten_apply_due_changes), and a back-dated one does
    # not override a later change already in effect.
    current = _dated_current(kindergarten, dated)
    for field, value in current.items():
        setattr(kindergarten, field, value)
    check_nature_dates(kindergarten)
    if {"name", "credit_code"} & set(changed):
        _check_unique(kindergarten)
    kindergarten.full_clean()
    kindergarten.save(update_fields=[*[f for f in changed if f not in DATED_FIELDS], *current, "updated_at"])
    return changed


def _check_dated_values(dated: dict[str, Any]) -> None:
    """A status or nature dated in the future is not on the record yet, so full_clean cannot check it."""
    for field, choices, message in (
        ("status", Status, "办园状态无效。"),
        ("nature", Nature, "办园性质无效。"),
    ):
        if field in dated and dated[field] not in choices.values:
            raise ValidationError({field: message})


def _dated_current(kindergarten: Kindergarten, dated: dict[str, Any]) -> dict[str, str]:
    """The dated fields whose current value must change now that ``dated`` is recorded."""
    if not dated:
        return {}
    from kindergartens.selectors import dated_values_on

    values = dated_values_on(kindergarten, today())
    return {f: values[f] for f in DATED_FIELDS if values.get(f) is not None and getattr(kindergarten, f) != values[f]}


@transaction.atomic
def kindergarten_apply_due_changes(*, kindergarten: Kindergarten, on: datetime.date | None = None) -> list[str]:
    """Make the current status/nature what the dated history says for ``on`` (default today)."""
    from kindergartens.selectors import dated_values_on

    values = dated_values_on(kindergarten, on or today())
    changed = [f for f, v in values.items() if v is not None and getattr(kindergarten, f) != v]
    for field in changed:
        setattr(kindergarten, field, values[field])
    if changed:
        kindergarten.save(update_fields=[*changed, "updated_at"])
    return changed
