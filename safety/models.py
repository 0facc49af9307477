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
KINDERGARTEN_ENTRY_KINDS = (
    EntryKind.WRITTEN,
    EntryKind.FOLLOWUP,
    EntryKind.FINAL,
    EntryKind.CORRECTION,
)
# The bureau forwards: to the city, the district government and, for public-health events, the
# health department (DOMAIN.md §6: within 2 hours).
BUREAU_ENTRY_KINDS = (EntryKind.FORWARD_CITY, EntryKind.FORWARD_GOVERNMENT, EntryKind.HEALTH)
# The choice set the kindergarten picks from (forms, API; named in the API schema's enum overrides).
KINDERGARTEN_ENTRY_CHOICES = [(k.value, k.label) for k in map(EntryKind, KINDERGARTEN_ENTRY_KINDS)]


class IncidentEntry(AuditedModel):
    """One step on an incident's timeline; never changed, never deleted (enforced by the database)."""

    incident = models.ForeignKey(Incident, verbose_name=_("安全事故"), on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(_("类别"), max_length=12, choices=EntryKind.choices)
    at = models.DateTimeField(_("接收时间"), default=timezone.now)  # the server's receipt time
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("填报人"), on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(_("内容"))
    corrects = models.ForeignKey(
        "self",
        verbose_name=_("更正的记录"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrections",
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
                fields=["incident", "kind"],
                condition=Q(kind__in=["initial", "final"]),
                name="incident_one_initial_final",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}"

    def audit_district_id(self) -> int | None:
        return self.incident.district_id


class IncidentDraft(AuditedModel):
    """An incident report being prepared (a staff member drafting for the director, or the director
    saving to resume): not an incident yet — nobody is told, no deadline runs, it may be changed or
    discarded. The director's submission makes the incident (its report time is that moment) and
    links it here, so the incident shows who drafted it."""

    kindergarten = models.ForeignKey(
        "kindergartens.Kindergarten", verbose_name=_("幼儿园"), on_delete=models.PROTECT, related_name="+"
    )
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("起草人"), on_delete=models.PROTECT, related_name="+"
    )
    saved_at = models.DateTimeField(_("保存时间"), default=timezone.now)
    occurred_at = models.DateTimeField(_("发生时间"), null=True, blank=True)
    kind = models.CharField(_("事故类型"), max_length=12, choices=IncidentKind.choices, blank=True)
    grade = models.CharField(_("事故等级"), max_length=8, choices=Grade.choices, blank=True)
    children_affected = models.PositiveIntegerField(_("涉及幼儿数"), null=True, blank=True)
    staff_affected = models.PositiveIntegerField(_("涉及教职工数"), null=True, blank=True)
    text = models.TextField(_("事故经过与已采取的措施"), blank=True)
    written = models.BooleanField(_("本报告即书面报告"), default=False)
    incident = models.OneToOneField(
        Incident,
        verbose_name=_("已提交为"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="draft",
    )

    objects = AuditedManager()

    class Meta:
        verbose_name = _("安全事故报告草稿")
        verbose_name_plural = _("安全事故报告草稿")
        ordering = ["-saved_at", "-id"]
        indexes = [
            models.Index(fields=["kindergarten"], condition=Q(incident__isnull=True), name="incident_draft_open_idx")
        ]

    def __str__(self) -> str:
        return f"事故报告草稿（{timezone.localtime(self.saved_at):%Y年%m月%d日 %H:%M}保存）"

    def audit_district_id(self) -> int | None:
        return self.kindergarten.district_id


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


# --- facilities and duties (slice 4) ---------------------------------------------------------------------


class FacilityRecord(AuditedModel):
    """The kindergarten's safety facilities and duties as of ``effective_on``: each change is a new
    dated record (the latest on or before a day is the state that day); records are kept."""

    kindergarten = models.ForeignKey(
        "kindergartens.Kindergarten",
        verbose_name=_("幼儿园"),
        on_delete=models.PROTECT,
        related_name="facility_records",
    )
    effective_on = models.DateField(_("生效日期"))
    video_public_areas = models.BooleanField(_("视频监控覆盖全部公共区域"), default=False)
    video_retention_days = models.PositiveSmallIntegerField(_("录像保存天数"), default=0)
    video_networked = models.BooleanField(_("接入区县二级图像平台"), default=False)
    video_person = models.CharField(_("视频监控负责人"), max_length=50, blank=True)
    alarm_linked = models.BooleanField(_("一键报警与公安联网"), default=False)
    full_time_guards = models.PositiveSmallIntegerField(_("专职保安员人数"), default=0)
    closed_campus = models.BooleanField(_("封闭化管理"), default=False)
    guard_post = models.BooleanField(_("护学岗"), default=False)
    clinic = models.BooleanField(_("设保健室"), default=False)
    medical_pairing = models.CharField(_("结对医疗机构"), max_length=100, blank=True)
    safety_officer = models.CharField(_("安全员"), max_length=50, blank=True)
    safety_officer_trained = models.BooleanField(_("安全员已培训"), default=False)
    safety_officer_certified = models.BooleanField(_("安全员持证"), default=False)
    note = models.CharField(_("说明"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    objects = AuditedManager()

    class Meta:
        verbose_name = _("安全设施与人员")
        verbose_name_plural = _("安全设施与人员")
        ordering = ["kindergarten_id", "-effective_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["kindergarten", "effective_on"], name="facility_one_per_day"),
        ]
        indexes = [
            # The state on a day: WHERE kindergarten_id=? AND effective_on <= ? ORDER BY effective_on DESC LIMIT 1.
            models.Index(fields=["kindergarten", "-effective_on"], name="facility_kg_day_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.effective_on:%Y年%m月%d日}起的安全设施"

    @property
    def four_full(self) -> bool:
        """The "4 × 100%": full-time guards, alarm linked to the police, closed campus, 护学岗."""
        return self.full_time_guards > 0 and self.alarm_linked and self.closed_campus and self.guard_post

    def audit_district_id(self) -> int | None:
        return self.kindergarten.district_id


class SchoolBus(AuditedModel):
    kindergarten = models.ForeignKey(
        "kindergartens.Kindergarten", verbose_name=_("幼儿园"), on_delete=models.PROTECT, related_name="school_buses"
    )
    plate = models.CharField(_("车牌号"), max_length=20)
    seats = models.PositiveSmallIntegerField(_("核载人数"))
    inspected_on = models.DateField(_("最近检验日期"), null=True, blank=True)
    valid_until = models.DateField(_("检验有效期至"), null=True, blank=True)
    retired_on = models.DateField(_("停用日期"), null=True, blank=True)

    objects = AuditedManager()

    class Meta:
        verbose_name = _("校车")
        verbose_name_plural = _("校车")
        ordering = ["kindergarten_id", "plate"]
        constraints = [
            models.UniqueConstraint(fields=["kindergarten", "plate"], name="school_bus_plate_once"),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(inspected_on__isnull=False),
                name="school_bus_valid_needs_date",
            ),
        ]

    def __str__(self) -> str:
        return f"校车{self.plate}"

    def audit_district_id(self) -> int | None:
        return self.kindergarten.district_id


class VideoCheck(AuditedModel):
    """The monthly video-surveillance check: working cameras, retention verified, faults."""

    kindergarten = models.ForeignKey(
        "kindergartens.Kindergarten", verbose_name=_("幼儿园"), on_delete=models.PROTECT, related_name="video_checks"
    )
    month = models.DateField(_("月份"))
    cameras_total = models.PositiveSmallIntegerField(_("摄像头总数"))
    cameras_working = models.PositiveSmallIntegerField(_("正常工作数"))
    retention_days = models.PositiveSmallIntegerField(_("实测录像保存天数"))
    retention_verified = models.BooleanField(_("已核验录像保存"), default=False)
    faults = models.TextField(_("故障与处理"), blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("检查人"), on_delete=models.PROTECT, related_name="+"
    )
    checked_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    objects = AuditedManager()

    class Meta:
        verbose_name = _("视频监控月度检查")
        verbose_name_plural = _("视频监控月度检查")
        ordering = ["-month", "kindergarten_id"]
        constraints = [
            models.UniqueConstraint(fields=["kindergarten", "month"], name="video_check_once_a_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="video_check_first_of_month"),
            models.CheckConstraint(
                condition=Q(cameras_working__lte=models.F("cameras_total")), name="video_check_working_le_total"
            ),
        ]
        # The district's month: WHERE month=? AND kindergarten_id IN (district) — the unique index
        # (kindergarten, month) serves one kindergarten; this one the district month.
        indexes = [models.Index(fields=["month", "kindergarten"], name="video_check_month_idx")]

    def __str__(self) -> str:
        return f"{self.month:%Y年%m月}视频监控检查"

    def audit_district_id(self) -> int | None:
        return self.kindergarten.district_id


class LetterLevel(models.TextChoices):
    BUREAU_KINDERGARTEN = "bureau_kg", _("教育局与幼儿园")
    DIRECTOR_STAFF = "director_staff", _("园长与教职工")
    KINDERGARTEN_PARENT = "kg_parent", _("幼儿园与家长")


class ResponsibilityLetter(AuditedModel):
    """A signed safety responsibility letter (安全责任书), with the signed file (evidence storage)."""

    kindergarten = models.ForeignKey(
        "kindergartens.Kindergarten",
        verbose_name=_("幼儿园"),
        on_delete=models.PROTECT,
        related_name="responsibility_letters",
    )
    level = models.CharField(_("签订层级"), max_length=16, choices=LetterLevel.choices)
    year = models.PositiveSmallIntegerField(_("年度"))
    parties = models.CharField(_("签订双方"), max_length=200)
    signed_on = models.DateField(_("签订日期"))
    file = models.ForeignKey(
        "supervision.EvidenceFile", verbose_name=_("签字文件"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+"
    )

    objects = AuditedManager()

    class Meta:
        verbose_name = _("安全责任书")
        verbose_name_plural = _("安全责任书")
        ordering = ["-year", "kindergarten_id", "level", "-signed_on"]
        constraints = [models.CheckConstraint(condition=Q(level__in=LetterLevel.values), name="letter_level_valid")]

    def __str__(self) -> str:
        return f"{self.year}年度安全责任书（{self.get_level_display()}）"

    def audit_district_id(self) -> int | None:
        return self.kindergarten.district_id


class DrillKind(models.TextChoices):
    FIRE = "fire", _("消防疏散")
    INTRUSION = "intrusion", _("防暴反恐")
    EARTHQUAKE = "earthquake", _("防震")
    FLOOD = "flood", _("防汛")
    FOOD = "food", _("食品安全")
    OTHER = "other", _("其他")


class Drill(AuditedModel):
    kindergarten = models.ForeignKey(
        "kindergartens.Kindergarten", verbose_name=_("幼儿园"), on_delete=models.PROTECT, related_name="drills"
    )
    held_on = models.DateField(_("演练日期"))
    kind = models.CharField(_("演练类型"), max_length=12, choices=DrillKind.choices)
    participants = models.PositiveIntegerField(_("参加人数"))
    notes = models.TextField(_("情况记录"), blank=True)
    photos = models.ManyToManyField("supervision.EvidenceFile", verbose_name=_("照片"), blank=True, related_name="+")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+"
    )

    objects = AuditedManager()

    class Meta:
        verbose_name = _("安全演练")
        verbose_name_plural = _("安全演练")
        ordering = ["-held_on", "-id"]
        constraints = [models.CheckConstraint(condition=Q(kind__in=DrillKind.values), name="drill_kind_valid")]
        indexes = [models.Index(fields=["kindergarten", "-held_on"], name="drill_kg_idx")]

    def __str__(self) -> str:
        return f"{self.held_on:%Y年%m月%d日}{self.get_kind_display()}演练"

    def audit_district_id(self) -> int | None:
        return self.kindergarten.district_id
