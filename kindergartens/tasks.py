from celery import shared_task
from django.db.models import F, OuterRef, Q, Subquery

from core.audit import audit_context


@shared_task(name="kindergartens.tasks.apply_due_status_changes", ignore_result=True)
def apply_due_status_changes() -> int:
    """Daily: make status and nature current where a future-dated change has come into effect.

    A system task over every kindergarten (no user scope). Idempotent: it only touches rows
    whose current value differs from what the dated history says for today (Asia/Shanghai).
    """
    from kindergartens.models import Kindergarten, KindergartenStatusChange
    from kindergartens.services import kindergarten_apply_due_changes, today

    day = today()

    def latest(attribute):
        return Subquery(
            KindergartenStatusChange.objects.filter(
                kindergarten=OuterRef("pk"), attribute=attribute, effective_date__lte=day
            )
            .order_by("-effective_date", "-recorded_at", "-id")
            .values("value")[:1]
        )

    stale = (
        Kindergarten.objects.annotate(status_now=latest("status"), nature_now=latest("nature"))
        .filter(
            Q(status_now__isnull=False, nature_now__isnull=False)
            & (~Q(status=F("status_now")) | ~Q(nature=F("nature_now")))
        )
        .order_by("pk")
    )
    changed = 0
    with audit_context(source="task", path="kindergartens.tasks.apply_due_status_changes"):
        for kindergarten in stale.iterator(chunk_size=500):
            if kindergarten_apply_due_changes(kindergarten=kindergarten, on=day):
                changed += 1
    return changed
