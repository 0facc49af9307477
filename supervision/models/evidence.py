"""Evidence files (佐证材料): photos and PDFs attached to rectification answers and inspection items.

Stored under ``MEDIA_ROOT/evidence/`` with a random name (never the uploader's), outside the static
root, and served only through ``supervision.views.evidence.evidence_download`` after the access check. The
content is checked before anything is saved (``supervision.evidence``).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.audit import AuditedManager, AuditedModel


def evidence_path(instance, filename: str) -> str:
    extension = {"image/jpeg": ".jpg", "image/png": ".png", "application/pdf": ".pdf"}.get(instance.content_type, "")
    return f"evidence/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{extension}"


class EvidenceType(models.TextChoices):
    JPEG = "image/jpeg", _("照片")
    PNG = "image/png", _("图片")
    PDF = "application/pdf", _("文档")


class EvidenceFile(AuditedModel):
    kindergarten = models.ForeignKey(
        "kindergartens.Kindergarten", verbose_name=_("幼儿园"), on_delete=models.PROTECT, related_name="+"
    )
    order = models.ForeignKey(
        "supervision.RectificationOrder",
        verbose_name=_("整改通知"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="evidence",
    )
    event = models.ForeignKey(
        "supervision.RectificationEvent",
        verbose_name=_("整改记录"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="evidence",
    )
    result = models.ForeignKey(
        "supervision.InspectionResult",
        verbose_name=_("检查项结果"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="evidence",
    )
    file = models.FileField(_("文件"), upload_to=evidence_path, max_length=200)
    original_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=40, choices=EvidenceType.choices)
    size = models.PositiveIntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("校验值"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    objects = AuditedManager()

    class Meta:
        verbose_name = _("佐证材料")
        verbose_name_plural = _("佐证材料")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        # The history's object column: the name a person gave, without the extension.
        return self.original_name.rsplit(".", 1)[0] or "佐证材料"

    @classmethod
    def audit_display_value(cls, field_name: str, value, entry) -> str | None:
        """History: never a storage path; the name a person gave without its extension."""
        if field_name == "file":
            return "文件已保存" if value else "文件已删除"
        if field_name == "sha256":
            return "（已记录）"
        if field_name == "original_name":
            return str(value).rsplit(".", 1)[0] or "—"
        return None

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")

    def audit_district_id(self) -> int | None:
        return self.kindergarten.district_id
