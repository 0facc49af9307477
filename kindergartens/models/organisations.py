from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.audit import AuditedManager, AuditedModel
from core.collation import PINYIN_COLLATION

# Suffixes of a bureau's name that are not part of the place: 大洼区教育局 → 大洼区.
BUREAU_NAME_SUFFIXES = ("教育和体育局", "教育体育局", "教育委员会", "教育局", "教体局", "教委")


def area_name(bureau_name: str) -> str:
    """The district (or city) a bureau governs, from its name: 大洼区教育局 → 大洼区."""
    for suffix in BUREAU_NAME_SUFFIXES:
        if bureau_name.endswith(suffix) and len(bureau_name) > len(suffix):
            return bureau_name.removesuffix(suffix)
    return bureau_name


class Bureau(AuditedModel):
    """An education bureau: a city bureau or a district/county bureau under it."""

    class Level(models.TextChoices):
        CITY = "city", _("市级")
        DISTRICT = "district", _("区县级")

    name = models.CharField(_("名称"), max_length=100, db_collation=PINYIN_COLLATION)
    level = models.CharField(_("级别"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级教育局"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    division_code = models.CharField(_("行政区划代码"), max_length=6, blank=True)
    province = models.CharField(_("省份"), max_length=20, blank=True)

    objects = AuditedManager()

    class Meta:
        verbose_name = _("教育局")
        verbose_name_plural = _("教育局")
        ordering = ["level", "name"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(level="city") & Q(parent__isnull=True)) | (Q(level="district") & Q(parent__isnull=False)),
                name="bureau_city_top_district_under_city",
            ),
            models.UniqueConstraint(fields=["parent", "name"], name="bureau_unique_name_per_parent"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def area_name(self) -> str:
        """The place this bureau governs (所属区县 shows 大洼区, not 大洼区教育局)."""
        return area_name(self.name)

    def audit_district_id(self) -> int | None:
        return self.pk if self.level == self.Level.DISTRICT else None


class UrbanRural(models.TextChoices):
    """城乡分类代码 (统计用城乡划分代码): 1xx urban, 2xx rural."""

    MAIN_URBAN = "111", _("111 主城区")
    URBAN_FRINGE = "112", _("112 城乡结合区")
    TOWN_CENTRE = "121", _("121 镇中心区")
    TOWN_FRINGE = "122", _("122 镇乡结合区")
    SPECIAL = "123", _("123 特殊区域")
    VILLAGE_CENTRE = "210", _("210 乡中心区")
    VILLAGE = "220", _("220 村庄")


class Township(AuditedModel):
    """A 街道/乡镇 inside a district, with its urban-rural code."""

    district = models.ForeignKey(Bureau, verbose_name=_("区县"), on_delete=models.PROTECT, related_name="townships")
    name = models.CharField(_("名称"), max_length=100, db_collation=PINYIN_COLLATION)
    code = models.CharField(_("统计用区划代码"), max_length=12, blank=True)
    urban_rural_code = models.CharField(_("城乡分类代码"), max_length=3, choices=UrbanRural.choices)

    objects = AuditedManager()

    class Meta:
        verbose_name = _("街道/乡镇")
        verbose_name_plural = _("街道/乡镇")
        ordering = ["district", "name"]
        constraints = [models.UniqueConstraint(fields=["district", "name"], name="township_unique_name_per_district")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_rural(self) -> bool:
        return self.urban_rural_code.startswith("2")

    def audit_district_id(self) -> int | None:
        return self.district_id


class CollaborationGroup(AuditedModel):
    """协作组/学区: an optional grouping of kindergartens inside a district, with a leader."""

    district = models.ForeignKey(
        Bureau, verbose_name=_("区县"), on_delete=models.PROTECT, related_name="collaboration_groups"
    )
    name = models.CharField(_("名称"), max_length=100, db_collation=PINYIN_COLLATION)
    leader = models.ForeignKey(
        "Kindergarten",
        verbose_name=_("牵头园"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_groups",
    )

    objects = AuditedManager()

    class Meta:
        verbose_name = _("协作组")
        verbose_name_plural = _("协作组")
        ordering = ["district", "name"]
        constraints = [models.UniqueConstraint(fields=["district", "name"], name="group_unique_name_per_district")]

    def __str__(self) -> str:
        return self.name

    def audit_district_id(self) -> int | None:
        return self.district_id
