"""Checklist templates (督导评估指标): sections and weighted items, versioned.

A template is one version of a family (``family``: the shipped defaults' fixed keys, a copy's
own key). Editing a version that an inspection or self-check already uses creates the next
version of the family (``supervision.checklists.template_revise``); what was filled in stays on
the version it used. Shipped defaults belong to no district and are read-only: bureau admins copy
them into their district and adapt the copy.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.audit import AuditedManager, AuditedModel


class TemplatePurpose(models.TextChoices):
    CONDUCT = "conduct", _("办园行为督导评估")
    QUALITY = "quality", _("保育教育质量评估")
    SAFETY = "safety", _("安全检查")
    OTHER = "other", _("其他")


class ChecklistTemplate(AuditedModel):
    family = models.CharField(_("模板系列"), max_length=40)
    version = models.PositiveSmallIntegerField(_("版本"), default=1)
    name = models.CharField(_("名称"), max_length=100)
    purpose = models.CharField(_("用途"), max_length=10, choices=TemplatePurpose.choices)
    description = models.TextField(_("说明"), blank=True)
    # NULL: shipped with the product, read-only for everyone; else the district bureau that keeps it.
    district = models.ForeignKey(
        "kindergartens.Bureau",
        verbose_name=_("所属区县"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="checklist_templates",
    )
    copied_from = models.ForeignKey(
        "self", verbose_name=_("复制自"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The family's newest version: the one offered for new inspections and self-checks.
    is_current = models.BooleanField(_("当前版本"), default=True)
    is_active = models.BooleanField(_("启用"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    objects = AuditedManager()

    @classmethod
    def audit_display_value(cls, field_name: str, value, entry) -> str | None:
        # The family key is a machine key (a copy's is random); the name and version are what people read.
        return "（已记录）" if field_name == "family" else None

    class Meta:
        verbose_name = _("检查模板")
        verbose_name_plural = _("检查模板")
        ordering = ["purpose", "name", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["family", "version"], name="checklist_family_version_unique"),
            models.UniqueConstraint(
                fields=["family"], condition=Q(is_current=True), name="checklist_one_current_version"
            ),
        ]
        indexes = [
            # Templates offered to a district: WHERE is_current AND (district_id IS NULL OR district_id=?).
            models.Index(fields=["district", "is_current"], name="checklist_district_current_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（第{self.version}版）"

    @property
    def is_default(self) -> bool:
        return self.district_id is None

    def audit_district_id(self) -> int | None:
        return self.district_id


class ChecklistSection(AuditedModel):
    template = models.ForeignKey(
        ChecklistTemplate, verbose_name=_("模板"), on_delete=models.CASCADE, related_name="sections"
    )
    position = models.PositiveSmallIntegerField(_("顺序"))
    name = models.CharField(_("名称"), max_length=100)

    objects = AuditedManager()

    class Meta:
        verbose_name = _("检查模板分类")
        verbose_name_plural = _("检查模板分类")
        ordering = ["template", "position"]
        constraints = [
            models.UniqueConstraint(fields=["template", "position"], name="checklist_section_position_unique"),
        ]

    def __str__(self) -> str:
        return self.name

    def audit_district_id(self) -> int | None:
        return self.template.district_id


class ChecklistItem(AuditedModel):
    template = models.ForeignKey(
        ChecklistTemplate, verbose_name=_("模板"), on_delete=models.CASCADE, related_name="items"
    )
    section = models.ForeignKey(
        ChecklistSection, verbose_name=_("分类"), on_delete=models.CASCADE, related_name="items"
    )
    position = models.PositiveSmallIntegerField(_("顺序"))
    # Stable across versions ("2.3"): the self-check gap compares items by it.
    code = models.CharField(_("编号"), max_length=10)
    text = models.CharField(_("检查内容"), max_length=300)
    weight = models.PositiveSmallIntegerField(_("分值权重"), default=1)
    evidence_required = models.BooleanField(_("须附佐证"), default=False)
    veto = models.BooleanField(_("一票否决"), default=False)

    objects = AuditedManager()

    class Meta:
        verbose_name = _("检查项")
        verbose_name_plural = _("检查项")
        ordering = ["template", "section__position", "position"]
        constraints = [
            models.UniqueConstraint(fields=["template", "code"], name="checklist_item_code_unique"),
            models.CheckConstraint(condition=Q(weight__gte=1) & Q(weight__lte=100), name="checklist_item_weight_range"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.text}"

    def audit_district_id(self) -> int | None:
        return self.template.district_id
