"""Writes to the kindergarten record. Pages, the API, imports and approved filings all come here."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from kindergartens.access import kindergarten_can, kindergartens_visible_to
from kindergartens.models import (
    Bureau,
    CollaborationGroup,
    CreditGrade,
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

# Called inside kindergarten_update when the principal (园长, 任职日期) changes: the staff roster's
# principal employment is the same fact (staffing registers itself in its AppConfig.ready(), as
# kindergartens imports no app built on it). Signature: (*, actor, kindergarten) -> None.
PRINCIPAL_LISTENERS: list[Callable[..., None]] = []

# The life cycle 筹设 → 在办 → 整改/停办 → 注销 (DOMAIN §3). 整改 and 停办 may return to 在办; 注销 is
# final. A 筹设 that never opens may be cancelled (注销) without passing through 在办.
STATUS_TRANSITIONS: dict[str, frozenset[str]] = {
    Status.PREPARING: frozenset({Status.OPERATING, Status.CLOSED}),
    Status.OPERATING: frozenset({Status.RECTIFYING, Status.SUSPENDED}),
    Status.RECTIFYING: frozenset({Status.OPERATING, Status.SUSPENDED, Status.CLOSED}),
    Status.SUSPENDED: frozenset({Status.OPERATING, Status.CLOSED}),
    Status.CLOSED: frozenset(),
}


def _status_label(value: str) -> str:
    try:
        return str(Status(value).label)
    except ValueError:
        return str(value)


def status_transition_error(old: str | None, new: str) -> str | None:
    """Why the status may not go from ``old`` to ``new`` (None when it may, or when nothing changes)."""
    if old is None or old == new or new in STATUS_TRANSITIONS.get(old, frozenset()):
        return None
    old_label, new_label = _status_label(old), _status_label(new)
    if old == Status.CLOSED:
        reason = "注销是最终状态，已注销的幼儿园不能再变更办园状态；如需重新办园，请作为新园所登记"
    elif new == Status.PREPARING:
        reason = "已开办的幼儿园不能改回筹设"
    elif old == Status.PREPARING:
        reason = "筹设中的幼儿园尚未开办，须先改为“在办”"
    elif new == Status.CLOSED:
        reason = "在办的幼儿园须先停办（或整改），才能注销"
    else:
        reason = "不符合“筹设 → 在办 → 整改/停办 → 注销”的办园状态变更顺序"
    return f"办园状态不能从“{old_label}”改为“{new_label}”：{reason}。"


def recognition_mismatch_error(recognised_on: datetime.date | None, effective_date: datetime.date | None) -> str | None:
    """A change to 普惠性民办 takes effect on the recognition date; another effective date is refused."""
    if recognised_on is None or effective_date is None or effective_date == recognised_on:
        return None
    return (
        f"改为普惠性民办自普惠性认定之日起生效：生效日期（{effective_date:%Y-%m-%d}）应与"
        f"普惠性民办认定日期（{recognised_on:%Y-%m-%d}）一致。不填写生效日期时按认定日期生效。"
    )


def dated_change_dates(
    *,
    dated: dict[str, Any],
    recognised_on: datetime.date | None,
    effective_date: datetime.date | None,
    default: datetime.date,
) -> dict[str, datetime.date]:
    """The day each dated change takes effect: the given date (default today), except that a
    change to 普惠性民办 takes effect on its recognition date. Raises on a mismatch."""
    dates = dict.fromkeys(dated, effective_date or default)
    if dated.get("nature") == Nature.INCLUSIVE_PRIVATE and recognised_on is not None:
        error = recognition_mismatch_error(recognised_on, effective_date)
        if error:
            raise ValidationError({"effective_date": error})
        dates["nature"] = recognised_on
    return dates


def today() -> datetime.date:
    """The calendar day in Asia/Shanghai: deadlines and effective dates are Beijing days."""
    return timezone.localdate()


def validate_places(
    *,
    district: Bureau,
    township: Township,
    group: CollaborationGroup | None,
    level: Level | None,
    credit_grade: CreditGrade | None = None,
) -> None:
    if district.level != Bureau.Level.DISTRICT:
        raise ValidationError({"district": "幼儿园必须属于区县教育局。"})
    if township.district_id != district.pk:
        raise ValidationError({"township": "街道/乡镇不属于该区县。"})
    if group is not None and group.district_id != district.pk:
        raise ValidationError({"collaboration_group": "协作组不属于该区县。"})
    if level is not None and district.province and level.province != district.province:
        raise ValidationError({"level": "该等级不属于本省的等级体系。"})
    if credit_grade is not None and credit_grade.district_id != district.pk:
        raise ValidationError({"credit_rating": "请选择本区县的信用等级。"})


def check_credit_grade_given(grade: CreditGrade | None) -> None:
    """A retired grade stays on the kindergartens that hold it but is not given anew."""
    if grade is not None and not grade.is_active:
        raise ValidationError({"credit_rating": "该信用等级已停用，不能再选用。"})


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


def check_registered_after_recognition(kindergarten: Kindergarten, day: datetime.date) -> None:
    """A kindergarten registered as 普惠性民办 on ``day`` must have been recognised by then."""
    recognised = kindergarten.inclusive_recognised_on
    if kindergarten.nature == Nature.INCLUSIVE_PRIVATE and recognised is not None and recognised > day:
        raise ValidationError(
            {
                "inclusive_recognised_on": f"普惠性民办认定日期（{recognised:%Y-%m-%d}）晚于登记生效日期"
                f"（{day:%Y-%m-%d}）：认定之前不是普惠性民办。请按认定前的办园性质登记，到认定日期再变更为普惠性民办。"
            }
        )


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
        district=district,
        township=township,
        group=kindergarten.collaboration_group,
        level=kindergarten.level,
        credit_grade=kindergarten.credit_rating,
    )
    check_credit_grade_given(kindergarten.credit_rating)
    check_nature_dates(kindergarten)
    day = effective_date or today()
    check_registered_after_recognition(kindergarten, day)
    _check_unique(kindergarten)
    kindergarten.full_clean()
    kindergarten.save()
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
    changed = [f for f in changes if getattr(kindergarten, f) != changes[f]]
    if not changed:
        return []
    dated = {f: changes[f] for f in changed if f in DATED_FIELDS}
    _check_dated_values(dated)
    old_recognised = kindergarten.inclusive_recognised_on
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
        credit_grade=changes["credit_rating"] if "credit_rating" in changed else None,
    )
    if "credit_rating" in changed:
        check_credit_grade_given(changes["credit_rating"])
    dates = dated_change_dates(
        dated=dated,
        recognised_on=kindergarten.inclusive_recognised_on,
        effective_date=effective_date,
        default=today(),
    )
    history = _History(kindergarten)
    if "status" in dated:
        history.check_status(dated["status"], dates["status"])
    superseded = None
    if dated.get("nature") == Nature.INCLUSIVE_PRIVATE:
        superseded = history.check_recognition(dates["nature"])
    for attribute, value in dated.items():
        _record_dated(
            kindergarten=kindergarten,
            attribute=attribute,
            value=value,
            effective_date=dates[attribute],
            actor=actor,
            note=note,
        )
    if superseded is not None:
        # Recognised before the kindergarten was registered here: the registration's nature is
        # corrected on its own day too, or it would override the recognition from then on.
        _record_dated(
            kindergarten=kindergarten,
            attribute="nature",
            value=Nature.INCLUSIVE_PRIVATE,
            effective_date=superseded.effective_date,
            actor=actor,
            note=note or f"普惠性认定日期 {dates['nature']:%Y-%m-%d} 早于登记日期，登记时的办园性质随之更正",
        )
    recognised = kindergarten.inclusive_recognised_on
    if (
        "nature" not in dated
        and "inclusive_recognised_on" in changed
        and kindergarten.nature == Nature.INCLUSIVE_PRIVATE
        and recognised is not None
        and old_recognised is not None
    ):
        # Already 普惠性民办 and the recognition date is corrected: the nature history follows it.
        history.move_recognition(old_recognised, recognised, actor=actor, note=note or "更正普惠性认定日期")
        dated_now = {"nature": kindergarten.nature}
    else:
        dated_now = dated
    # The current status and nature are what the dated history says for today: a change dated
    # in the future waits for its day (kindergarten_apply_due_changes), and a back-dated one does
    # not override a later change already in effect.
    current = _dated_current(kindergarten, dated_now)
    for field, value in current.items():
        setattr(kindergarten, field, value)
    check_nature_dates(kindergarten)
    if {"name", "credit_code"} & set(changed):
        _check_unique(kindergarten)
    kindergarten.full_clean()
    kindergarten.save(update_fields=[*[f for f in changed if f not in DATED_FIELDS], *current, "updated_at"])
    if {"principal_name", "principal_since"} & set(changed):
        for listener in PRINCIPAL_LISTENERS:
            listener(actor=actor, kindergarten=kindergarten)
    return changed


class _History:
    """The dated status/nature rows of one kindergarten, for checking a change against them."""

    def __init__(self, kindergarten: Kindergarten):
        self.kindergarten = kindergarten
        self._rows: list[KindergartenStatusChange] | None = None

    def rows(self, attribute: str) -> list[KindergartenStatusChange]:
        if self._rows is None:
            # Oldest first; on one day the latest recorded wins (the as-of rule).
            self._rows = list(
                KindergartenStatusChange.objects.filter(kindergarten=self.kindergarten).order_by(
                    "effective_date", "recorded_at", "id"
                )
            )
        return [r for r in self._rows if r.attribute == attribute]

    def value_on(self, attribute: str, day: datetime.date) -> str | None:
        value = None
        for row in self.rows(attribute):
            if row.effective_date <= day:
                value = row.value
        return value

    def first_date(self) -> datetime.date | None:
        dates = [r.effective_date for r in self.rows("status")]
        return min(dates) if dates else None

    def next_change(self, attribute: str, day: datetime.date) -> KindergartenStatusChange | None:
        return next((r for r in self.rows(attribute) if r.effective_date > day), None)

    def check_status(self, new: str, day: datetime.date) -> None:
        """The new status must follow the life cycle from the status in effect on ``day`` and lead
        on to any status already recorded for a later day. Before the first record (history
        filled in for the years before the product) only the second condition applies."""
        # A second change on one day replaces the first (the later recorded wins), so the step is
        # from the status of the day before; on the day of registration, from the registration.
        previous = self.value_on("status", day - datetime.timedelta(days=1)) or self.value_on("status", day)
        error = status_transition_error(previous, new)
        if error is None:
            later = self.next_change("status", day)
            follow = status_transition_error(new, later.value) if later is not None else None
            if follow:
                error = f"该园 {later.effective_date:%Y-%m-%d} 起已登记为“{_status_label(later.value)}”。{follow}"
        if error:
            raise ValidationError({"status": error})

    def check_recognition(self, day: datetime.date) -> KindergartenStatusChange | None:
        """普惠性民办 from ``day`` must not be overridden by a nature recorded for a later day.

        The one exception is the first record of the nature (the registration in the product,
        later than a recognition that happened before): it is returned, and the caller records
        普惠性民办 again on its day so that the correction wins (the history stays append-only).
        """
        rows = self.rows("nature")
        later = [r for r in rows if r.effective_date > day]
        if not later:
            return None
        first = rows[0] if rows else None
        if (
            len({r.effective_date for r in later}) == 1
            and first in later
            and not any(r.effective_date <= day for r in rows)
        ):
            return first
        row = later[0]
        raise ValidationError(
            {
                "inclusive_recognised_on": f"普惠性民办认定日期（{day:%Y-%m-%d}）早于该园已登记的办园性质变动"
                f"（{row.effective_date:%Y-%m-%d} 起为“{Nature(row.value).label}”），请核对认定日期。"
            }
        )

    def move_recognition(self, old: datetime.date, new: datetime.date, *, actor, note: str) -> None:
        """Move the start of 普惠性民办 from ``old`` to ``new`` by appending rows (history is append-only)."""
        if new == old:
            return
        if new < old:
            between = [r for r in self.rows("nature") if new < r.effective_date < old]
            if between and self.check_recognition(new) is None:
                raise ValidationError(
                    {
                        "inclusive_recognised_on": "不能把普惠性民办认定日期提前到该日期：期间已登记了其他办园性质变动"
                        f"（{between[0].effective_date:%Y-%m-%d}），请核对。"
                    }
                )
            _record_dated(
                kindergarten=self.kindergarten,
                attribute="nature",
                value=Nature.INCLUSIVE_PRIVATE,
                effective_date=new,
                actor=actor,
                note=note,
            )
            return
        before = self.value_on("nature", old - datetime.timedelta(days=1))
        between = [r for r in self.rows("nature") if old < r.effective_date <= new]
        if before is None or between:
            raise ValidationError(
                {
                    "inclusive_recognised_on": "不能把普惠性民办认定日期改到该日期之后：认定之前的办园性质在本系统中没有记录"
                    if before is None
                    else "不能把普惠性民办认定日期改到该日期之后：期间已登记了其他办园性质变动。"
                }
            )
        for value, day in ((before, old), (Nature.INCLUSIVE_PRIVATE, new)):
            _record_dated(
                kindergarten=self.kindergarten,
                attribute="nature",
                value=value,
                effective_date=day,
                actor=actor,
                note=note,
            )


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
