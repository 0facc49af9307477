"""Monthly reports (DOMAIN.md §8): report types with versioned content, and one submission per
(type, month, submitter) with its state history.

A type says when a report is due (a day 1–28 of the month after the covered one, or of the same
month), who submits it (kindergartens to their district, districts to the city, or the city bureau
itself: its own report to the province, filed here and sent on outside the portal) and what it
holds (``ReportTypeVersion.content``: sections, fields, rules; see reports/content.py). A change to
a type in use makes a new version; a submission keeps the version it was opened with.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.audit import AuditedManager, AuditedModel


class Period(models.TextChoices):
    PREVIOUS = "previous", _("上月")
    CURRENT = "current", _("本月")


class SubmitterLevel(models.TextChoices):
    KINDERGARTEN = "kindergarten", _("幼儿园报区县")
    DISTRICT = "district", _("区县报市")
    # The city bureau's own report (to the province, outside the portal): nobody in the portal reviews it,
    # so "submitted" is its last state (the city itself may reopen it after the grace period, with a reason).
    CITY = "city", _("市报省")


class ReportType(AuditedModel):
    """A kind of monthly report. ``owner`` is the bureau that keeps it; the shipped ones have none."""

    code = models.SlugField(_("编码"), max_length=50, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    due_day = models.PositiveSmallIntegerField(
        _("截止日"), default=10, validators=[MinValueValidator(1), MaxValueValidator(28)]
    )
    period = models.CharField(_("报告月份"), max_length=10, choices=Period.choices, default=Period.PREVIOUS)
    submitter_level = models.CharField(_("报送方"), max_length=15, choices=SubmitterLevel.choices)
    grace_days = models.PositiveSmallIntegerField(
        _("逾期补报期限（天）"), default=5, validators=[MaxValueValidator(60)]
    )
    owner = models.ForeignKey(
        "kindergartens.Bureau",
        verbose_name=_("维护单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="report_types",
    )
    # The kindergarten report whose submissions a district report consolidates (district types only).
    source = models.ForeignKey(
        "self", verbose_name=_("汇总来源"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    is_active = models.BooleanField(_("启用"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    objects = AuditedManager()

    class Meta:
        verbose_name = _("报表类型")
        verbose_name_plural = _("报表类型")
        ordering = ["sort_order", "code"]
        constraints = [
            models.CheckConstraint(condition=Q(due_day__gte=1, due_day__lte=28), name="report_type_due_day_1_28"),
            models.CheckConstraint(condition=Q(period__in=["previous", "current"]), name="report_type_period_valid"),
            models.CheckConstraint(
                condition=Q(submitter_level__in=["kindergarten", "district", "city"]), name="report_type_level_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def audit_district_id(self) -> int | None:
        return self.owner_id

    @classmethod
    def audit_display_value(cls, field_name: str, value, entry) -> str | None:
        """History display hook (core.history): the code is for the machine (the API); people read the name."""
        if field_name == "code":
            return "（系统编码）"
        return None

    @property
    def receiver_label(self) -> str:
        return {SubmitterLevel.KINDERGARTEN: "区县教育局", SubmitterLevel.CITY: "省教育厅（平台外报送）"}.get(
            self.submitter_level, "市教育局"
        )

    def due_date(self, month: datetime.date) -> datetime.date:
        """The due day for the report covering ``month`` (a first of the month)."""
        base = month.replace(day=1)
        if self.period == Period.PREVIOUS:
            base = (base + datetime.timedelta(days=32)).replace(day=1)
        return base.replace(day=self.due_day)

    def month_due_on(self, day: datetime.date) -> datetime.date:
        """The covered month whose report falls due in the month of ``day``."""
        first = day.replace(day=1)
        if self.period == Period.PREVIOUS:
            return (first - datetime.timedelta(days=1)).replace(day=1)
        return first

    def last_day_to_submit(self, month: datetime.date) -> datetime.date:
        """After this day (Beijing) a submission needs the bureau to reopen it."""
        return self.due_date(month) + datetime.timedelta(days=self.grace_days)


class ReportTypeVersion(AuditedModel):
    """The content of a type at one time. Never changed once a submission uses it: a change makes a new one."""

    report_type = models.ForeignKey(
        ReportType, verbose_name=_("报表类型"), on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveIntegerField(_("版本号"))
    content = models.JSONField(_("内容定义"), default=dict)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = AuditedManager()

    class Meta:
        verbose_name = _("报表版本")
        verbose_name_plural = _("报表版本")
        ordering = ["report_type", "-number"]
        constraints = [models.UniqueConstraint(fields=["report_type", "number"], name="report_version_unique_number")]

    def __str__(self) -> str:
        return f"{self.report_type}（第{self.number}版）"

    def audit_district_id(self) -> int | None:
        return self.report_type.owner_id

    @classmethod
    def audit_display_value(cls, field_name: str, value, entry) -> str | None:
        """History display hook (core.history): the content as a summary, not JSON."""
        if field_name == "content" and isinstance(value, dict):
            return _content_text(value)
        return None


class Submission(AuditedModel):
    """One report of one submitter for one month. Never deleted; every step is kept in SubmissionEvent."""

    class State(models.TextChoices):
        OPEN = "open", _("待填报")
        SUBMITTED = "submitted", _("已报送")
        RETURNED = "returned", _("已退回")
        RESUBMITTED = "resubmitted", _("已重新报送")
        APPROVED = "approved", _("已通过")

    report_type = models.ForeignKey(
        ReportType, verbose_name=_("报表类型"), on_delete=models.PROTECT, related_name="submissions"
    )
    version = models.ForeignKey(ReportTypeVersion, verbose_name=_("版本"), on_delete=models.PROTECT, related_name="+")
    month = models.DateField(_("报告月份"))  # always the first of the month
    # The submitter: a kindergarten (kindergarten reports), a district bureau (district reports) or the
    # city bureau (city reports). ``district`` is set on all: the district that receives or sends it (the
    # scope filter); for a city report, the city bureau itself (Bureau.Level.CITY).
    kindergarten = models.ForeignKey(
        "kindergartens.Kindergarten",
        verbose_name=_("幼儿园"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="report_submissions",
    )
    district = models.ForeignKey(
        "kindergartens.Bureau", verbose_name=_("区县"), on_delete=models.PROTECT, related_name="report_submissions"
    )
    state = models.CharField(_("状态"), max_length=15, choices=State.choices, default=State.OPEN)
    due_date = models.DateField(_("截止日期"))
    data = models.JSONField(_("填报内容"), default=dict, blank=True)
    explanations = models.JSONField(_("情况说明"), default=dict, blank=True)
    # Set by the server at the first submission and never changed: "on time" is judged on it.
    first_submitted_at = models.DateTimeField(_("首次报送时间"), null=True, blank=True)
    on_time = models.BooleanField(_("按时报送"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("最近报送时间"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("报送人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("填报人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    return_reason = models.CharField(_("退回理由"), max_length=500, blank=True)
    # After the grace period only the bureau can let a late one in: until this Beijing day.
    reopened_until = models.DateField(_("补报截止日期"), null=True, blank=True)
    reopen_reason = models.CharField(_("补报原因"), max_length=500, blank=True)
    built_at = models.DateTimeField(_("汇总生成时间"), null=True, blank=True)  # district reports
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    objects = AuditedManager()

    class Meta:
        verbose_name = _("报表报送")
        verbose_name_plural = _("报表报送")
        ordering = ["-month", "report_type", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["report_type", "month", "kindergarten"],
                condition=Q(kindergarten__isnull=False),
                name="submission_one_per_kindergarten_month",
            ),
            models.UniqueConstraint(
                fields=["report_type", "month", "district"],
                condition=Q(kindergarten__isnull=True),
                name="submission_one_per_district_month",
            ),
            models.CheckConstraint(
                condition=~Q(state="returned") | ~Q(return_reason=""), name="submission_returned_has_reason"
            ),
            models.CheckConstraint(
                condition=Q(state="open") | Q(first_submitted_at__isnull=False),
                name="submission_submitted_has_time",
            ),
            models.CheckConstraint(
                condition=Q(state__in=["open", "submitted", "returned", "resubmitted", "approved"]),
                name="submission_state_valid",
            ),
        ]
        indexes = [
            # Completeness and review queues: WHERE report_type=? AND month=? AND district=?.
            models.Index(fields=["report_type", "month", "district", "state"], name="submission_district_month_idx"),
            # Reminders: WHERE state IN ('open','returned') AND due_date <= ?.
            models.Index(fields=["state", "due_date"], name="submission_state_due_idx"),
        ]

    def __str__(self) -> str:
        who = self.kindergarten.name if self.kindergarten_id else self.district.area_name
        return f"{who} {self.month:%Y年%m月}{self.report_type.name}"

    def audit_district_id(self) -> int | None:
        return self.district_id

    @classmethod
    def audit_display_value(cls, field_name: str, value, entry) -> str | None:
        """History display hook (core.history): figures and explanations with the report's own labels."""
        if field_name == "data" and isinstance(value, dict):
            return _data_text(value)
        if field_name == "explanations" and isinstance(value, dict):
            return _explanations_text(value)
        return None

    @property
    def submitter_name(self) -> str:
        return self.kindergarten.name if self.kindergarten_id else self.district.area_name

    @property
    def is_submitted(self) -> bool:
        return self.first_submitted_at is not None

    @property
    def is_locked(self) -> bool:
        return self.state in (self.State.SUBMITTED, self.State.RESUBMITTED, self.State.APPROVED)

    def last_day_to_submit(self) -> datetime.date:
        grace = self.due_date + datetime.timedelta(days=self.report_type.grace_days)
        return max(grace, self.reopened_until) if self.reopened_until else grace


class SubmissionEvent(AuditedModel):
    """The submission's own timeline: opened, submitted (on time or late), returned with a reason,
    resubmitted, reopened after the grace period with a reason, approved; district reports: built."""

    class Action(models.TextChoices):
        OPENED = "opened", _("开始填报")
        SUBMITTED = "submitted", _("报送")
        RETURNED = "returned", _("退回")
        RESUBMITTED = "resubmitted", _("重新报送")
        APPROVED = "approved", _("审核通过")
        REOPENED = "reopened", _("准予补报")
        BUILT = "built", _("生成汇总")

    submission = models.ForeignKey(Submission, verbose_name=_("报送"), on_delete=models.PROTECT, related_name="events")
    action = models.CharField(_("操作"), max_length=15, choices=Action.choices)
    from_state = models.CharField(_("原状态"), max_length=15, choices=Submission.State.choices, blank=True)
    to_state = models.CharField(_("新状态"), max_length=15, choices=Submission.State.choices)
    at = models.DateTimeField(_("时间"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.CharField(_("说明"), max_length=500, blank=True)

    objects = AuditedManager()

    class Meta:
        verbose_name = _("报送记录")
        verbose_name_plural = _("报送记录")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()}（{timezone.localtime(self.at):%Y-%m-%d %H:%M}）"

    def audit_district_id(self) -> int | None:
        return self.submission.district_id


# --- how the change history reads these records (core.history's hook) ----------------------------------

_SPECIAL_KEYS = {"missing": "未报送的幼儿园", "contributions": "其他模块汇总"}


def _labels() -> dict:
    """Field and rule labels of every version (for the history of data and explanations), cached until a
    version changes."""
    from core.cache import cached

    def build() -> dict:
        fields, choices, rules = {}, {}, {}
        for content in ReportTypeVersion.objects.values_list("content", flat=True):
            for section in (content or {}).get("sections", []):
                for f in section.get("fields", []):
                    fields[f["key"]] = f.get("label", "")
                    for value, label in f.get("choices", []):
                        choices[(f["key"], value)] = label
            for rule in (content or {}).get("rules", []):
                rules[rule["key"]] = rule.get("message", "")
        return {"fields": fields, "choices": choices, "rules": rules}

    return cached("reports:labels", build, depends_on=(ReportTypeVersion,))


def _value_text(key: str, value, labels: dict) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        if key == "missing":
            return "、".join(str(v) for v in value) or "无"
        if key == "contributions":
            return "、".join(str(v.get("title", "")) for v in value if isinstance(v, dict)) or "无"
        return f"{len(value)} 条"
    if isinstance(value, dict):
        return str(value.get("name") or value.get("title") or "（已填写）")
    return labels["choices"].get((key, value), str(value))


def _data_text(value: dict) -> str:
    labels = _labels()
    parts = []
    for key, item in value.items():
        if key.endswith("__rows"):
            continue
        label = labels["fields"].get(key) or _SPECIAL_KEYS.get(key) or "其他"
        parts.append(f"{label}：{_value_text(key, item, labels)}")
    return "；".join(parts)


def _explanations_text(value: dict) -> str:
    labels = _labels()
    parts = []
    for key, text in value.items():
        if key.startswith("jump:"):
            about = f"“{labels['fields'].get(key[5:], '某项数字')}”与上月相比变化较大"
        else:
            about = labels["rules"].get(key, "校验提示")
        parts.append(f"{about}：{text}")
    return "；".join(parts)


def _content_text(value: dict) -> str:
    sections = value.get("sections", []) if isinstance(value, dict) else []
    fields = sum(len(s.get("fields", [])) for s in sections)
    titles = "、".join(s.get("title", "") for s in sections)
    return f"{len(sections)} 个栏目（{titles}），{fields} 个填报项，{len(value.get('rules', []))} 条校验规则"
