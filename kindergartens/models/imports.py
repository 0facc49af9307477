"""An uploaded roster that passed validation and waits for the bureau user to confirm it."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .organisations import Bureau


class RosterImport(models.Model):
    """Only a file with no problems is kept (as parsed rows); a rejected upload saves nothing."""

    class State(models.TextChoices):
        PENDING = "pending", _("待确认")
        APPLIED = "applied", _("已导入")

    district = models.ForeignKey(Bureau, verbose_name=_("区县"), on_delete=models.PROTECT, related_name="+")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)
    filename = models.CharField(_("文件名"), max_length=200)
    sha256 = models.CharField(_("文件摘要"), max_length=64)
    rows = models.JSONField(_("解析结果"), default=list)
    summary = models.JSONField(_("预览统计"), default=dict)  # {"create": n, "update": n, "unchanged": n}
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.PENDING)
    applied_at = models.DateTimeField(_("导入时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("名册导入")
        verbose_name_plural = _("名册导入")
        ordering = ["-uploaded_at", "-id"]

    def __str__(self) -> str:
        return f"{self.filename}（{timezone.localtime(self.uploaded_at):%Y-%m-%d %H:%M}）"
