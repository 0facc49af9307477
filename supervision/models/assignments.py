from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.audit import AuditedManager, AuditedModel


class SupervisorAssignment(AuditedModel):
    """责任督学挂牌: one responsible supervisor per kindergarten at a time; ended rows are its history."""

    kindergarten = models.ForeignKey(
        "kindergartens.Kindergarten",
        verbose_name=_("幼儿园"),
        on_delete=models.PROTECT,
        related_name="supervisor_assignments",
    )
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("责任督学"),
        on_delete=models.PROTECT,
        related_name="supervision_assignments",
    )
    started_at = models.DateTimeField(_("开始时间"), default=timezone.now)
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("指派人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("解除人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)

    objects = AuditedManager()

    class Meta:
        verbose_name = _("责任督学指派")
        verbose_name_plural = _("责任督学指派")
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kindergarten"],
                condition=Q(ended_at__isnull=True),
                name="one_active_supervisor_per_kindergarten",
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=F("started_at")),
                name="assignment_ends_after_start",
            ),
        ]
        indexes = [
            # A supervisor's current kindergartens: WHERE supervisor_id=? AND ended_at IS NULL.
            models.Index(fields=["supervisor", "ended_at"], name="assignment_supervisor_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kindergarten} ← {self.supervisor}"

    @property
    def is_active(self) -> bool:
        return self.ended_at is None

    def audit_district_id(self) -> int | None:
        return self.kindergarten.district_id
