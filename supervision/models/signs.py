"""挂牌督导公示: what a responsible supervisor chooses to publish on the public pages of the
kindergartens assigned to them (name, photo, work phone). Nothing is shown unless published."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.audit import AuditedManager, AuditedModel

PHOTO_TYPES = [("image/jpeg", _("照片")), ("image/png", _("图片"))]


def sign_photo_path(instance, filename: str) -> str:
    extension = {"image/jpeg": ".jpg", "image/png": ".png"}.get(instance.photo_type, "")
    # outside the static root, a random name; served only by supervision.views.signs.public_sign_photo
    return f"signs/{uuid.uuid4().hex}{extension}"


class SupervisorSign(AuditedModel):
    supervisor = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("督学"), on_delete=models.PROTECT, related_name="supervisor_sign"
    )
    published = models.BooleanField(_("在幼儿园公开页面公示"), default=False)
    work_phone = models.CharField(
        _("工作电话"),
        max_length=30,
        blank=True,
        validators=[RegexValidator(r"^[0-9][0-9 \-]{4,28}[0-9]$", _("请填写有效的工作电话，只含数字、空格和“-”。"))],
    )
    photo = models.FileField(_("照片"), upload_to=sign_photo_path, max_length=200, blank=True)
    photo_type = models.CharField(_("照片类型"), max_length=20, choices=PHOTO_TYPES, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)

    objects = AuditedManager()

    class Meta:
        verbose_name = _("挂牌公示")
        verbose_name_plural = _("挂牌公示")

    def __str__(self) -> str:
        return self.supervisor.display_name

    @classmethod
    def audit_display_value(cls, field_name: str, value, entry) -> str | None:
        if field_name == "photo":  # never a storage path
            return "照片已上传" if value else "无照片"
        return None

    def audit_district_id(self) -> int | None:
        return self.supervisor.bureau_id
