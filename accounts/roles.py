"""The six roles, their rank and which kind of organisation each belongs to."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CITY_VIEWER = "city_viewer", _("市教育局")
    BUREAU_ADMIN = "bureau_admin", _("区县管理员")
    BUREAU_STAFF = "bureau_staff", _("区县业务人员")
    SUPERVISOR = "supervisor", _("责任督学")
    KG_DIRECTOR = "kg_director", _("园长")
    KG_STAFF = "kg_staff", _("幼儿园工作人员")


# Nobody may grant a role ranked above their own.
RANK = {
    Role.BUREAU_ADMIN: 60,
    Role.CITY_VIEWER: 50,
    Role.BUREAU_STAFF: 40,
    Role.SUPERVISOR: 30,
    Role.KG_DIRECTOR: 20,
    Role.KG_STAFF: 10,
}

CITY_ROLES = frozenset({Role.CITY_VIEWER})
DISTRICT_ROLES = frozenset({Role.BUREAU_ADMIN, Role.BUREAU_STAFF, Role.SUPERVISOR})
BUREAU_ROLES = CITY_ROLES | DISTRICT_ROLES
KINDERGARTEN_ROLES = frozenset({Role.KG_DIRECTOR, Role.KG_STAFF})
