"""Safety records (DOMAIN.md §6): incidents with an append-only timeline, monthly zero reports,
hazards (which go through supervision's rectification workflow) and drills.

Incidents are evidence: the initial report, written report, follow-ups (续报), the final report
(终报), corrections (更正, an addendum pointing at the entry it corrects) and the bureau's
forwarding are all ``IncidentEntry`` rows, never changed or deleted. The database itself refuses
it (migration 0002): no UPDATE or DELETE of an entry, no DELETE of an incident, no UPDATE of an
incident's reported facts (only the summary columns the services keep from its entries change).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.audit import AuditedManager, AuditedModel


class IncidentKind(models.TextChoices):
    INJURY = "injury", _("意外伤害")
    ILLNESS = "illness", _("疾病")
    FOOD = "food", _("食物中毒")
    INFECTIOUS = "infectious", _("传染病")
    FIRE = "fire", _("火灾")
    INTRUSION = "intrusion", _("不法侵入")
    ABUSE = "abuse", _("虐待、伤害幼儿")
    MISSING = "missing", _("幼儿走失")
    TRAFFIC = "traffic", _("交通或校车事故")
    FACILITIES = "facilities", _("设施设备事故")
    DISASTER = "disaster", _("自然灾害")
    OTHER = "other", _("其他")


# Public-health events: also reported to the health department (DOMAIN.md §6).
PUBLIC_HEALTH_KINDS = frozenset({IncidentKind.ILLNESS, IncidentKind.FOOD, IncidentKind.INFECTIOUS})


class Grade(models.TextChoices):
    GENERAL = "general", _("一般")
    LARGE = "large", _("较大")
    MAJOR = "major", _("重大")
    GRAVE = "grave", _("特别重大")


class Incident(AuditedModel):
    """One incident. The reported facts are fixed at the initial report; the summary columns
    (current kind/grade/numbers, final, written, forwarded) follow the timeline's entries."""

    kindergarten = models.ForeignKey(
        "kindergartens.Kindergarten", verbose_name=_("幼儿园"), on_delete=models.PROTECT, related_name="incidents"
    )
    # The kindergarten's district at the time of the report (the district views and the bench filter on it).
    district = models.ForeignKey(
        "kindergartens.Bureau", verbose_name=_("区县"), on_delete=models.PROTECT, related_name="+"
    )
    occurred_at = models.DateTimeField(_("发生时间"))
    reported_at = models.DateTimeField(_("报告时间"), default=timezone.now)  # the server's receipt time
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("报告人"), on_delete=models.PROTECT, related_name="+"
    )
    initial_deadline = models.DateTimeField(_("首报时限"))
    written_deadline = models.DateTimeField(_("书面报告时限"))
    health_deadline = models.DateTimeField(_("报卫生部门时限"), null=True, blank=True)
    late = models.BooleanField(_("迟报"), default=False)
    # Summary, kept by the services from the entries (the database lets only these change).
    kind = models.CharField(_("事故类型"), max_length=12, choices=IncidentKind.choices)
    grade = models.CharField(_("事故等级"), max_length=8, choices=Grade.choices)
    children_affected = models.PositiveIntegerField(_("涉及幼儿数"), default=0)
    staff_affected = models.PositiveIntegerField(_("涉及教职工数"), default=0)
    written_at = models.DateTimeField(_("书面报告时间"), null=True, blank=True)
    health_reported_at = models.DateTimeField(_("报卫生部门时间"), null=True, blank=True)
    final_at = models.DateTimeField(_("终报时间"), null=True, blank=True)
    forwarded_city_at = models.DateTimeField(_("报市教育局时间"), null=True, blank=True)
    forwarded_government_at = models.DateTimeField(_("报区县政府时间"), null=True, blank=True)

    objects = AuditedManager()

    class Meta:
        verbose_name = _("安全事故")
        verbose_name_plural = _("安全事故")
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=IncidentKind.values), name="incident_kind_valid"),
            models.CheckConstraint(condition=Q(grade__in=Grade.values), name="incident_grade_valid"),
        ]
        indexes = [
            # District views: WHERE district_id=? [AND occurred_at in a month] ORDER BY occurred_at DESC.
            models.Index(fields=["district", "-occurred_at"], name="incident_district_idx"),
            # A kindergarten's incidents and its zero-report check: WHERE kindergarten_id=? AND occurred_at …
            models.Index(fields=["kindergarten", "-occurred_at"], name="incident_kg_idx"),
            # Open incidents (no final report) of a district.
            models.Index(fields=["district"], condition=Q(final_at__isnull=True), name="incident_open_idx"),
        ]

    def __str__(self) -> str:
        return f"安全事故{self.number}"

    @property
    def number(self) -> str:
        return f"第{self.pk:06d}号" if self.pk else "（未保存）"

    @property
    def is_public_health(self) -> bool:
        return self.kind in PUBLIC_HEALTH_KINDS

    def written_late(self, now: datetime.datetime | None = None) -> bool:
        """The written report came after its deadline, or is still missing past it."""
        moment = self.written_at or now or timezone.now()
        return moment > self.written_deadline

    def health_late(self, now: datetime.datetime | None = None) -> bool:
        if self.health_deadline is None:
            return False
        moment = self.health_reported_at or now or timezone.now()
        return moment > self.health_deadline

    def audit_district_id(self) -> int | None:
        return self.district_id


class EntryKind(models.TextChoices):
    INITIAL = "initial", _("首报")
    WRITTEN = "written", _("书面报告")
    FOLLOWUP = "followup", _("续报")
    FINAL = "final", _("终报")
    CORRECTION = "correction", _("更正")
    HEALTH = "health", _("已报卫生健康部门")
    FORWARD_CITY = "fwd_city", _("已报市教育局")
    FORWARD_GOVERNMENT = "fwd_gov", _("已报区县政府")


# What the kindergarten adds, and what the bureau records.
KINDERGARTEN_ENTRY_KINDS = (EntryKind.WRITTEN, EntryKind.FOLLOWUP, EntryKind.FINAL, EntryKind.CORRECTION, EntryKind.HEALTH)
BUREAU_ENTRY_KINDS = (EntryKind.FORWARD_CITY, EntryKind.FORWARD_GOVERNMENT)


class IncidentEntry(AuditedModel):
    """One step on an incident's timeline; never changed, never deleted (enforced by the database)."""

    incident = models.ForeignKey(Incident, verbose_name=_("安全事故"), on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(_("类别"), max_length=12, choices=EntryKind.choices)
    at = models.DateTimeField(_("接收时间"), default=timezone.now)  # the server's receipt time
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("填报人"), on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("内容"))
    corrects = models.ForeignKey(
        "self", verbose_name=_("更正的记录"), null=True, blank=True, on_delete=models.PROTECT, related_name="corrections"
    )
    # Facts stated by this entry (the initial report; a correction may restate them); empty: unchanged.
    kind_stated = models.CharField(_("事故类型"), max_length=12, choices=IncidentKind.choices, blank=True)
    grade_stated = models.CharField(_("事故等级"), max_length=8, choices=Grade.choices, blank=True)
    children_stated = models.PositiveIntegerField(_("涉及幼儿数"), null=True, blank=True)
    staff_stated = models.PositiveIntegerField(_("涉及教职工数"), null=True, blank=True)

    objects = AuditedManager()

    class Meta:
        verbose_name = _("事故报告记录")
        verbose_name_plural = _("事故报告记录")
        ordering = ["incident", "at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=EntryKind.values), name="incident_entry_kind_valid"),
            models.CheckConstraint(
                condition=~Q(kind="correction") | Q(corrects__isnull=False), name="incident_correction_points"
            ),
            # One initial and one final report per incident.
            models.UniqueConstraint(
                fields=["incident", "kind"], condition=Q(kind__in=["initial", "final"]), name="incident_one_initial_final"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}"

    def audit_district_id(self) -> int | None:
        return self.incident.district_id


class ZeroReport(AuditedModel):
    """A kindergarten's monthly zero report (零报告): no incident in the month. The monthly report
    (reports) reads it; it is never withdrawn (an incident found later shows beside it)."""

    kindergarten = models.ForeignKey(
        "kindergartens.Kindergarten", verbose_name=_("幼儿园"), on_delete=models.PROTECT, related_name="zero_reports"
    )
    month = models.DateField(_("月份"))  # the first of the month
    confirmed_at = models.DateTimeField(_("确认时间"), default=timezone.now)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("确认人"), on_delete=models.PROTECT, related_name="+"
    )

    objects = AuditedManager()

    class Meta:
        verbose_name = _("安全事故零报告")
        verbose_name_plural = _("安全事故零报告")
        ordering = ["-month", "kindergarten_id"]
        constraints = [
            models.UniqueConstraint(fields=["kindergarten", "month"], name="zero_report_once"),
            models.CheckConstraint(condition=Q(month__day=1), name="zero_report_first_of_month"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y年%m月}零报告"

    def audit_district_id(self) -> int | None:
        return self.kindergarten.district_id


class HazardCategory(models.TextChoices):
    BUILDING = "building", _("校舍")
    FIRE = "fire", _("消防")
    FOOD = "food", _("食品卫生")
    SECURITY = "security", _("治安")
    SURROUNDINGS = "surroundings", _("周边环境")
    ETHICS = "ethics", _("师资师德")


class HazardSource(models.TextChoices):
    INSPECTION = "inspection", _("督导检查")
    SELF_CHECK = "selfcheck", _("自查")
    DAILY = "daily", _("日常检查")
    REPORT = "report", _("举报或报告")


class Hazard(AuditedModel):
    """A safety hazard (安全隐患). It is closed through one rectification order (supervision):
    the supervisor or bureau issues it when recording the hazard, or from a hazard the
    kindergarten found itself."""

    kindergarten = models.ForeignKey(
        "kindergartens.Kindergarten", verbose_name=_("幼儿园"), on_delete=models.PROTECT, related_name="hazards"
    )
    category = models.CharField(_("隐患类别"), max_length=12, choices=HazardCategory.choices)
    source = models.CharField(_("发现途径"), max_length=12, choices=HazardSource.choices)
    found_on = models.DateField(_("发现日期"))
    description = models.TextField(_("隐患描述"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    order = models.OneToOneField(
        "supervision.RectificationOrder",
        verbose_name=_("整改通知"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = AuditedManager()

    class Meta:
        verbose_name = _("安全隐患")
        verbose_name_plural = _("安全隐患")
        ordering = ["-found_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(category__in=HazardCategory.values), name="hazard_category_valid"),
            models.CheckConstraint(condition=Q(source__in=HazardSource.values), name="hazard_source_valid"),
        ]
        indexes = [models.Index(fields=["kindergarten", "-found_on"], name="hazard_kg_idx")]

    def __str__(self) -> str:
        return f"安全隐患第{self.pk:06d}号" if self.pk else "安全隐患"

    def audit_district_id(self) -> int | None:
        return self.kindergarten.district_id
