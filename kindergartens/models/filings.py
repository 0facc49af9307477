"""变更备案: a director proposes changes to the record; the bureau approves or returns them."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.audit import AuditedManager, AuditedModel

from .registry import Kindergarten


class ChangeFiling(AuditedModel):
    """One filing. Never deleted; returned filings are revised and resubmitted in place,
    and every step is kept in ChangeFilingEvent."""

    class State(models.TextChoices):
        SUBMITTED = "submitted", _("待审核")
        RETURNED = "returned", _("已退回")
        APPROVED = "approved", _("已通过")

    kindergarten = models.ForeignKey(
        Kindergarten, verbose_name=_("幼儿园"), on_delete=models.PROTECT, related_name="change_filings"
    )
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.SUBMITTED)
    proposed = models.JSONField(_("申请变更内容"), default=dict)  # {field: new value (JSON form)}
    original = models.JSONField(_("变更前内容"), default=dict)  # {field: value when (re)submitted}
    effective_date = models.DateField(_("变更生效日期"))
    explanation = models.CharField(_("变更说明"), max_length=500, blank=True)
    late_principal_change = models.BooleanField(_("园长变更逾期备案"), default=False)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("申请人"), on_delete=models.PROTECT, related_name="+"
    )
    filed_at = models.DateTimeField(_("首次提交时间"), default=timezone.now)
    submitted_at = models.DateTimeField(_("最近提交时间"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    return_reason = models.CharField(_("退回理由"), max_length=500, blank=True)

    objects = AuditedManager()

    # The history shows proposed/original values with the record's field labels and value names.
    audit_json_models = {"proposed": "kindergartens.Kindergarten", "original": "kindergartens.Kindergarten"}

    class Meta:
        verbose_name = _("变更备案")
        verbose_name_plural = _("变更备案")
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(state="returned") | ~models.Q(return_reason=""),
                name="filing_returned_has_reason",
            ),
        ]
        indexes = [
            # The bureau's review queue: WHERE kindergarten.district=? AND state='submitted' ORDER BY submitted_at.
            models.Index(fields=["state", "submitted_at"], name="filing_state_idx"),
        ]

    def __str__(self) -> str:
        # The Beijing date (it names the filing in the change history): the stored time is UTC.
        return f"{self.kindergarten} 变更备案（{timezone.localtime(self.filed_at):%Y-%m-%d}）"

    def audit_district_id(self) -> int | None:
        return self.kindergarten.district_id


class ChangeFilingEvent(models.Model):
    """The filing's own timeline: submitted, returned (with reason), resubmitted, approved."""

    class Action(models.TextChoices):
        SUBMITTED = "submitted", _("提交")
        RETURNED = "returned", _("退回")
        RESUBMITTED = "resubmitted", _("重新提交")
        APPROVED = "approved", _("通过")

    filing = models.ForeignKey(ChangeFiling, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(_("操作"), max_length=12, choices=Action.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("时间"), default=timezone.now)
    reason = models.CharField(_("理由"), max_length=500, blank=True)
    proposed = models.JSONField(_("当时的申请内容"), default=dict)

    class Meta:
        verbose_name = _("变更备案记录")
        verbose_name_plural = _("变更备案记录")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.filing} {self.get_action_display()}"
