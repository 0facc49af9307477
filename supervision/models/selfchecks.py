"""Self-checks (自检自查): a kindergarten fills a checklist template version for itself and submits it.

The same templates and the same scoring formula as inspections (``supervision.checklists.score``);
the bureau and the supervisor compare a submitted self-check with the kindergarten's latest
submitted inspection on the same template version, item by item (``supervision.selfchecks.selfcheck_gap``).
Findings become rectification orders through the one workflow (source kind ``selfcheck``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.audit import AuditedManager, AuditedModel
from supervision.models.inspections import ItemResult


class SelfCheckState(models.TextChoices):
    DRAFT = "draft", _("填写中")
    SUBMITTED = "submitted", _("已提交")


class SelfCheck(AuditedModel):
    kindergarten = models.ForeignKey(
        "kindergartens.Kindergarten", verbose_name=_("幼儿园"), on_delete=models.PROTECT, related_name="self_checks"
    )
    template = models.ForeignKey(
        "supervision.ChecklistTemplate",
        verbose_name=_("检查模板"),
        on_delete=models.PROTECT,
        related_name="self_checks",
    )
    state = models.CharField(_("状态"), max_length=10, choices=SelfCheckState.choices, default=SelfCheckState.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("填写人"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提交人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    summary = models.TextField(_("自查小结"), blank=True)
    score = models.DecimalField(_("得分"), max_digits=4, decimal_places=1, null=True, blank=True)
    vetoed = models.BooleanField(_("一票否决"), default=False)

    objects = AuditedManager()

    class Meta:
        verbose_name = _("自查")
        verbose_name_plural = _("自查")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The self-check list and the gap: WHERE kindergarten_id IN (scope) AND state='submitted'.
            models.Index(fields=["kindergarten", "state", "-submitted_at"], name="selfcheck_kg_state_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kindergarten} 自查（{self.template}）"

    def audit_district_id(self) -> int | None:
        return self.kindergarten.district_id


class SelfCheckResult(AuditedModel):
    self_check = models.ForeignKey(SelfCheck, verbose_name=_("自查"), on_delete=models.CASCADE, related_name="results")
    item = models.ForeignKey(
        "supervision.ChecklistItem", verbose_name=_("检查项"), on_delete=models.PROTECT, related_name="+"
    )
    result = models.CharField(_("自查结果"), max_length=4, choices=ItemResult.choices, blank=True)
    note = models.TextField(_("说明"), blank=True)
    order = models.ForeignKey(
        "supervision.RectificationOrder",
        verbose_name=_("整改通知"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = AuditedManager()

    class Meta:
        verbose_name = _("自查项结果")
        verbose_name_plural = _("自查项结果")
        ordering = ["self_check", "item__section__position", "item__position"]
        constraints = [
            models.UniqueConstraint(fields=["self_check", "item"], name="selfcheck_result_one_per_item"),
        ]

    def __str__(self) -> str:
        return f"{self.item.code} {self.get_result_display() or '未填写'}"

    def audit_district_id(self) -> int | None:
        return self.self_check.kindergarten.district_id
