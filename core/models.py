"""The audit trail: one append-only table for every change to a domain record."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.audit import AuditedManager, AuditedModel


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
        return f"{self.name} @ {timezone.localtime(self.beat_at):%Y-%m-%d %H:%M:%S}"


class Job(AuditedModel):
    """A piece of long work a user asked for (an export, an import check), run by the Celery worker.

    Generic: the app that registers the kind (``core.jobs.register_kind``) says what it does and who
    may see it. Only the user who asked sees a job; its result file is kept until ``expires_at``,
    then the daily cleanup deletes the file and keeps the row.
    """

    class State(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("处理中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    kind = models.CharField(_("任务类型"), max_length=60)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("提交人"), on_delete=models.PROTECT, related_name="+"
    )
    # The organisation (bureau) the job was asked for: the kind's access check compares it with the
    # user's, so a user moved to another district no longer sees the old district's files.
    district_id = models.BigIntegerField(_("所属单位"), null=True, blank=True)
    params = models.JSONField(_("参数"), default=dict, blank=True)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.QUEUED)
    progress_done = models.PositiveIntegerField(_("已处理"), default=0)
    progress_total = models.PositiveIntegerField(_("总数"), default=0)
    progress_note = models.CharField(_("进度说明"), max_length=100, blank=True)
    input_file = models.FileField(_("上传的文件"), upload_to="jobs/input/", blank=True, max_length=200)
    input_name = models.CharField(_("上传的文件名"), max_length=200, blank=True)
    result_file = models.FileField(_("结果文件"), upload_to="jobs/result/", blank=True, max_length=200)
    result_name = models.CharField(_("结果文件名"), max_length=200, blank=True)
    result = models.JSONField(_("结果"), default=dict, blank=True)
    error = models.CharField(_("失败原因"), max_length=500, blank=True)
    downloads = models.PositiveIntegerField(_("下载次数"), default=0)
    created_at = models.DateTimeField(_("提交时间"), default=timezone.now)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    expires_at = models.DateTimeField(_("文件保留至"), null=True, blank=True)

    objects = AuditedManager()

    # Progress is bookkeeping written every second or so; the outcome is recorded by state and file.
    audit_ignore = frozenset({"progress_done", "progress_total", "progress_note", "result", "started_at"})

    class Meta:
        verbose_name = _("后台任务")
        verbose_name_plural = _("后台任务")
        ordering = ["-created_at", "-id"]
        indexes = [
            # "我的导出与导入": WHERE requested_by_id=? ORDER BY created_at DESC.
            models.Index(fields=["requested_by", "-created_at"], name="job_owner_recent_idx"),
            # The daily cleanup: WHERE expires_at < now AND result_file <> ''.
            models.Index(fields=["expires_at"], name="job_expiry_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state__in=["queued", "running", "done", "failed"]), name="job_state_valid"
            ),
        ]

    def __str__(self) -> str:
        from core.jobs import get_kind

        kind = get_kind(self.kind)
        when = timezone.localtime(self.created_at).strftime("%Y-%m-%d %H:%M")
        return f"{kind.label if kind else '后台任务'}（{when} 提交）"

    def audit_district_id(self) -> int | None:
        return self.district_id

    @classmethod
    def audit_display_value(cls, field_name: str, value, entry) -> str | None:
        """History display hook (core.history): the kind's Chinese label, the kind's own words for its
        parameters and organisation, file names without machine suffixes, never a storage path."""
        from core.jobs import describe_job_value

        return describe_job_value(field_name, value, entry)

    @property
    def finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.FAILED)

    @property
    def percent(self) -> int | None:
        """Progress in percent, or None while the total is not known yet."""
        if self.state == self.State.DONE:
            return 100
        if not self.progress_total:
            return None
        return min(99, self.progress_done * 100 // self.progress_total)

    def expired(self, now=None) -> bool:
        return self.expires_at is not None and self.expires_at <= (now or timezone.now())


class Notification(models.Model):
    """A message to one user: shown in their inbox (通知) and, when they have an address, e-mailed.

    Not an audited record: it is a copy of what happened elsewhere (a reminder about a submission
    whose own history is audited), and marking it read is the reader's bookkeeping. ``digest_key``
    makes sending idempotent: one notification per (recipient, key), whatever retries or doubled
    runs of a task do (a daily digest uses ``reports-digest:2025-03-08``).
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("接收人"), on_delete=models.CASCADE, related_name="notifications"
    )
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    link = models.CharField(_("链接"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("发送时间"), default=timezone.now)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("邮件发送时间"), null=True, blank=True)
    digest_key = models.CharField(_("去重键"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "digest_key"], condition=~models.Q(digest_key=""), name="notification_unique_key"
            ),
        ]
        indexes = [
            # The inbox: WHERE recipient_id=? ORDER BY created_at DESC; the header's unread count adds read_at IS NULL.
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox_idx"),
            models.Index(
                fields=["recipient"], condition=models.Q(read_at__isnull=True), name="notification_unread_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.title
