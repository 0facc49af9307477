"""变更备案: a director files changes to the kindergarten's record, the bureau returns or approves them.

An approved filing is applied through ``kindergarten_update`` (so dated status history, the
audit trail and every record rule apply as for a direct edit). Filings are never deleted:
a returned filing is revised and resubmitted in place and each step is kept as an event.
"""

from __future__ import annotations

import copy
import datetime
import decimal
from typing import Any

from dateutil.relativedelta import relativedelta
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from kindergartens.access import kindergarten_can, kindergartens_visible_to
from kindergartens.models import ChangeFiling, ChangeFilingEvent, Kindergarten, Township
from kindergartens.selectors_filings import (
    FILING_FIELDS,
    field_label,
    filing_field,
    filings_open,
    json_value,
    python_value,
    record_json,
)

from .records import kindergarten_update

NOTHING_TO_CHANGE = "没有需要变更的内容。"
ALREADY_OPEN = "本园已有一份待处理的变更备案，请先处理。"
REASON_REQUIRED = "退回时必须填写理由。"
PRINCIPAL_FILING_PERIOD = relativedelta(months=1)  # [002]: principal changes are filed within one month


def _require(actor: User, kindergarten: Kindergarten, right: str, message: str) -> None:
    """The role right, and the kindergarten really in the actor's scope (callers may be the API or a task)."""
    allowed = (
        actor is not None
        and kindergarten_can(actor, kindergarten, right)
        and kindergartens_visible_to(actor).filter(pk=kindergarten.pk).exists()
    )
    if not allowed:
        raise PermissionDenied(message)


def _changed_values(kindergarten: Kindergarten, proposed: dict[str, Any]) -> dict[str, Any]:
    """The proposed values that differ from the record, in JSON form; ValidationError on junk."""
    unknown = [f for f in proposed if f not in FILING_FIELDS]
    if unknown:
        labels = "、".join(_label_or_name(f) for f in unknown)
        raise ValidationError(f"以下项目不能通过变更备案修改：{labels}。")
    errors: dict[str, list[str]] = {}
    changed: dict[str, Any] = {}
    for name in FILING_FIELDS:
        if name not in proposed:
            continue
        try:
            value = json_value(name, proposed[name])
        except ValidationError as exc:
            errors[name] = exc.messages
            continue
        except (TypeError, ValueError, decimal.InvalidOperation):
            errors[name] = [f"{field_label(name)}的格式不正确。"]
            continue
        if value != record_json(kindergarten, name):
            changed[name] = value
    if errors:
        raise ValidationError(errors)
    if not changed:
        raise ValidationError(NOTHING_TO_CHANGE)
    return changed


def _label_or_name(name: str) -> str:
    try:
        return field_label(name)
    except FieldDoesNotExist:
        return name


def _validate(kindergarten: Kindergarten, changed: dict[str, Any], effective_date: datetime.date | None) -> None:
    """The record rules, applied to a copy of the record carrying the proposed values."""
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if not isinstance(effective_date, datetime.date):
        add("effective_date", "请填写变更生效日期。")
    candidate = copy.copy(kindergarten)
    for name, value in changed.items():
        setattr(candidate, filing_field(name).attname, python_value(name, value))
    if "name" in changed:
        if not candidate.name:
            add("name", "园所名称不能为空。")
        elif (
            Kindergarten.objects.filter(district_id=kindergarten.district_id, name=candidate.name)
            .exclude(pk=kindergarten.pk)
            .exists()
        ):
            add("name", "本区县已有同名幼儿园。")
    # Same district only: a kindergarten that moves district is closed in one and registered in the other.
    township = changed.get("township")
    if township is not None and not Township.objects.filter(pk=township, district_id=kindergarten.district_id).exists():
        add("township", "街道/乡镇不属于本园所在区县。")
    if "capacity" in changed and candidate.capacity is not None and candidate.capacity < 0:
        add("capacity", "学位数不能为负数。")
    if "fee_monthly" in changed and candidate.fee_monthly is not None and candidate.fee_monthly < 0:
        add("fee_monthly", "保教费不能为负数。")
    # Lengths, choices, required values: the model's own rules, for the filed fields only (an old
    # oddity elsewhere in the record is not the director's to fix in this filing).
    others = [f.name for f in Kindergarten._meta.fields if f.name not in changed]
    try:
        candidate.clean_fields(exclude=[*others, *errors])
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)


def filed_late(*, took_effect: datetime.date, filed_on: datetime.date) -> bool:
    """The one-month rule for principal and teacher changes [002] (staffing uses it for teachers)."""
    return filed_on > took_effect + PRINCIPAL_FILING_PERIOD


def _is_late_principal_change(changed: dict[str, Any], effective_date: datetime.date, filed_on: datetime.date) -> bool:
    """A new principal filed more than one calendar month after taking office (or the effective date)."""
    if "principal_name" not in changed:
        return False
    since = changed.get("principal_since")
    start = datetime.date.fromisoformat(since) if since else effective_date
    return filed_late(took_effect=start, filed_on=filed_on)


def _event(filing: ChangeFiling, action: str, actor: User, reason: str = "") -> ChangeFilingEvent:
    event = ChangeFilingEvent(
        filing=filing, action=action, actor=actor, at=timezone.now(), reason=reason, proposed=filing.proposed
    )
    event.full_clean()
    event.save()
    return event


def _lock_kindergarten(kindergarten: Kindergarten) -> Kindergarten:
    """Serialise filings of one kindergarten (one open filing at a time; approvals against fresh values)."""
    return Kindergarten.objects.select_for_update().get(pk=kindergarten.pk)


def _lock_filing(filing: ChangeFiling) -> ChangeFiling:
    """The filing as it is now, locked: another reviewer (or another tab) may have acted meanwhile."""
    locked = ChangeFiling.objects.select_for_update().get(pk=filing.pk)
    locked.kindergarten = filing.kindergarten
    return locked


@transaction.atomic
def filing_submit(
    *,
    actor: User,
    kindergarten: Kindergarten,
    proposed: dict[str, Any],
    effective_date: datetime.date,
    explanation: str = "",
) -> ChangeFiling:
    """File a change. Only the fields that differ from the record are kept, with their current values."""
    _require(actor, kindergarten, "file_change", "只有本园园长可以提交变更备案。")
    kindergarten = _lock_kindergarten(kindergarten)
    if filings_open(ChangeFiling.objects.filter(kindergarten=kindergarten)).exists():
        raise ValidationError(ALREADY_OPEN)
    changed = _changed_values(kindergarten, proposed)
    _validate(kindergarten, changed, effective_date)
    now = timezone.now()
    filing = ChangeFiling(
        kindergarten=kindergarten,
        state=ChangeFiling.State.SUBMITTED,
        proposed=changed,
        original={f: record_json(kindergarten, f) for f in changed},
        effective_date=effective_date,
        explanation=(explanation or "").strip(),
        late_principal_change=_is_late_principal_change(changed, effective_date, timezone.localdate(now)),
        filed_by=actor,
        filed_at=now,
        submitted_at=now,
    )
    filing.full_clean()
    filing.save()
    _event(filing, ChangeFilingEvent.Action.SUBMITTED, actor)
    return filing


@transaction.atomic
def filing_resubmit(
    *,
    actor: User,
    filing: ChangeFiling,
    proposed: dict[str, Any],
    effective_date: datetime.date,
    explanation: str = "",
) -> ChangeFiling:
    """The director revises a returned filing; it goes back to the bureau's queue."""
    _require(actor, filing.kindergarten, "file_change", "只有本园园长可以修改变更备案。")
    kindergarten = _lock_kindergarten(filing.kindergarten)
    filing = _lock_filing(filing)
    if filing.state != ChangeFiling.State.RETURNED:
        raise ValidationError("只有已退回的变更备案可以修改后重新提交。")
    changed = _changed_values(kindergarten, proposed)
    _validate(kindergarten, changed, effective_date)
    # The principal change counts as filed when it was first filed, unless it is new in this revision.
    first_filed = filing.proposed.get("principal_name") == changed.get("principal_name")
    filed_on = timezone.localdate(filing.filed_at if first_filed else timezone.now())
    filing.kindergarten = kindergarten
    filing.state = ChangeFiling.State.SUBMITTED
    filing.proposed = changed
    filing.original = {f: record_json(kindergarten, f) for f in changed}
    filing.effective_date = effective_date
    filing.explanation = (explanation or "").strip()
    filing.late_principal_change = _is_late_principal_change(changed, effective_date, filed_on)
    filing.submitted_at = timezone.now()
    # The last decision (the return) stays in the timeline; the filing itself is undecided again.
    filing.decided_by = None
    filing.decided_at = None
    filing.return_reason = ""
    filing.full_clean()
    filing.save(
        update_fields=[
            "state",
            "proposed",
            "original",
            "effective_date",
            "explanation",
            "late_principal_change",
            "submitted_at",
            "decided_by",
            "decided_at",
            "return_reason",
        ]
    )
    _event(filing, ChangeFilingEvent.Action.RESUBMITTED, actor)
    return filing


@transaction.atomic
def filing_return(*, actor: User, filing: ChangeFiling, reason: str) -> ChangeFiling:
    """Send a submitted filing back to the director with a reason."""
    _require(actor, filing.kindergarten, "review_filing", "您不能审核该变更备案。")
    filing = _lock_filing(filing)
    if filing.state != ChangeFiling.State.SUBMITTED:
        raise ValidationError("只有待审核的变更备案可以退回。")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": REASON_REQUIRED})
    filing.state = ChangeFiling.State.RETURNED
    filing.return_reason = reason
    filing.decided_by = actor
    filing.decided_at = timezone.now()
    try:
        filing.full_clean()
    except ValidationError as exc:
        # The model calls it return_reason; the form (and the API) call it reason.
        raise ValidationError({"reason": exc.message_dict.get("return_reason", exc.messages)}) from exc
    filing.save(update_fields=["state", "return_reason", "decided_by", "decided_at"])
    _event(filing, ChangeFilingEvent.Action.RETURNED, actor, reason=reason)
    return filing


@transaction.atomic
def filing_approve(*, actor: User, filing: ChangeFiling) -> ChangeFiling:
    """Apply a submitted filing to the record with its effective date, in one transaction.

    When the record was changed in the same fields after the filing was made, nothing is applied:
    the reviewer must look again (and return the filing for the director to file against the new values).
    """
    _require(actor, filing.kindergarten, "review_filing", "您不能审核该变更备案。")
    kindergarten = _lock_kindergarten(filing.kindergarten)
    filing = _lock_filing(filing)
    if filing.state != ChangeFiling.State.SUBMITTED:
        raise ValidationError("只有待审核的变更备案可以审核通过。")
    conflicts = [
        f
        for f in FILING_FIELDS
        if f in filing.proposed and record_json(kindergarten, f) not in (filing.original.get(f), filing.proposed[f])
    ]
    if conflicts:
        labels = "、".join(field_label(f) for f in conflicts)
        raise ValidationError(
            f"备案提交后，幼儿园档案中的以下项目已被修改：{labels}。请核对当前值，必要时退回园长按最新情况重新提交。"
        )
    changes = {f: python_value(f, v) for f, v in filing.proposed.items()}
    if changes.get("township") is not None:
        township = Township.objects.filter(pk=changes["township"]).first()
        if township is None:
            raise ValidationError({"township": "申请变更的街道/乡镇已不存在。"})
        changes["township"] = township
    kindergarten_update(
        actor=actor,
        kindergarten=kindergarten,
        changes=changes,
        effective_date=filing.effective_date,
        note=f"变更备案 #{filing.pk}",
        check_rights=False,
    )
    filing.kindergarten = kindergarten
    filing.state = ChangeFiling.State.APPROVED
    filing.decided_by = actor
    filing.decided_at = timezone.now()
    filing.full_clean()
    filing.save(update_fields=["state", "decided_by", "decided_at"])
    _event(filing, ChangeFilingEvent.Action.APPROVED, actor)
    return filing
