"""Rectification orders (整改闭环): one workflow for every source of findings.

An order names its source generically (``source_kind`` + ``source_ref``; the kinds are registered
by the modules that raise orders, see ``supervision.rectification.register_source_kind``), so
inspections, self-checks and later safety hazards and incidents all use it without this module
importing them. State machine and rules: ``supervision.rectification``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.audit import AuditedManager, AuditedModel


class Severity(models.TextChoices):
    # Deadlines per severity: settings.RECTIFICATION_DEADLINE_DAYS.
    MINOR = "minor", _("一般")
    MAJOR = "major", _("较重")
    CRITICAL = "critical", _("严重")


class OrderState(models.TextChoices):
    ISSUED = "issued", _("待整改")
    RESPONDED = "responded", _("待验收")
    RETURNED = "returned", _("已退回")
    ACCEPTED = "accepted", _("已验收")


# States in which the kindergarten owes an answer: past the deadline they are overdue.
OPEN_STATES = (OrderState.ISSUED, OrderState.RETURNED)


class Escalation(models.IntegerChoices):
    NONE = 0, _("未升级")
    SUPERVISOR = 1, _("已提醒责任督学")
    BUREAU = 2, _("已上报教育局")


class RectificationOrder(AuditedModel):
    kindergarten = models.ForeignKey(
        "kindergartens.Kindergarten",
        verbose_name=_("幼儿园"),
        on_delete=models.PROTECT,
        related_name="rectification_orders",
    )
    source_kind = models.CharField(_("来源类型"), max_length=30)
    source_ref = models.CharField(_("来源编号"), max_length=64, blank=True)
    source_label = models.CharField(_("来源"), max_length=200)
    description = models.TextField(_("问题与整改要求"))
    severity = models.CharField(_("严重程度"), max_length=10, choices=Severity.choices)
    deadline = models.DateField(_("整改期限"))
    state = models.CharField(_("状态"), max_length=10, choices=OrderState.choices, default=OrderState.ISSUED)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("下达人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    issued_at = models.DateTimeField(_("下达时间"), default=timezone.now)
    response = models.TextField(_("整改情况"), blank=True)
    responded_at = models.DateTimeField(_("回复时间"), null=True, blank=True)
    verified_at = models.DateTimeField(_("验收时间"), null=True, blank=True)
    return_reason = models.TextField(_("退回原因"), blank=True)
    escalation = models.PositiveSmallIntegerField(_("逾期升级"), choices=Escalation.choices, default=Escalation.NONE)
    escalated_at = models.DateTimeField(_("升级时间"), null=True, blank=True)

    objects = AuditedManager()

    class Meta:
        verbose_name = _("整改通知")
        verbose_name_plural = _("整改通知")
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=["issued", "responded", "returned", "accepted"]), name="order_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(severity__in=["minor", "major", "critical"]), name="order_severity_valid"
            ),
            models.CheckConstraint(condition=~Q(state="returned") | ~Q(return_reason=""), name="order_return_reason"),
        ]
        indexes = [
            # A kindergarten's orders: WHERE kindergarten_id IN (scope) ORDER BY issued_at DESC.
            models.Index(fields=["kindergarten", "-issued_at"], name="order_kg_recent_idx"),
            # The overdue list and the daily escalation: WHERE state IN (open) AND deadline < today.
            models.Index(
                fields=["deadline"], condition=Q(state__in=["issued", "returned"]), name="order_open_deadline_idx"
            ),
            # Orders of one source: WHERE source_kind=? AND source_ref=?.
            models.Index(fields=["source_kind", "source_ref"], name="order_source_idx"),
        ]

    def __str__(self) -> str:
        return f"整改通知{self.number}"

    @property
    def number(self) -> str:
        """The order's number as clerks quote it (第000012号); search accepts it or its digits."""
        return f"第{self.pk:06d}号" if self.pk else "（未保存）"

    @classmethod
    def audit_display_value(cls, field_name: str, value, entry) -> str | None:
        if field_name == "source_kind":
            from supervision.rectification import source_kind_label

            return source_kind_label(value)
        if field_name == "source_ref":  # the source module's own key; the label says what it is
            return "（已记录）" if value else "—"
        return None

    def is_overdue(self, on=None) -> bool:
        from kindergartens.services import today

        return self.state in OPEN_STATES and self.deadline < (on or today())

    def audit_district_id(self) -> int | None:
        return self.kindergarten.district_id


class EventKind(models.TextChoices):
    ISSUED = "issued", _("下达整改通知")
    RESPONDED = "responded", _("提交整改情况")
    RETURNED = "returned", _("退回重改")
    ACCEPTED = "accepted", _("验收通过")
    ESCALATED = "escalated", _("逾期升级")


class RectificationEvent(AuditedModel):
    """One step of an order's history, as the order's timeline shows it; never changed."""

    order = models.ForeignKey(
        RectificationOrder, verbose_name=_("整改通知"), on_delete=models.PROTECT, related_name="events"
    )
    kind = models.CharField(_("事项"), max_length=10, choices=EventKind.choices)
    at = models.DateTimeField(_("时间"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.TextField(_("说明"), blank=True)

    objects = AuditedManager()

    class Meta:
        verbose_name = _("整改记录")
        verbose_name_plural = _("整改记录")
        ordering = ["order", "at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}"

    def audit_district_id(self) -> int | None:
        return self.order.kindergarten.district_id
