"""Scheduled pairing work (beat entry ``pairing-daily`` in config/settings/base.py, Beijing time).

Idempotent: types are created once, an agreement starts once (its state changes), an idle agreement is
flagged once per idle spell (``idle_flagged_on``; notifications carry a digest key)."""

from celery import shared_task
from django.db import DatabaseError

from core.audit import audit_context


@shared_task(
    name="pairing.tasks.daily",
    autoretry_for=(DatabaseError, OSError),
    retry_backoff=30,
    retry_backoff_max=1800,
    retry_jitter=True,
    max_retries=6,
    acks_late=True,
    ignore_result=True,
)
def daily() -> dict:
    """Daily 00:25, before the reports' 00:30 run opens the month's submissions."""
    from pairing.services import agreements_flag_idle, agreements_start_due
    from reports.services import report_types_ensure_registered

    with audit_context(source="task", path="pairing.tasks.daily"):
        types = len(report_types_ensure_registered())
        started = agreements_start_due()
        flagged = agreements_flag_idle()
    return {"types": types, "started": started, "flagged": flagged}
