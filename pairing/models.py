"""Pairing (结对帮扶, DOMAIN.md §7, seeds 004 and 002): the city's yearly targets, each district's
yearly plan, agreements between helping and helped kindergartens, confirmations by the bureaus of
every party, activities and the files that prove them.

No fee field exists on purpose: the rule (seed 004, 五.1) forbids a 品牌费 or 挂钩费, and a text that
mentions one is refused by ``pairing.services``.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.audit import AuditedManager, AuditedModel


class Mode(models.TextChoices):
    TOWN_PUBLIC = "town_public", _("方式一：镇内优质公办园帮扶村（屯）民办园")
    STARRED = "starred", _("方式二：县区内四、五星级幼儿园帮扶镇薄弱园")
    CROSS_DISTRICT = "cross_district", _("方式三：跨区域结对帮扶")


class Form(models.TextChoices):
    SEND_TEACHING = "send_teaching", _("送教下乡")
    MASTER_STUDIO = "master_studio", _("名师工作室")
    ON_SITE = "on_site", _("入园指导")
    SHADOWING = "shadowing", _("跟岗研修")
    ONLINE = "online", _("网络在线学习")


FORM_LABELS = dict(Form.choices)


class Side(models.TextChoices):
    HELPING = "helping", _("帮扶园")
    HELPED = "helped", _("被帮扶园")


class CityTarget(AuditedModel):
    """The city's targets and dates for one year of the cycle (盘锦 2024: 22 kindergartens, 40%)."""

    city = models.ForeignKey(
        "kindergartens.Bureau", verbose_name=_("市教育局"), on_delete=models.PROTECT, related_name="pairing_targets"
    )
    year = models.PositiveSmallIntegerField(_("年度"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    participants = models.PositiveIntegerField(_("参与帮扶结对的幼儿园总数"))
    rural_share = models.DecimalField(
        _("农村幼儿园帮扶参与占比目标（%）"),
        max_digits=5,
        decimal_places=1,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    cycle_share = models.DecimalField(
        _("三年周期参与率目标（%）"),
        max_digits=5,
        decimal_places=1,
        default=100,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    plan_due = models.DateField(_("年度帮扶计划上报截止日"))
    agreements_due = models.DateField(_("帮扶协议上报截止日"))
    idle_days = models.PositiveSmallIntegerField(
        _("无活动提醒天数"), default=45, validators=[MinValueValidator(7), MaxValueValidator(365)]
    )

    objects = AuditedManager()

    class Meta:
        verbose_name = _("年度帮扶目标")
        verbose_name_plural = _("年度帮扶目标")
        ordering = ["city", "year"]
        constraints = [models.UniqueConstraint(fields=["city", "year"], name="pairing_target_one_per_city_year")]

    def __str__(self) -> str:
        return f"{self.year}年帮扶目标"

    def audit_district_id(self) -> int | None:
        return None


class YearPlan(AuditedModel):
    """A district's yearly plan (年度帮扶计划表): how many help and are helped, with their names."""

    class State(models.TextChoices):
        DRAFT = "draft", _("填写中")
        SUBMITTED = "submitted", _("已上报")

    district = models.ForeignKey(
        "kindergartens.Bureau", verbose_name=_("区县"), on_delete=models.PROTECT, related_name="pairing_plans"
    )
    year = models.PositiveSmallIntegerField(_("年度"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    helping_count = models.PositiveIntegerField(_("参与帮扶园数"))
    helped_count = models.PositiveIntegerField(_("被帮扶园数"))
    note = models.CharField(_("说明"), max_length=500, blank=True)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.DRAFT)
    submitted_at = models.DateTimeField(_("上报时间"), null=True, blank=True)
    kindergartens = models.ManyToManyField(
        "kindergartens.Kindergarten", verbose_name=_("名单"), through="PlanEntry", related_name="+"
    )

    objects = AuditedManager()

    class Meta:
        verbose_name = _("年度帮扶计划")
        verbose_name_plural = _("年度帮扶计划")
        ordering = ["-year", "district"]
        constraints = [models.UniqueConstraint(fields=["district", "year"], name="pairing_plan_one_per_district_year")]

    def __str__(self) -> str:
        return f"{self.year}年帮扶计划"

    def audit_district_id(self) -> int | None:
        return self.district_id


class PlanEntry(AuditedModel):
    """One kindergarten named in a plan, on one side."""

    plan = models.ForeignKey(YearPlan, verbose_name=_("帮扶计划"), on_delete=models.CASCADE, related_name="entries")
    kindergarten = models.ForeignKey(
        "kindergartens.Kindergarten", verbose_name=_("幼儿园"), on_delete=models.PROTECT, related_name="+"
    )
    side = models.CharField(_("类别"), max_length=10, choices=Side.choices)

    objects = AuditedManager()

    class Meta:
        verbose_name = _("计划名单")
        verbose_name_plural = _("计划名单")
        constraints = [models.UniqueConstraint(fields=["plan", "kindergarten"], name="pairing_plan_entry_once")]

    def __str__(self) -> str:
        return f"{self.get_side_display()}：{self.kindergarten}"

    def audit_district_id(self) -> int | None:
        return self.plan.district_id


class Agreement(AuditedModel):
    """A pairing agreement (帮扶协议). Never deleted: it ends as completed or ended early with a reason."""

    class State(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("待教育局确认")
        CONFIRMED = "confirmed", _("已确认（未到开始日期）")
        ACTIVE = "active", _("帮扶中")
        COMPLETED = "completed", _("已完成")
        ENDED = "ended", _("已提前终止")

    title = models.CharField(_("协议名称"), max_length=200)
    mode = models.CharField(_("帮扶方式"), max_length=20, choices=Mode.choices)
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"))
    forms = models.JSONField(_("帮扶形式"), default=list)
    rights_obligations = models.TextField(_("双方权利义务"))
    content = models.TextField(_("帮扶内容"))
    goals = models.TextField(_("帮扶目标与措施"))
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.DRAFT)
    # The district that drafted it (its bureau's lists); every party's district sees it too.
    district = models.ForeignKey(
        "kindergartens.Bureau", verbose_name=_("起草区县"), on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("起草人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("起草时间"), default=timezone.now)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    # When the last party's bureau confirmed: the agreement has reached the city (its date is judged on it).
    filed_at = models.DateTimeField(_("报市时间"), null=True, blank=True)
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    end_reason = models.CharField(_("提前终止原因"), max_length=500, blank=True)
    return_reason = models.CharField(_("退回理由"), max_length=500, blank=True)
    # The helped kindergartens' level, scores and open orders when the agreement became active.
    baseline = models.JSONField(_("帮扶前情况"), default=dict, blank=True)
    last_activity_on = models.DateField(_("最近活动日期"), null=True, blank=True)
    idle_flagged_on = models.DateField(_("无活动提醒日期"), null=True, blank=True)
    kindergartens = models.ManyToManyField(
        "kindergartens.Kindergarten", verbose_name=_("结对幼儿园"), through="AgreementParty", related_name="+"
    )

    objects = AuditedManager()

    class Meta:
        verbose_name = _("帮扶协议")
        verbose_name_plural = _("帮扶协议")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gt=models.F("start_date")), name="pairing_agreement_dates"),
            models.CheckConstraint(
                condition=~Q(state="ended") | ~Q(end_reason=""), name="pairing_agreement_ended_has_reason"
            ),
        ]
        indexes = [
            # The city overview and the monthly report: active agreements by state.
            models.Index(fields=["state", "start_date"], name="pairing_agreement_state_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def audit_district_id(self) -> int | None:
        return self.district_id

    @classmethod
    def audit_display_value(cls, field_name: str, value, entry) -> str | None:
        """History display hook (core.history): forms and the baseline read as words, not JSON."""
        if field_name == "forms" and isinstance(value, list):
            return "、".join(str(FORM_LABELS.get(v, "（未知形式）")) for v in value) or "—"
        if field_name == "baseline" and isinstance(value, dict):
            return "（帮扶前情况记录）" if value else "—"
        return None

    @property
    def is_open(self) -> bool:
        return self.state in (self.State.DRAFT, self.State.SUBMITTED)

    def form_labels(self) -> list[str]:
        return [str(FORM_LABELS.get(v, v)) for v in self.forms]


class AgreementParty(AuditedModel):
    agreement = models.ForeignKey(
        Agreement, verbose_name=_("帮扶协议"), on_delete=models.CASCADE, related_name="parties"
    )
    kindergarten = models.ForeignKey(
        "kindergartens.Kindergarten", verbose_name=_("幼儿园"), on_delete=models.PROTECT, related_name="pairing_parties"
    )
    side = models.CharField(_("类别"), max_length=10, choices=Side.choices)

    objects = AuditedManager()

    class Meta:
        verbose_name = _("协议结对方")
        verbose_name_plural = _("协议结对方")
        constraints = [models.UniqueConstraint(fields=["agreement", "kindergarten"], name="pairing_party_once")]
        indexes = [models.Index(fields=["kindergarten", "agreement"], name="pairing_party_kg_idx")]

    def __str__(self) -> str:
        return f"{self.get_side_display()}：{self.kindergarten}"

    def audit_district_id(self) -> int | None:
        return self.kindergarten.district_id


class Confirmation(AuditedModel):
    """One party district's bureau confirmed the agreement (both bureaus for a cross-district one)."""

    agreement = models.ForeignKey(
        Agreement, verbose_name=_("帮扶协议"), on_delete=models.PROTECT, related_name="confirmations"
    )
    district = models.ForeignKey(
        "kindergartens.Bureau", verbose_name=_("区县"), on_delete=models.PROTECT, related_name="+"
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("确认人"), on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(_("确认时间"), default=timezone.now)

    objects = AuditedManager()

    class Meta:
        verbose_name = _("协议确认")
        verbose_name_plural = _("协议确认")
        ordering = ["confirmed_at", "id"]
        constraints = [models.UniqueConstraint(fields=["agreement", "district"], name="pairing_confirm_once")]

    def __str__(self) -> str:
        return f"{self.district}确认"

    def audit_district_id(self) -> int | None:
        return self.district_id


class Activity(AuditedModel):
    """One pairing activity, logged by either side."""

    agreement = models.ForeignKey(
        Agreement, verbose_name=_("帮扶协议"), on_delete=models.PROTECT, related_name="activities"
    )
    date = models.DateField(_("活动日期"))
    form = models.CharField(_("帮扶形式"), max_length=20, choices=Form.choices)
    helping_people = models.PositiveIntegerField(_("帮扶园参与人数"))
    helped_people = models.PositiveIntegerField(_("被帮扶园参与人数"))
    hours = models.DecimalField(
        _("时长（小时）"),
        max_digits=5,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(Decimal("240"))],
    )
    content = models.TextField(_("活动内容"))
    kindergarten = models.ForeignKey(
        "kindergartens.Kindergarten", verbose_name=_("登记园"), on_delete=models.PROTECT, related_name="+"
    )
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+"
    )
    logged_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    objects = AuditedManager()

    class Meta:
        verbose_name = _("帮扶活动")
        verbose_name_plural = _("帮扶活动")
        ordering = ["-date", "-id"]
        indexes = [
            # The monthly report and the overview: activities of a month, by agreement.
            models.Index(fields=["date", "agreement"], name="pairing_activity_date_idx"),
            models.Index(fields=["agreement", "-date"], name="pairing_activity_agr_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y年%m月%d日}{self.get_form_display()}"

    def audit_district_id(self) -> int | None:
        return self.kindergarten.district_id


def pairing_file_path(instance, filename: str) -> str:
    extension = {"image/jpeg": ".jpg", "image/png": ".png", "application/pdf": ".pdf"}.get(instance.content_type, "")
    return f"pairing/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{extension}"


class PairingFile(AuditedModel):
    """The signed agreement or an activity's evidence; content-checked (supervision.evidence) before it is kept."""

    class Kind(models.TextChoices):
        SIGNED = "signed", _("签字盖章的协议")
        EVIDENCE = "evidence", _("活动佐证材料")

    agreement = models.ForeignKey(Agreement, verbose_name=_("帮扶协议"), on_delete=models.PROTECT, related_name="files")
    activity = models.ForeignKey(
        Activity, verbose_name=_("帮扶活动"), null=True, blank=True, on_delete=models.PROTECT, related_name="files"
    )
    kind = models.CharField(_("类别"), max_length=10, choices=Kind.choices)
    file = models.FileField(_("文件"), upload_to=pairing_file_path, max_length=200)
    original_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(
        _("文件类型"),
        max_length=50,
        choices=[("image/jpeg", _("照片")), ("image/png", _("图片")), ("application/pdf", _("文档"))],
    )
    size = models.PositiveIntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("校验值"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    objects = AuditedManager()

    class Meta:
        verbose_name = _("帮扶文件")
        verbose_name_plural = _("帮扶文件")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        # The history's object column: the name a person gave, without the extension.
        return self.original_name.rsplit(".", 1)[0] or "帮扶文件"

    def audit_district_id(self) -> int | None:
        return self.agreement.district_id

    @classmethod
    def audit_display_value(cls, field_name: str, value, entry) -> str | None:
        """History: never a storage path or a checksum; the name a person gave without its extension."""
        if field_name == "file":
            return "文件已保存" if value else "文件已删除"
        if field_name == "sha256":
            return "（已记录）"
        if field_name == "original_name":
            return str(value).rsplit(".", 1)[0] or "—"
        return None
