"""Inspections (督导检查): a visit to one kindergarten against one checklist template version.

Planned → in progress → submitted. Each item of the template gets a result (符合 / 不符合 / 不适用),
a note and evidence files; a failed item must have a rectification order before the inspection
can be submitted. The score is computed once, at submission, by ``supervision.checklists.score``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.audit import AuditedManager, AuditedModel


class InspectionKind(models.TextChoices):
    ROUTINE = "routine", _("日常督导")
    SPECIAL = "special", _("专项督导")
    ANNUAL = "annual", _("年检")
    COMPREHENSIVE = "comprehensive", _("综合督导评估")
    JOINT = "joint", _("联合执法检查")
    RANDOM = "random", _("双随机抽查")


class SpecialSubtype(models.TextChoices):
    SAFETY = "safety", _("安全")
    NEW_ENTRANT = "new_entrant", _("新生入园保育")
    ETHICS = "ethics", _("师德师风")


class InspectionState(models.TextChoices):
    PLANNED = "planned", _("计划中")
    IN_PROGRESS = "in_progress", _("检查中")
    SUBMITTED = "submitted", _("已提交")


class ItemResult(models.TextChoices):
    PASS = "pass", _("符合")
    FAIL = "fail", _("不符合")
    NA = "na", _("不适用")


class Inspection(AuditedModel):
    kindergarten = models.ForeignKey(
        "kindergartens.Kindergarten", verbose_name=_("幼儿园"), on_delete=models.PROTECT, related_name="inspections"
    )
    kind = models.CharField(_("检查类型"), max_length=15, choices=InspectionKind.choices)
    subtype = models.CharField(_("专项类别"), max_length=15, choices=SpecialSubtype.choices, blank=True)
    template = models.ForeignKey(
        "supervision.ChecklistTemplate",
        verbose_name=_("检查模板"),
        on_delete=models.PROTECT,
        related_name="inspections",
    )
    planned_on = models.DateField(_("计划日期"))
    state = models.CharField(_("状态"), max_length=12, choices=InspectionState.choices, default=InspectionState.PLANNED)
    supervisors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("检查人员"), related_name="supervision_inspections"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("创建人"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提交人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    summary = models.TextField(_("检查意见"), blank=True)
    # 年检 only: the conclusion, written to the registry's annual inspection result (one source).
    conclusion = models.CharField(
        _("年检结论"),
        max_length=10,
        blank=True,
        choices=[("pass", _("合格")), ("basic", _("基本合格")), ("fail", _("不合格"))],
    )
    annual_result = models.ForeignKey(
        "kindergartens.AnnualInspection",
        verbose_name=_("年检结果"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # 双随机抽查: the draw that planned this visit.
    draw = models.ForeignKey(
        "supervision.RandomDraw",
        verbose_name=_("双随机抽查"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inspections",
    )
    score = models.DecimalField(_("得分"), max_digits=4, decimal_places=1, null=True, blank=True)
    vetoed = models.BooleanField(_("一票否决"), default=False)

    objects = AuditedManager()

    class Meta:
        verbose_name = _("督导检查")
        verbose_name_plural = _("督导检查")
        ordering = ["-planned_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind="special") | Q(subtype=""), name="inspection_subtype_only_special"),
            models.CheckConstraint(
                condition=Q(kind="annual") | Q(conclusion=""), name="inspection_conclusion_only_annual"
            ),
        ]
        indexes = [
            # A kindergarten's inspections and the coverage page: WHERE kindergarten_id IN (…) AND state=…
            models.Index(fields=["kindergarten", "state", "planned_on"], name="inspection_kg_state_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kindergarten} {self.planned_on:%Y-%m-%d} {self.kind_label}"

    @classmethod
    def audit_display_value(cls, field_name: str, value, entry) -> str | None:
        """History: the registry's annual result as 2025年度 基本合格 (its own name starts with a bare year)."""
        if field_name == "annual_result" or field_name == "annual_result_id":
            if value is None:
                return "—"
            from kindergartens.models import AnnualInspection

            record = AnnualInspection.objects.filter(pk=value).first()
            return f"{record.year}年度年检{record.get_result_display()}" if record else "（已删除）"
        return None

    @property
    def kind_label(self) -> str:
        label = self.get_kind_display()
        return f"{label}（{self.get_subtype_display()}）" if self.subtype else label

    def audit_district_id(self) -> int | None:
        return self.kindergarten.district_id


class InspectionResult(AuditedModel):
    inspection = models.ForeignKey(
        Inspection, verbose_name=_("督导检查"), on_delete=models.CASCADE, related_name="results"
    )
    item = models.ForeignKey(
        "supervision.ChecklistItem", verbose_name=_("检查项"), on_delete=models.PROTECT, related_name="+"
    )
    result = models.CharField(_("检查结果"), max_length=4, choices=ItemResult.choices, blank=True)
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
        verbose_name = _("检查项结果")
        verbose_name_plural = _("检查项结果")
        ordering = ["inspection", "item__section__position", "item__position"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "item"], name="inspection_result_one_per_item"),
        ]

    def __str__(self) -> str:
        return f"{self.item.code} {self.get_result_display() or '未检查'}"

    def audit_district_id(self) -> int | None:
        return self.inspection.kindergarten.district_id
