from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.roles import BUREAU_ROLES, KINDERGARTEN_ROLES, Role
from core.audit import AuditedModel, AuditedQuerySet


class AuditedUserManager(UserManager.from_queryset(AuditedQuerySet)):
    pass


class User(AuditedModel, AbstractUser):
    """An account. It belongs to one bureau (city or district) or one kindergarten."""

    full_name = models.CharField(_("姓名"), max_length=50, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices, blank=True)
    bureau = models.ForeignKey(
        "kindergartens.Bureau",
        verbose_name=_("所属教育局"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    kindergarten = models.ForeignKey(
        "kindergartens.Kindergarten",
        verbose_name=_("所属幼儿园"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    must_change_password = models.BooleanField(_("下次登录须修改密码"), default=False)
    # The sign-in before the latest (last_login): what "上次登录" means to someone signed in now.
    previous_login = models.DateTimeField(_("上次登录"), null=True, blank=True, editable=False)

    objects = AuditedUserManager()

    audit_exclude = frozenset({"password"})
    audit_ignore = frozenset({"last_login", "previous_login"})

    class Meta:
        verbose_name = _("账号")
        verbose_name_plural = _("账号")
        ordering = ["username"]
        constraints = [
            # An account belongs to a bureau or a kindergarten, never both; the role says which.
            models.CheckConstraint(
                condition=~(Q(bureau__isnull=False) & Q(kindergarten__isnull=False)),
                name="user_one_organisation",
            ),
            models.CheckConstraint(
                condition=Q(kindergarten__isnull=True) | Q(role__in=sorted(r.value for r in KINDERGARTEN_ROLES)),
                name="user_kindergarten_role_matches",
            ),
            models.CheckConstraint(
                condition=Q(bureau__isnull=True) | Q(role__in=sorted(r.value for r in BUREAU_ROLES)),
                name="user_bureau_role_matches",
            ),
        ]
        indexes = [
            # Account list of a district: WHERE bureau_id=? / kindergarten_id IN (...)
            models.Index(fields=["bureau", "role"], name="user_bureau_role_idx"),
            models.Index(fields=["kindergarten", "role"], name="user_kg_role_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.full_name or self.username}（{self.username}）"

    @property
    def display_name(self) -> str:
        return self.full_name or self.username

    @property
    def role_enum(self) -> Role | None:
        try:
            return Role(self.role)
        except ValueError:
            return None

    @property
    def organisation(self):
        return self.bureau or self.kindergarten

    def audit_district_id(self) -> int | None:
        if self.kindergarten_id:
            return self.kindergarten.district_id
        if self.bureau_id and self.role != Role.CITY_VIEWER:
            return self.bureau_id
        return None
