"""Random draws (双随机、一公开): the bureau draws kindergartens and inspectors at random, with a
recorded seed and recorded pools so anyone can repeat the draw (``supervision.draws.draw_select``
documents the algorithm); the draw creates the planned inspections and is published on the public
pages, later with its results."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.audit import AuditedManager, AuditedModel


class RandomDraw(AuditedModel):
    class Method(models.IntegerChoices):
        RECORD_NUMBER = 1, _("按内部编号排序（旧版）")
        IDENTIFIER = 2, _("按统一社会信用代码（无则名称）排序")

    district = models.ForeignKey(
        "kindergartens.Bureau", verbose_name=_("区县"), on_delete=models.PROTECT, related_name="random_draws"
    )
    title = models.CharField(_("抽查名称"), max_length=100)
    template = models.ForeignKey(
        "supervision.ChecklistTemplate", verbose_name=_("检查模板"), on_delete=models.PROTECT, related_name="+"
    )
    planned_on = models.DateField(_("计划检查日期"))
    seed = models.CharField(_("随机种子"), max_length=64)
    # The pools as drawn from (ids in ascending order) and, per kindergarten, the inspector who must
    # not inspect it (its responsible supervisor at the time: 回避). With the seed they fix the result.
    kindergarten_pool = models.JSONField(_("幼儿园名单"), default=list)
    inspector_pool = models.JSONField(_("检查人员名单"), default=list)
    avoid = models.JSONField(_("回避关系"), default=dict, blank=True)
    # Each pooled kindergarten's public identifier at the time of the draw (credit code, else name):
    # what the algorithm hashes and the public page lists, so no record number is ever published.
    identifiers = models.JSONField(_("公开标识"), default=dict, blank=True)
    method = models.PositiveSmallIntegerField(_("排序方法"), choices=Method.choices, default=Method.IDENTIFIER)
    share_percent = models.PositiveSmallIntegerField(_("抽取比例（%）"), null=True, blank=True)
    requested_count = models.PositiveSmallIntegerField(_("抽取数量"), null=True, blank=True)
    drawn_count = models.PositiveSmallIntegerField(_("抽中幼儿园数"))
    inspectors_per_visit = models.PositiveSmallIntegerField(_("每组检查人员数"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("抽取人"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("抽取时间"), default=timezone.now)

    objects = AuditedManager()

    class Meta:
        verbose_name = _("双随机抽查")
        verbose_name_plural = _("双随机抽查")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(share_percent__isnull=False) | Q(requested_count__isnull=False), name="draw_share_or_count"
            ),
            models.CheckConstraint(condition=Q(inspectors_per_visit__gte=1), name="draw_inspectors_per_visit"),
        ]
        indexes = [
            # A district's draws, newest first (the pages and the public list).
            models.Index(fields=["district", "-created_at"], name="draw_district_recent_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @classmethod
    def audit_display_value(cls, field_name: str, value, entry) -> str | None:
        # Lists of record numbers: what people read is the count; the lists are on the draw's page.
        if field_name in ("kindergarten_pool", "inspector_pool"):
            return f"{len(value or [])} 个"
        if field_name == "identifiers":
            return f"{len(value or {})} 所"
        if field_name == "avoid":
            return f"{len(value or {})} 组"
        return None

    def audit_district_id(self) -> int | None:
        return self.district_id
