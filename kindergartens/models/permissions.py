from django.db import models
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from .registry import Kindergarten


class KindergartenUserObjectPermission(UserObjectPermissionBase):
    """Per-object rights on a kindergarten (a supervisor's assignment), with a real foreign key."""

    content_object = models.ForeignKey(Kindergarten, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = _("幼儿园对象权限（用户）")
        verbose_name_plural = verbose_name
        # kindergartens_visible_to(supervisor) (WHERE user_id=? AND permission_id=?) is served by
        # guardian's unique (user, permission, content_object) index; no second index needed.


class KindergartenGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Kindergarten, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        verbose_name = _("幼儿园对象权限（用户组）")
        verbose_name_plural = verbose_name
