"""The one rectification workflow (整改闭环) for inspection findings, self-check findings and, later,
safety hazards and incidents.

States: 待整改 (issued) → 待验收 (responded) → 已验收 (accepted), or → 已退回 (returned, with a
required reason) → 待验收 again. The kindergarten's director answers with a description and at
least one evidence file; the responsible supervisor or the district bureau verifies. The deadline
follows the severity (``settings.RECTIFICATION_DEADLINE_DAYS``). An order still unanswered after
its deadline is overdue: the daily task flags it to the responsible supervisor, and escalates it
to the district bureau ``RECTIFICATION_ESCALATE_TO_BUREAU_DAYS`` days later. Every step is an
event on the order's timeline (and in the audit trail).

A source is generic: ``source_kind`` (registered below by whoever raises orders) and
``source_ref`` (that module's own reference), so this module imports none of its sources.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from kindergartens.access import kindergartens_visible_to
from kindergartens.models import Kindergarten
from kindergartens.services import today
from supervision.access import order_can
from supervision.evidence import evidence_check, evidence_store
from supervision.models import (
    OPEN_STATES,
    Escalation,
    EventKind,
    OrderState,
    RectificationEvent,
    RectificationOrder,
    Severity,
    SupervisorAssignment,
)
from supervision.notifications import notify


@dataclass(frozen=True)
class SourceKind:
    name: str
    label: str
    # source_ref -> URL of the source record, or "" (for the order page's link)
    url: Callable[[str], str] | None = None


_source_kinds: dict[str, SourceKind] = {}


def register_source_kind(name: str, label: str, url: Callable[[str], str] | None = None) -> None:
    """Modules that raise orders register their kind (idempotent; call from AppConfig.ready())."""
    _source_kinds[name] = SourceKind(name, label, url)


def source_kind_label(name: str) -> str:
    kind = _source_kinds.get(name)
    return kind.label if kind else "其他"


def source_url(order: RectificationOrder) -> str:
    kind = _source_kinds.get(order.source_kind)
    return kind.url(order.source_ref) if kind and kind.url and order.source_ref else ""


register_source_kind("manual", "督导发现")


def deadline_for(severity: str, issued_on: datetime.date) -> datetime.date:
    try:
        days = settings.RECTIFICATION_DEADLINE_DAYS[severity]
    except KeyError:
        raise ValidationError({"severity": "请选择严重程度。"}) from None
    return issued_on + datetime.timedelta(days=days)


def _event(order: RectificationOrder, kind: str, actor: User | None, note: str = "") -> RectificationEvent:
    event = RectificationEvent(order=order, kind=kind, actor=actor, note=note, at=timezone.now())
    event.save()
    return event


def _in_scope(actor: User, kindergarten: Kindergarten) -> bool:
    return kindergartens_visible_to(actor).filter(pk=kindergarten.pk).exists()


def _require(actor: User | None, order_or_kg, action: str, message: str) -> None:
    kindergarten = order_or_kg.kindergarten if isinstance(order_or_kg, RectificationOrder) else order_or_kg
    if actor is None or not order_can(actor, action) or not _in_scope(actor, kindergarten):
        raise PermissionDenied(message)


@transaction.atomic
def order_issue(
    *,
    actor: User,
    kindergarten: Kindergarten,
    source_kind: str,
    source_label: str,
    description: str,
    severity: str,
    source_ref: str = "",
    deadline: datetime.date | None = None,
) -> RectificationOrder:
    """Issue an order; the deadline is the severity's unless a later-than-today one is given."""
    _require(actor, kindergarten, "issue", "您不能向该幼儿园下达整改通知。")
    errors: dict[str, str] = {}
    description = (description or "").strip()
    if not description:
        errors["description"] = "请填写问题与整改要求。"
    if severity not in Severity.values:
        errors["severity"] = "请选择严重程度。"
    if source_kind not in _source_kinds:
        errors["source_kind"] = "整改来源无效。"
    if deadline is not None and deadline < today():
        errors["deadline"] = "整改期限不能早于今天。"
    if errors:
        raise ValidationError(errors)
    order = RectificationOrder(
        kindergarten=kindergarten,
        source_kind=source_kind,
        source_ref=str(source_ref or "")[:64],
        source_label=(source_label or source_kind_label(source_kind))[:200],
        description=description,
        severity=severity,
        deadline=deadline or deadline_for(severity, today()),
        issued_by=actor,
        issued_at=timezone.now(),
    )
    order.full_clean()
    order.save()
    _event(order, EventKind.ISSUED, actor, description)
    return order


def _lock(order: RectificationOrder) -> RectificationOrder:
    return RectificationOrder.objects.select_for_update().select_related("kindergarten").get(pk=order.pk)


@transaction.atomic
def order_respond(*, actor: User, order: RectificationOrder, response: str, files=()) -> RectificationOrder:
    """The kindergarten's answer: what was done, with at least one photo or PDF as evidence."""
    _require(actor, order, "respond", "只有本园园长可以提交整改情况。")
    if actor.kindergarten_id != order.kindergarten_id:
        raise PermissionDenied("只有本园园长可以提交整改情况。")
    locked = _lock(order)
    if locked.state not in OPEN_STATES:
        raise ValidationError("该整改通知当前不需要提交整改情况。")
    errors: dict[str, list[str] | str] = {}
    response = (response or "").strip()
    if not response:
        errors["response"] = "请填写整改情况。"
    checked = []
    try:
        checked = evidence_check(files)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if not errors and not checked:
        errors["files"] = "请至少上传一张照片或一个 PDF 文件作为佐证。"
    if errors:
        raise ValidationError(errors)
    locked.state = OrderState.RESPONDED
    locked.response = response
    locked.responded_at = timezone.now()
    locked.full_clean()
    locked.save(update_fields=["state", "response", "responded_at"])
    event = _event(locked, EventKind.RESPONDED, actor, response)
    evidence_store(actor=actor, kindergarten=locked.kindergarten, files=checked, order=locked, event=event)
    _copy(locked, order)
    return order


def _copy(source: RectificationOrder, target: RectificationOrder) -> None:
    """Give the caller's instance the saved values (views render it after the service)."""
    for field in ("state", "response", "responded_at", "verified_at", "return_reason", "escalation", "escalated_at"):
        setattr(target, field, getattr(source, field))


def _check_verifier(actor: User, order: RectificationOrder) -> None:
    _require(actor, order, "verify", "您不能验收该整改通知。")


@transaction.atomic
def order_return(*, actor: User, order: RectificationOrder, reason: str) -> RectificationOrder:
    """Send the answer back; the reason is required and shown to the kindergarten."""
    _check_verifier(actor, order)
    locked = _lock(order)
    if locked.state != OrderState.RESPONDED:
        raise ValidationError("只有待验收的整改通知可以退回。")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请填写退回原因。"})
    locked.state, locked.return_reason = OrderState.RETURNED, reason
    locked.full_clean()
    locked.save(update_fields=["state", "return_reason"])
    _event(locked, EventKind.RETURNED, actor, reason)
    _copy(locked, order)
    return order


@transaction.atomic
def order_accept(*, actor: User, order: RectificationOrder, note: str = "") -> RectificationOrder:
    """Accept the rectification: the order is closed."""
    _check_verifier(actor, order)
    locked = _lock(order)
    if locked.state != OrderState.RESPONDED:
        raise ValidationError("只有待验收的整改通知可以验收通过。")
    locked.state, locked.verified_at = OrderState.ACCEPTED, timezone.now()
    locked.full_clean()
    locked.save(update_fields=["state", "verified_at"])
    _event(locked, EventKind.ACCEPTED, actor, (note or "").strip())
    _copy(locked, order)
    return order


# --- overdue and escalation ------------------------------------------------------------------------


def _supervisor_of(kindergarten_id: int) -> User | None:
    assignment = (
        SupervisorAssignment.objects.filter(kindergarten_id=kindergarten_id, ended_at__isnull=True)
        .select_related("supervisor")
        .first()
    )
    return assignment.supervisor if assignment else None


def _bureau_users(district_id: int) -> list[User]:
    return list(
        User.objects.filter(bureau_id=district_id, role__in=[Role.BUREAU_ADMIN, Role.BUREAU_STAFF], is_active=True)
    )


def _escalate(order: RectificationOrder, level: int, on: datetime.date) -> None:
    order.escalation, order.escalated_at = level, timezone.now()
    order.save(update_fields=["escalation", "escalated_at"])
    overdue_days = (on - order.deadline).days
    if level == Escalation.SUPERVISOR:
        note = f"已逾期 {overdue_days} 天，提醒责任督学督促整改。"
        recipients = [_supervisor_of(order.kindergarten_id)]
    else:
        note = f"已逾期 {overdue_days} 天，上报区县教育局。"
        recipients = _bureau_users(order.kindergarten.district_id)
    _event(order, EventKind.ESCALATED, None, note)
    notify(
        recipients=recipients,
        title=f"{order.kindergarten.name} 的整改通知 {order.number} 已逾期",
        body=note,
        url=reverse("supervision:order-detail", kwargs={"pk": order.pk}),
    )


def orders_escalate_overdue(*, on: datetime.date | None = None) -> dict[str, int]:
    """Daily, idempotent: flag newly overdue orders to the supervisor, escalate long-overdue ones to
    the bureau. An order answered (or accepted) is never escalated further."""
    on = on or today()
    bureau_after = datetime.timedelta(days=settings.RECTIFICATION_ESCALATE_TO_BUREAU_DAYS)
    counts = {"supervisor": 0, "bureau": 0}
    overdue = (
        RectificationOrder.objects.filter(state__in=OPEN_STATES, deadline__lt=on, escalation__lt=Escalation.BUREAU)
        .select_related("kindergarten")
        .order_by("pk")
    )
    for order_id in overdue.values_list("pk", flat=True):
        with transaction.atomic():
            order = (
                RectificationOrder.objects.select_for_update(of=("self",))
                .select_related("kindergarten")
                .filter(pk=order_id, state__in=OPEN_STATES)
                .first()
            )
            if order is None:
                continue
            level = Escalation.BUREAU if order.deadline + bureau_after < on else Escalation.SUPERVISOR
            if order.escalation >= level:
                continue
            if order.escalation < Escalation.SUPERVISOR and level == Escalation.BUREAU:
                _escalate(order, Escalation.SUPERVISOR, on)  # the record shows both steps
            _escalate(order, level, on)
            counts["supervisor" if level == Escalation.SUPERVISOR else "bureau"] += 1
    return counts
