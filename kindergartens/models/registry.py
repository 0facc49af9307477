"""The kindergarten record (DOMAIN §3): identity, sponsor, nature and status over time, classes."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.audit import AuditedManager, AuditedModel
from core.collation import PINYIN_COLLATION

from ..validators import validate_credit_code
from .organisations import Bureau, CollaborationGroup, Township


class Nature(models.TextChoices):
    PUBLIC = "public", _("公办")
    INCLUSIVE_PRIVATE = "inclusive_private", _("普惠性民办")
    PRIVATE = "private", _("非普惠性民办")
    COMMUNITY = "community", _("社区办园点")
    UNLICENSED = "unlicensed", _("无证园")


INCLUSIVE_NATURES = (Nature.PUBLIC, Nature.INCLUSIVE_PRIVATE)  # 普惠性 = 公办 + 普惠性民办 (学前教育法 art. 23)


class Status(models.TextChoices):
    PREPARING = "preparing", _("筹设")
    OPERATING = "operating", _("在办")
    RECTIFYING = "rectifying", _("整改")
    SUSPENDED = "suspended", _("停办")
    CLOSED = "closed", _("注销")


# Statuses in which a kindergarten enrols children and so counts in reports.
OPERATING_STATUSES = (Status.OPERATING, Status.RECTIFYING)


class Sponsor(models.TextChoices):
    EDUCATION = "education", _("教育部门办")
    OTHER_DEPARTMENT = "other_department", _("其他部门办")
    LOCAL_ENTERPRISE = "local_enterprise", _("地方企业办")
    PUBLIC_INSTITUTION = "public_institution", _("事业单位办")
    MILITARY = "military", _("部队办")
    COLLECTIVE = "collective", _("集体办")
    PRIVATE = "private", _("民办")


class Schedule(models.TextChoices):
    """办园形式 (幼儿园工作规程 art. 11): 全日制、半日制、定时制、季节制、寄宿制."""

    FULL_DAY = "full_day", _("全日制")
    HALF_DAY = "half_day", _("半日制")
    HOURLY = "hourly", _("定时制")
    SEASONAL = "seasonal", _("季节制")
    BOARDING = "boarding", _("寄宿制")


class PartyOrganisation(models.TextChoices):
    INDEPENDENT = "independent", _("独立党组织")
    JOINT = "joint", _("联合党组织")
    INSTRUCTOR = "instructor", _("党建指导员")
    NONE = "none", _("暂无")


# Neutral names for a new district's credit grades: the designations of (seriously) untrustworthy
# subjects are legal ones that a bureau applies by its own procedure, so the product never ships them.
DEFAULT_CREDIT_GRADES: tuple[tuple[str, int], ...] = (("A 级", 4), ("B 级", 3), ("C 级", 2), ("D 级", 1))
# The letters the record held before (kindergartens 0006), as old audit entries still show them.
LEGACY_CREDIT_LETTERS = {"A": "A 级", "B": "B 级", "C": "C 级", "D": "D 级"}


class Level(AuditedModel):
    """级类/星级: a per-province vocabulary the bureau admin keeps (北京 一级一类…, 辽宁 一星…五星)."""

    province = models.CharField(_("省份"), max_length=20)
    name = models.CharField(_("等级名称"), max_length=50)
    rank = models.PositiveSmallIntegerField(_("排序（数字越大等级越高）"), default=0)
    description = models.CharField(_("说明"), max_length=200, blank=True)
    is_active = models.BooleanField(_("在用"), default=True)

    objects = AuditedManager()

    class Meta:
        verbose_name = _("幼儿园等级")
        verbose_name_plural = _("幼儿园等级")
        ordering = ["province", "-rank", "name"]
        constraints = [models.UniqueConstraint(fields=["province", "name"], name="level_unique_name_per_province")]

    def __str__(self) -> str:
        return self.name


class CreditGrade(AuditedModel):
    """信用等级: a vocabulary each district bureau keeps (its admin adds, renames, retires grades)."""

    district = models.ForeignKey(Bureau, verbose_name=_("区县"), on_delete=models.PROTECT, related_name="credit_grades")
    name = models.CharField(_("信用等级名称"), max_length=50)
    rank = models.PositiveSmallIntegerField(_("排序（数字越大等级越高）"), default=0)
    description = models.CharField(_("说明"), max_length=200, blank=True)
    is_active = models.BooleanField(_("在用"), default=True)

    objects = AuditedManager()

    class Meta:
        verbose_name = _("信用等级")
        verbose_name_plural = _("信用等级")
        ordering = ["district", "-rank", "name"]
        constraints = [
            models.UniqueConstraint(fields=["district", "name"], name="credit_grade_unique_name_per_district")
        ]

    def __str__(self) -> str:
        return self.name

    def audit_district_id(self) -> int | None:
        return self.district_id


class Kindergarten(AuditedModel):
    """A kindergarten: the bureau's book of record. Status and nature also keep a dated history."""

    # identity
    name = models.CharField(_("园所名称"), max_length=100, db_collation=PINYIN_COLLATION)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True, validators=[validate_credit_code])
    licence_number = models.CharField(_("办学许可证号"), max_length=50, blank=True)
    licence_valid_until = models.DateField(_("办学许可证有效期至"), null=True, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    district = models.ForeignKey(
        Bureau, verbose_name=_("所属区县"), on_delete=models.PROTECT, related_name="kindergartens"
    )
    township = models.ForeignKey(
        Township, verbose_name=_("街道/乡镇"), on_delete=models.PROTECT, related_name="kindergartens"
    )
    collaboration_group = models.ForeignKey(
        CollaborationGroup,
        verbose_name=_("协作组"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="kindergartens",
    )
    # sponsor, nature, status (current values; history in KindergartenStatusChange)
    sponsor = models.CharField(_("举办者类型"), max_length=20, choices=Sponsor.choices, blank=True)
    sponsor_name = models.CharField(_("举办者名称"), max_length=100, blank=True)
    nature = models.CharField(_("办园性质"), max_length=20, choices=Nature.choices)
    inclusive_recognised_on = models.DateField(_("普惠性民办认定日期"), null=True, blank=True)
    status = models.CharField(_("办园状态"), max_length=20, choices=Status.choices, default=Status.OPERATING)
    schedule = models.CharField(_("办园形式"), max_length=20, choices=Schedule.choices, default=Schedule.FULL_DAY)
    level = models.ForeignKey(
        Level, verbose_name=_("等级"), null=True, blank=True, on_delete=models.PROTECT, related_name="kindergartens"
    )
    # places and fees
    capacity = models.PositiveIntegerField(_("学位数"), default=0)
    fee_monthly = models.DecimalField(_("保教费（元/月）"), max_digits=8, decimal_places=2, null=True, blank=True)
    fee_government_guided = models.BooleanField(_("执行政府指导价"), default=False)
    # governance
    principal_name = models.CharField(_("园长姓名"), max_length=50, blank=True)
    principal_since = models.DateField(_("园长任职日期"), null=True, blank=True)
    has_parent_committee = models.BooleanField(_("已成立家长委员会"), default=False)
    legal_vice_principal = models.CharField(_("法治副园长"), max_length=50, blank=True)
    medical_partner = models.CharField(_("医教联合体结对医疗机构"), max_length=100, blank=True)
    party_organisation = models.CharField(_("党组织设置"), max_length=20, choices=PartyOrganisation.choices, blank=True)
    credit_rating = models.ForeignKey(
        CreditGrade,
        verbose_name=_("信用等级"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="kindergartens",
    )

    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = AuditedManager()

    audit_ignore = frozenset({"updated_at"})

    class Meta:
        verbose_name = _("幼儿园")
        verbose_name_plural = _("幼儿园")
        ordering = ["name", "id"]
        permissions = [("supervise_kindergarten", _("担任责任督学"))]
        constraints = [
            models.UniqueConstraint(fields=["district", "name"], name="kindergarten_unique_name_per_district"),
            # Re-imports update by credit code: one kindergarten per code, blanks allowed.
            models.UniqueConstraint(
                fields=["credit_code"], condition=~Q(credit_code=""), name="kindergarten_unique_credit_code"
            ),
            models.CheckConstraint(
                condition=~Q(nature="inclusive_private") | Q(inclusive_recognised_on__isnull=False),
                name="kindergarten_inclusive_private_has_recognition_date",
            ),
        ]
        indexes = [
            # The district list page: WHERE district_id=? ORDER BY name, id.
            models.Index(fields=["district", "name", "id"], name="kg_district_name_idx"),
            # City-wide lists: ORDER BY name, id over every district (pinyin, the column's collation). The
            # district, status and nature ride along (INCLUDE) so that the list's filters are judged on
            # the index alone, without reading each row walked past (an index-only scan): the city's
            # list and its as-of list 0.3-0.8 ms less per page, rare filters up to 3 ms less.
            models.Index(fields=["name", "id"], include=["district", "status", "nature"], name="kg_name_cov_idx"),
            # Filtered lists: WHERE district_id=? AND nature=? / status=? ORDER BY name.
            models.Index(fields=["district", "nature", "name"], name="kg_district_nature_idx"),
            models.Index(fields=["district", "status", "name"], name="kg_district_status_idx"),
            # Search (name__icontains is UPPER(name) LIKE '%…%' on PostgreSQL): the index is not
            # what serves it, but it makes ANALYZE keep statistics for UPPER(name); without them
            # the planner guesses 0.5% of rows match and picks nested loops over 30,000 rows.
            models.Index(Upper("name"), name="kg_upper_name_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("kindergartens:detail", kwargs={"pk": self.pk})

    def audit_district_id(self) -> int | None:
        return self.district_id

    @classmethod
    def audit_display_value(cls, field_name: str, value, entry) -> str | None:
        # Entries written before 信用等级 became each district's vocabulary (migration 0006) hold the
        # old letter, not a grade's id: they read as the neutral grade the migration mapped it to.
        if field_name == "credit_rating" and isinstance(value, str):
            return LEGACY_CREDIT_LETTERS.get(value, value)
        return None

    @property
    def is_rural(self) -> bool:
        return self.township.is_rural

    @property
    def is_inclusive(self) -> bool:
        return self.nature in INCLUSIVE_NATURES


class KindergartenStatusChange(AuditedModel):
    """One dated change of a kindergarten's status or nature. Append-only: nothing is overwritten.

    ``effective_date`` is when it took effect (Asia/Shanghai calendar day), ``recorded_at``
    when the bureau recorded it; "what was true on day D" takes, per attribute, the row
    with the latest effective_date ≤ D (ties: the latest recorded).
    """

    class Attribute(models.TextChoices):
        STATUS = "status", _("办园状态")
        NATURE = "nature", _("办园性质")

    kindergarten = models.ForeignKey(
        Kindergarten, verbose_name=_("幼儿园"), on_delete=models.PROTECT, related_name="status_changes"
    )
    attribute = models.CharField(_("项目"), max_length=10, choices=Attribute.choices)
    value = models.CharField(_("值"), max_length=20)
    effective_date = models.DateField(_("生效日期"))
    recorded_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)

    objects = AuditedManager()

    class Meta:
        verbose_name = _("状态与性质变动")
        verbose_name_plural = _("状态与性质变动")
        ordering = ["-effective_date", "-recorded_at", "-id"]
        indexes = [
            # as-of look-ups: WHERE kindergarten_id=? AND attribute=? AND effective_date<=? ORDER BY effective_date DESC
            models.Index(
                fields=["kindergarten", "attribute", "-effective_date", "-recorded_at"], name="kg_statuschange_asof_idx"
            ),
            # selectors._changed_after: WHERE attribute=? AND effective_date > ? (the few changed since a day),
            # which selects only the kindergarten: with it in the index, PostgreSQL reads no table row (the
            # city's as-of list: 3-6 ms down to 1.7 ms; on SQLite the index is the same without it).
            models.Index(
                fields=["attribute", "effective_date"], include=["kindergarten"], name="kg_statuschange_date_cov_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kindergarten} {self.get_attribute_display()} → {self.value_label} ({self.effective_date})"

    def audit_district_id(self) -> int | None:
        return self.kindergarten.district_id

    @property
    def value_label(self) -> str:
        choices = Status if self.attribute == self.Attribute.STATUS else Nature
        try:
            return str(choices(self.value).label)
        except ValueError:
            return self.value

    @classmethod
    def audit_display_value(cls, field_name, value, entry):
        """``value`` is a Status or a Nature depending on ``attribute`` (core.history's hook).

        An entry that changed only the value does not carry the attribute; the two vocabularies
        share no value, so either one reads it then."""
        if field_name != "value":
            return None
        attribute = next((v for v in (entry.changes or {}).get("attribute", []) if v), None)
        vocabularies = {cls.Attribute.STATUS: (Status,), cls.Attribute.NATURE: (Nature,)}
        for choices in vocabularies.get(attribute, (Status, Nature)):
            if value in choices.values:
                return str(choices(value).label)
        return None


class ClassType(models.TextChoices):
    SMALL = "small", _("小班（3–4 岁）")
    MIDDLE = "middle", _("中班（4–5 岁）")
    LARGE = "large", _("大班（5–6 岁）")
    MIXED = "mixed", _("混合班")


class KindergartenClass(AuditedModel):
    """A class (班级) and its enrolled children; teachers and caregivers are assigned by staffing."""

    kindergarten = models.ForeignKey(
        Kindergarten, verbose_name=_("幼儿园"), on_delete=models.PROTECT, related_name="classes"
    )
    name = models.CharField(_("班级名称"), max_length=50)
    class_type = models.CharField(_("班级类型"), max_length=10, choices=ClassType.choices)
    children = models.PositiveIntegerField(_("在班幼儿数"), default=0)
    is_active = models.BooleanField(_("在用"), default=True)

    objects = AuditedManager()

    class Meta:
        verbose_name = _("班级")
        verbose_name_plural = _("班级")
        ordering = ["kindergarten", "class_type", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["kindergarten", "name"], condition=Q(is_active=True), name="class_unique_active_name"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kindergarten} {self.name}"

    def audit_district_id(self) -> int | None:
        return self.kindergarten.district_id


class Violation(AuditedModel):
    """违规查处: a violation found and the penalty; published ones appear on the public pages."""

    kindergarten = models.ForeignKey(
        Kindergarten, verbose_name=_("幼儿园"), on_delete=models.PROTECT, related_name="violations"
    )
    occurred_on = models.DateField(_("查处日期"))
    description = models.CharField(_("违规情形"), max_length=300)
    penalty = models.CharField(_("处理结果"), max_length=300)
    published = models.BooleanField(_("向社会公开"), default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = AuditedManager()

    class Meta:
        verbose_name = _("违规查处")
        verbose_name_plural = _("违规查处")
        ordering = ["-occurred_on", "-id"]

    def __str__(self) -> str:
        return f"{self.kindergarten} {self.occurred_on} {self.description[:20]}"

    def audit_district_id(self) -> int | None:
        return self.kindergarten.district_id


class AnnualInspectionResult(models.TextChoices):
    PASS = "pass", _("合格")
    BASIC = "basic", _("基本合格")
    FAIL = "fail", _("不合格")


class AnnualInspection(AuditedModel):
    """年检结果 for one year; published results appear on the public pages ([003])."""

    kindergarten = models.ForeignKey(
        Kindergarten, verbose_name=_("幼儿园"), on_delete=models.PROTECT, related_name="annual_inspections"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    result = models.CharField(_("年检结果"), max_length=10, choices=AnnualInspectionResult.choices)
    published = models.BooleanField(_("向社会公开"), default=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = AuditedManager()

    class Meta:
        verbose_name = _("年检结果")
        verbose_name_plural = _("年检结果")
        ordering = ["-year"]
        constraints = [models.UniqueConstraint(fields=["kindergarten", "year"], name="annual_inspection_one_per_year")]

    def __str__(self) -> str:
        return f"{self.kindergarten} {self.year} {self.get_result_display()}"

    def audit_district_id(self) -> int | None:
        return self.kindergarten.district_id
