"""Inputs the registry does not have (resident children, targets) and the month-end enrolment snapshot.

The registry keeps today's classes and headcounts; an indicator "as of a month" needs that month's
figures, so a daily task writes each kindergarten's enrolment into the month's snapshot (the last
write of a month is its month-end figure). Status and nature as of a month come from the registry's
dated history, never from the snapshot.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.audit import AuditedManager, AuditedModel
from kindergartens.models import Bureau, Kindergarten, Township


class ResidentSource(models.TextChoices):
    POLICE = "police", _("公安（户籍/居住登记）")
    HEALTH = "health", _("卫健（出生登记）")
    STATISTICS = "statistics", _("统计部门")


class ResidentChildren(AuditedModel):
    """常住 3–5 岁适龄儿童数 of a township for a year: the 毛入园率 denominator, with where it comes from."""

    district = models.ForeignKey(Bureau, verbose_name=_("区县"), on_delete=models.PROTECT, related_name="+")
    township = models.ForeignKey(
        Township, verbose_name=_("街道/乡镇"), on_delete=models.PROTECT, related_name="resident_children"
    )
    year = models.PositiveSmallIntegerField(_("年度"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    children = models.PositiveIntegerField(_("3–5 岁常住适龄儿童数"), validators=[MaxValueValidator(10_000_000)])
    source = models.CharField(_("数据来源"), max_length=12, choices=ResidentSource.choices)
    source_date = models.DateField(_("数据日期"))
    is_estimate = models.BooleanField(_("估算数"), default=False)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    objects = AuditedManager()

    class Meta:
        verbose_name = _("常住适龄儿童数")
        verbose_name_plural = _("常住适龄儿童数")
        ordering = ["-year", "township__name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["township", "year"], name="resident_children_one_per_township_year")
        ]
        indexes = [
            # The indicator's denominator: WHERE district_id IN (…) AND year IN (y, y-1).
            models.Index(fields=["district", "year"], name="resident_district_year_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.township} {self.year} 年 {self.children} 人"

    def audit_district_id(self) -> int | None:
        return self.district_id


class Target(AuditedModel):
    """A plan's target for one indicator in one year, for a district or a city, with the plan's
    baseline so that each month can be judged against a straight line from baseline to target."""

    bureau = models.ForeignKey(Bureau, verbose_name=_("教育局"), on_delete=models.PROTECT, related_name="+")
    indicator = models.CharField(_("指标"), max_length=40)
    year = models.PositiveSmallIntegerField(
        _("目标年度"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    value = models.DecimalField(_("目标值"), max_digits=7, decimal_places=2)
    baseline_year = models.PositiveSmallIntegerField(
        _("基线年度"), null=True, blank=True, validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    baseline_value = models.DecimalField(_("基线值"), max_digits=7, decimal_places=2, null=True, blank=True)
    plan = models.CharField(_("依据（规划/方案名称）"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = AuditedManager()

    class Meta:
        verbose_name = _("指标目标")
        verbose_name_plural = _("指标目标")
        ordering = ["bureau", "indicator", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["bureau", "indicator", "year"], name="target_one_per_bureau_indicator_year"
            ),
            models.CheckConstraint(
                condition=models.Q(baseline_year__isnull=True) | models.Q(baseline_year__lt=models.F("year")),
                name="target_baseline_before_year",
            ),
        ]

    def __str__(self) -> str:
        from core.indicators import get_indicator

        indicator = get_indicator(self.indicator)
        return f"{self.bureau} {self.year} 年 {indicator.name if indicator else '指标'}目标"

    def audit_district_id(self) -> int | None:
        return self.bureau_id if self.bureau.level == Bureau.Level.DISTRICT else None

    @classmethod
    def audit_display_value(cls, field_name, value, entry):
        """The indicator by its name, never its code."""
        if field_name == "indicator":
            from core.indicators import get_indicator

            indicator = get_indicator(value) if isinstance(value, str) else None
            return indicator.name if indicator else "（已停用的指标）"
        return None


class EnrolmentSnapshot(models.Model):
    """A kindergarten's enrolment in a month (the figures of the last day the daily task ran in it).

    Derived data, rewritten by the task only; the registry's classes keep the history of the
    figures themselves. District and township are those of that month (a kindergarten that moves
    to another district counts for the old one in the months before)."""

    kindergarten = models.ForeignKey(Kindergarten, verbose_name=_("幼儿园"), on_delete=models.CASCADE, related_name="+")
    month = models.DateField(_("月份"))  # the first day of the month
    district = models.ForeignKey(Bureau, verbose_name=_("区县"), on_delete=models.PROTECT, related_name="+")
    township = models.ForeignKey(Township, verbose_name=_("街道/乡镇"), on_delete=models.PROTECT, related_name="+")
    children = models.PositiveIntegerField(_("在园幼儿数"), default=0)
    classes = models.PositiveIntegerField(_("班级数"), default=0)
    compliant_classes = models.PositiveIntegerField(_("班额达标班级数"), default=0)
    capacity = models.PositiveIntegerField(_("学位数"), default=0)
    taken_on = models.DateField(_("统计日期"))

    class Meta:
        verbose_name = _("月末在园快照")
        verbose_name_plural = _("月末在园快照")
        constraints = [
            models.UniqueConstraint(fields=["kindergarten", "month"], name="snapshot_one_per_kindergarten_month")
        ]
        indexes = [
            # The indicators: WHERE month IN (…) AND district_id IN (…).
            models.Index(fields=["month", "district"], name="snapshot_month_district_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kindergarten_id} {self.month:%Y-%m}"


class ResponsibilityTask(AuditedModel):
    """责任清单: one task of the district's plan, its lead unit (牵头单位), responsible units (责任单位),
    deadline and, if any, the indicator it moves. Progress is reported monthly by the 10th through the
    report engine (the 责任清单月度进展 report type, indicators.responsibility)."""

    district = models.ForeignKey(Bureau, verbose_name=_("区县"), on_delete=models.PROTECT, related_name="+")
    number = models.PositiveSmallIntegerField(_("序号"), validators=[MinValueValidator(1), MaxValueValidator(999)])
    title = models.CharField(_("任务"), max_length=300)
    lead_unit = models.CharField(_("牵头单位"), max_length=100)
    responsible_units = models.CharField(_("责任单位"), max_length=300, help_text=_("多个单位用顿号分隔"))
    deadline = models.DateField(_("完成时限"))
    indicator = models.CharField(_("推动的指标"), max_length=40, blank=True)
    done_on = models.DateField(_("完成日期"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = AuditedManager()

    class Meta:
        verbose_name = _("责任清单任务")
        verbose_name_plural = _("责任清单任务")
        ordering = ["district", "number"]
        constraints = [
            models.UniqueConstraint(fields=["district", "number"], name="responsibility_task_number_per_district")
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.title[:30]}"

    def audit_district_id(self) -> int | None:
        return self.district_id

    @classmethod
    def audit_display_value(cls, field_name, value, entry):
        if field_name == "indicator":
            from core.indicators import get_indicator

            if not value:
                return "—"
            indicator = get_indicator(value) if isinstance(value, str) else None
            return indicator.name if indicator else "（已停用的指标）"
        return None

    def is_overdue(self, day) -> bool:
        return self.done_on is None and self.deadline < day
