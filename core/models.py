"""The audit trail: one append-only table for every change to a domain record."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditEntryQuerySet(models.QuerySet):
    """Audit entries are written once and never changed, from the app or the database."""

    def update(self, **kwargs):
        raise PermissionError("审计记录不可修改")

    def delete(self):
        raise PermissionError("审计记录不可删除")

    def bulk_update(self, objs, fields, batch_size=None):
        raise PermissionError("审计记录不可修改")


class AuditEntry(models.Model):
    class Action(models.TextChoices):
        CREATE = "create", _("新增")
        UPDATE = "update", _("修改")
        DELETE = "delete", _("删除")

    class Source(models.TextChoices):
        WEB = "web", _("网页")
        API = "api", _("接口")
        ADMIN = "admin", _("管理后台")
        TASK = "task", _("后台任务")
        COMMAND = "command", _("管理命令")
        SYSTEM = "system", _("系统")

    at = models.DateTimeField(_("时间"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        # Users are deactivated, never deleted; no constraint so an entry can never block or follow a delete.
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_label = models.CharField(_("操作人账号"), max_length=150, blank=True)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, verbose_name=_("对象类型"))
    object_id = models.CharField(_("对象编号"), max_length=64)
    object_repr = models.CharField(_("对象"), max_length=200)
    district_id = models.BigIntegerField(_("所属区县"), null=True, blank=True)
    action = models.CharField(_("操作"), max_length=10, choices=Action.choices)
    changes = models.JSONField(_("变更内容"), default=dict)
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices)
    request_id = models.CharField(_("请求/任务编号"), max_length=64, blank=True)
    path = models.CharField(_("请求路径/任务名"), max_length=300, blank=True)
    ip = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        ordering = ["-at", "-id"]
        indexes = [
            # The history page of one record: WHERE content_type=? AND object_id=? ORDER BY at DESC.
            models.Index(fields=["content_type", "object_id", "-at"], name="audit_object_history_idx"),
            # A district's change log: WHERE district_id=? ORDER BY at DESC.
            models.Index(fields=["district_id", "-at"], name="audit_district_log_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.object_repr} @ {timezone.localtime(self.at):%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("审计记录不可修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("审计记录不可删除")


class WorkerHeartbeat(models.Model):
    """Last time a Celery worker ran the heartbeat task: the worker's liveness check."""

    name = models.CharField(max_length=100, unique=True)
    beat_at = models.DateTimeField()

    class Meta:
        verbose_name = _("后台任务心跳")
        verbose_name_plural = _("后台任务心跳")

    def __str__(self) -> str:
        return f"{self.name} @ {self.beat_at:%Y-%m-%d %H:%M:%S}"
