"""教职工: people (one per city), their employments, certificates, record checks, ethics and training.

A ``Person`` is one record across the whole city, found by the keyed hash of the ID number;
``Employment`` links a person to a kindergarten and a post with hire and leave dates, so a move
keeps the history. The full ID number is stored once, never written to the audit trail (the
masked form is) and shown only through ``staffing.access.id_number_reveal``, which records
every reveal.
"""

from __future__ import annotations

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.audit import AuditedManager, AuditedModel
from kindergartens.models import Bureau, Kindergarten


class Post(models.TextChoices):
    """岗位 (DOMAIN §4). 安全员 is a duty held by a staff member, not a post."""

    PRINCIPAL = "principal", _("园长")
    VICE_PRINCIPAL = "vice_principal", _("副园长")
    TEACHER = "teacher", _("专任教师")
    CAREGIVER = "caregiver", _("保育员")
    DOCTOR = "doctor", _("卫生保健人员（医师）")
    NURSE = "nurse", _("卫生保健人员（护士）")
    HEALTH_WORKER = "health_worker", _("卫生保健人员（保健员）")
    COOK = "cook", _("炊事员")
    GUARD = "guard", _("保安员")
    FINANCE = "finance", _("财会人员")
    ADMINISTRATION = "administration", _("行政人员")
    OTHER = "other", _("其他")


HEALTH_POSTS = (Post.DOCTOR, Post.NURSE, Post.HEALTH_WORKER)
PRINCIPAL_POSTS = (Post.PRINCIPAL, Post.VICE_PRINCIPAL)
# 保教人员 (care-and-teaching staff) in the staffing standard: teachers and caregivers.
CARE_TEACHING_POSTS = (Post.TEACHER, Post.CAREGIVER)
# Posts whose changes private kindergartens file within one month ([002]).
FILED_POSTS = (Post.TEACHER,)


class Gender(models.TextChoices):
    MALE = "male", _("男")
    FEMALE = "female", _("女")


class Education(models.TextChoices):
    POSTGRADUATE = "postgraduate", _("研究生")
    BACHELOR = "bachelor", _("本科")
    JUNIOR_COLLEGE = "junior_college", _("专科")
    SECONDARY = "secondary", _("中专/高中")
    BELOW = "below", _("高中以下")


class Title(models.TextChoices):
    NONE = "none", _("未评职称")
    SENIOR_HIGH = "senior_high", _("正高级教师")
    SENIOR = "senior", _("高级教师")
    FIRST = "first", _("一级教师")
    SECOND = "second", _("二级教师")
    THIRD = "third", _("三级教师")


class Backbone(models.TextChoices):
    NONE = "", _("无")
    CITY = "city", _("市级骨干教师")
    DISTRICT = "district", _("区级骨干教师")


class PostType(models.TextChoices):
    ESTABLISHED = "established", _("在编")
    NOT_ESTABLISHED = "not_established", _("非在编")
    CONTROLLED = "controlled", _("控制总量")


class Person(AuditedModel):
    """One person across a city's kindergartens, identified by the ID number's keyed hash."""

    city = models.ForeignKey(Bureau, verbose_name=_("所属城市"), on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("姓名"), max_length=50)
    # The full number: never audited in clear (id_masked is), never in a serializer or a list.
    id_number = models.CharField(_("身份证号码"), max_length=18)
    id_masked = models.CharField(_("身份证号码"), max_length=18)
    id_hash = models.CharField(_("身份证号码摘要"), max_length=64, editable=False)
    gender = models.CharField(_("性别"), max_length=6, choices=Gender.choices)
    birth_date = models.DateField(_("出生日期"))
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    education = models.CharField(_("学历"), max_length=20, choices=Education.choices, blank=True)
    title = models.CharField(_("职称"), max_length=20, choices=Title.choices, blank=True)
    backbone = models.CharField(_("骨干教师"), max_length=10, choices=Backbone.choices, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = AuditedManager()

    audit_exclude = frozenset({"id_number", "id_hash"})
    audit_ignore = frozenset({"updated_at"})

    class Meta:
        verbose_name = _("教职工")
        verbose_name_plural = _("教职工")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["city", "id_hash"], name="person_unique_id_per_city"),
        ]
        indexes = [
            # The blacklist and duplicate look-ups: WHERE id_hash=? (every city).
            models.Index(fields=["id_hash"], name="person_id_hash_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class Employment(AuditedModel):
    """A person's post at a kindergarten from ``hire_date`` to ``leave_date`` (open while working)."""

    person = models.ForeignKey(Person, verbose_name=_("人员"), on_delete=models.PROTECT, related_name="employments")
    kindergarten = models.ForeignKey(
        Kindergarten, verbose_name=_("幼儿园"), on_delete=models.PROTECT, related_name="employments"
    )
    post = models.CharField(_("岗位"), max_length=20, choices=Post.choices)
    is_safety_officer = models.BooleanField(_("兼任安全员"), default=False)
    post_type = models.CharField(_("编制情况"), max_length=20, choices=PostType.choices)
    social_insurance = models.BooleanField(_("已缴纳社会保险"), default=False)
    hire_date = models.DateField(_("入职日期"))
    leave_date = models.DateField(_("离职日期"), null=True, blank=True)
    leave_reason = models.CharField(_("离职原因"), max_length=200, blank=True)
    # The registry's rule (kindergartens.services.filings.filed_late): recorded more than one
    # month after the change took effect.
    hire_filed_late = models.BooleanField(_("入职逾期备案"), default=False)
    leave_filed_late = models.BooleanField(_("离职逾期备案"), default=False)
    recorded_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = AuditedManager()

    class Meta:
        verbose_name = _("任职记录")
        verbose_name_plural = _("任职记录")
        ordering = ["-hire_date", "-id"]
        constraints = [
            # A person works in one post at one kindergarten at a time.
            models.UniqueConstraint(
                fields=["person"], condition=Q(leave_date__isnull=True), name="employment_one_open"
            ),
            # One principal in office per kindergarten (the registry's 园长 is the same fact).
            models.UniqueConstraint(
                fields=["kindergarten"],
                condition=Q(leave_date__isnull=True, post="principal"),
                name="employment_one_principal",
            ),
            models.CheckConstraint(
                condition=Q(leave_date__isnull=True) | Q(leave_date__gte=models.F("hire_date")),
                name="employment_leave_after_hire",
            ),
        ]
        indexes = [
            # A kindergarten's roster and the standards' counts: WHERE kindergarten_id=? AND leave_date IS NULL.
            models.Index(
                fields=["kindergarten", "post"], condition=Q(leave_date__isnull=True), name="employment_open_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person.name} {self.get_post_display()}"

    def audit_district_id(self) -> int | None:
        return self.kindergarten.district_id

    @property
    def is_open(self) -> bool:
        return self.leave_date is None


class CertificateKind(AuditedModel):
    """A kind of certificate and the posts that need it (configurable; defaults from the issue)."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("证书名称"), max_length=60, unique=True)
    # Post values that need it; ``for_all_posts`` overrides (the yearly staff health certificate).
    required_for = models.JSONField(_("需持证岗位"), default=list, blank=True)
    for_all_posts = models.BooleanField(_("全体教职工须持有"), default=False)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    # The code is the program's key for a kind (the defaults are found by it), never shown to a clerk.
    audit_ignore = frozenset({"code"})

    objects = AuditedManager()

    class Meta:
        verbose_name = _("证书类型")
        verbose_name_plural = _("证书类型")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def audit_display_value(cls, field_name: str, value, entry) -> str | None:
        """The posts that need the certificate by their names (the trail stores the post values)."""
        if field_name == "required_for" and isinstance(value, list):
            labels = dict(Post.choices)
            return "、".join(str(labels.get(v, v)) for v in value) or "—"
        return None

    def required_for_post(self, post: str) -> bool:
        return self.for_all_posts or post in (self.required_for or [])


def certificate_scan_path(instance, filename: str) -> str:
    """A random name under staffing/scans/: the uploader's file name is kept as text only."""
    import uuid

    extension = {"image/jpeg": ".jpg", "image/png": ".png", "application/pdf": ".pdf"}.get(instance.scan_type, "")
    return f"staffing/scans/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{extension}"


class Certificate(AuditedModel):
    person = models.ForeignKey(Person, verbose_name=_("人员"), on_delete=models.PROTECT, related_name="certificates")
    kind = models.ForeignKey(CertificateKind, verbose_name=_("证书类型"), on_delete=models.PROTECT, related_name="+")
    number = models.CharField(_("证书编号"), max_length=60)
    issuer = models.CharField(_("发证机关"), max_length=100, blank=True)
    issued_on = models.DateField(_("发证日期"))
    expires_on = models.DateField(_("有效期至"), null=True, blank=True)  # empty: does not expire
    # The scan (扫描件): JPEG, PNG or PDF recognised from its content (supervision.evidence), served
    # only through staffing.views.certificate_scan to those who see the person.
    scan = models.FileField(_("扫描件"), upload_to=certificate_scan_path, blank=True, max_length=200)
    scan_type = models.CharField(
        _("扫描件类型"),
        max_length=40,
        blank=True,
        choices=[("image/jpeg", _("JPG 图片")), ("image/png", _("PNG 图片")), ("application/pdf", _("PDF 文件"))],
    )
    scan_name = models.CharField(_("扫描件文件名"), max_length=200, blank=True)
    recorded_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = AuditedManager()

    # The stored path is a random name, not something a clerk reads: the history shows the file name.
    audit_exclude = frozenset({"scan"})

    class Meta:
        verbose_name = _("证书")
        verbose_name_plural = _("证书")
        ordering = ["kind__order", "-issued_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gte=models.F("issued_on")),
                name="certificate_expires_after_issue",
            ),
        ]
        indexes = [
            # Holding checks: WHERE person_id=? AND kind_id=? AND (expires_on IS NULL OR expires_on >= today).
            models.Index(fields=["person", "kind", "expires_on"], name="certificate_holding_idx"),
            # Expiring lists: WHERE expires_on BETWEEN today AND today + N ORDER BY expires_on.
            models.Index(fields=["expires_on"], name="certificate_expiry_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.person.name} {self.kind.name}"


class RecordCheck(AuditedModel):
    """入职查询 (学前教育法 art. 44, 未成年人保护法 art. 62): before hiring and every year."""

    class Kind(models.TextChoices):
        PRE_HIRE = "pre_hire", _("入职前查询")
        YEARLY = "yearly", _("年度查询")

    class Result(models.TextChoices):
        CLEAR = "clear", _("无违法犯罪记录")
        RECORD = "record", _("有相关违法犯罪记录")

    person = models.ForeignKey(Person, verbose_name=_("人员"), on_delete=models.PROTECT, related_name="record_checks")
    kind = models.CharField(_("查询类型"), max_length=10, choices=Kind.choices)
    checked_on = models.DateField(_("查询日期"))
    result = models.CharField(_("查询结果"), max_length=10, choices=Result.choices)
    authority = models.CharField(_("查询机关"), max_length=100, blank=True)
    recorded_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = AuditedManager()

    class Meta:
        verbose_name = _("入职查询")
        verbose_name_plural = _("入职查询")
        ordering = ["-checked_on", "-id"]
        indexes = [models.Index(fields=["person", "-checked_on"], name="record_check_person_idx")]

    def __str__(self) -> str:
        return f"{self.person.name} {self.get_kind_display()}（{self.checked_on:%Y-%m-%d}）"


class Sanction(models.TextChoices):
    """师德失范处分 and how long each lasts (months; 开除 is final)."""

    WARNING = "warning", _("警告")
    DEMERIT = "demerit", _("记过")
    DEMOTION = "demotion", _("降低岗位等级或撤职")
    DISMISSAL = "dismissal", _("开除")


SANCTION_MONTHS = {Sanction.WARNING: 6, Sanction.DEMERIT: 12, Sanction.DEMOTION: 24, Sanction.DISMISSAL: None}


class Misconduct(AuditedModel):
    """师德失范 record, kept by the district bureau. A veto (一票否决) blacklists the person in every district."""

    person = models.ForeignKey(Person, verbose_name=_("人员"), on_delete=models.PROTECT, related_name="misconduct")
    district = models.ForeignKey(Bureau, verbose_name=_("处理区县"), on_delete=models.PROTECT, related_name="+")
    kindergarten = models.ForeignKey(
        Kindergarten, verbose_name=_("发生单位"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    occurred_on = models.DateField(_("发生日期"))
    decided_on = models.DateField(_("处理日期"))
    description = models.CharField(_("情况说明"), max_length=500)
    sanction = models.CharField(_("处分"), max_length=10, choices=Sanction.choices)
    sanction_until = models.DateField(_("处分期至"), null=True, blank=True)
    veto = models.BooleanField(_("一票否决（列入黑名单）"), default=False)
    recorded_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = AuditedManager()

    class Meta:
        verbose_name = _("师德失范记录")
        verbose_name_plural = _("师德失范记录")
        ordering = ["-decided_on", "-id"]
        indexes = [
            # The blacklist check: WHERE person_id IN (people with this id_hash) AND veto.
            models.Index(fields=["person"], condition=Q(veto=True), name="misconduct_veto_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.person.name} {self.get_sanction_display()}（{self.decided_on:%Y-%m-%d}）"

    def audit_district_id(self) -> int | None:
        return self.district_id

    @staticmethod
    def sanction_end(sanction: str, decided_on):
        months = SANCTION_MONTHS.get(Sanction(sanction))
        return decided_on + relativedelta(months=months) if months else None


class Training(AuditedModel):
    """Continuing education (继续教育): hours completed on a day."""

    person = models.ForeignKey(Person, verbose_name=_("人员"), on_delete=models.PROTECT, related_name="trainings")
    title = models.CharField(_("培训名称"), max_length=100)
    provider = models.CharField(_("培训机构"), max_length=100, blank=True)
    completed_on = models.DateField(_("完成日期"))
    hours = models.DecimalField(_("学时"), max_digits=6, decimal_places=1)
    recorded_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = AuditedManager()

    class Meta:
        verbose_name = _("培训记录")
        verbose_name_plural = _("培训记录")
        ordering = ["-completed_on", "-id"]
        constraints = [models.CheckConstraint(condition=Q(hours__gt=0), name="training_hours_positive")]
        indexes = [models.Index(fields=["person", "completed_on"], name="training_person_idx")]

    def __str__(self) -> str:
        return f"{self.person.name} {self.title}"


class StaffingPolicy(AuditedModel):
    """A district's configurable numbers (DOMAIN §4: 360 hours per 5 years is the common rule)."""

    district = models.OneToOneField(Bureau, verbose_name=_("区县"), on_delete=models.PROTECT, related_name="+")
    training_hours = models.PositiveIntegerField(_("五年培训学时要求"), default=360)
    training_years = models.PositiveSmallIntegerField(_("培训周期（年）"), default=5)
    # Which posts need which certificate in this district where it differs from the city-wide
    # defaults (CertificateKind): {"<kind id>": {"posts": [post values], "all": bool}}. A kind not
    # named follows the defaults (staffing.selectors.requirements_for).
    certificate_requirements = models.JSONField(_("本区县调整的持证要求"), default=dict, blank=True)

    objects = AuditedManager()

    class Meta:
        verbose_name = _("教职工管理设置")
        verbose_name_plural = _("教职工管理设置")

    def __str__(self) -> str:
        return f"{self.district} 教职工管理设置"

    @classmethod
    def audit_display_value(cls, field_name: str, value, entry) -> str | None:
        """The district's certificate requirements as sentences (the trail stores ids and post values)."""
        if field_name != "certificate_requirements":
            return None
        if not value:
            return "全部按全市默认"
        names = dict(CertificateKind.objects.values_list("pk", "name"))
        labels = dict(Post.choices)
        parts = []
        for kind_id, rule in sorted(value.items(), key=lambda item: str(item[0])):
            name = names.get(int(kind_id), "已删除的证书类型") if str(kind_id).isdigit() else "已删除的证书类型"
            if rule.get("all"):
                posts = "全体教职工"
            else:
                posts = "、".join(str(labels.get(p, p)) for p in rule.get("posts", [])) or "不作要求"
            parts.append(f"{name}：{posts}")
        return "；".join(parts)

    def audit_district_id(self) -> int | None:
        return self.district_id


class IdReveal(AuditedModel):
    """One showing of a full ID number: who, whose, when, where (the page or the export)."""

    person = models.ForeignKey(Person, verbose_name=_("人员"), on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("查看人"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("查看时间"), default=timezone.now)
    purpose = models.CharField(_("用途"), max_length=60)

    objects = AuditedManager()

    class Meta:
        verbose_name = _("身份证号码查看记录")
        verbose_name_plural = _("身份证号码查看记录")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.person.name}（{timezone.localtime(self.at):%Y-%m-%d %H:%M}）"


class StaffImport(models.Model):
    """A checked staff roster upload waiting for confirmation (only a file with no problems is kept).

    ``rows`` holds the parsed rows; the full ID numbers of people new to the city are in it until
    the import is applied, then they are removed (``staffing.imports.staff_import_apply``).
    Not audited: the people, employments and changes it writes are.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("待确认")
        APPLIED = "applied", _("已导入")

    kindergarten = models.ForeignKey(Kindergarten, verbose_name=_("幼儿园"), on_delete=models.PROTECT, related_name="+")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)
    filename = models.CharField(_("文件名"), max_length=200)
    rows = models.JSONField(_("解析结果"), default=list)
    summary = models.JSONField(_("预览统计"), default=dict)  # {"create": n, "update": n, "unchanged": n}
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.PENDING)
    applied_at = models.DateTimeField(_("导入时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("教职工名册导入")
        verbose_name_plural = _("教职工名册导入")
        ordering = ["-uploaded_at", "-id"]

    def __str__(self) -> str:
        return f"{self.filename}（{timezone.localtime(self.uploaded_at):%Y-%m-%d %H:%M}）"
