from celery import shared_task

from core.audit import audit_context


@shared_task(acks_late=True)
def take_enrolment_snapshot() -> int:
    """Daily (23:50 Beijing time): today's enrolment into this month's snapshot. Idempotent."""
    from indicators.responsibility import progress_type_ensure
    from indicators.services import enrolment_snapshot_take

    with audit_context(source="task", path="indicators.tasks.take_enrolment_snapshot"):
        progress_type_ensure()  # the responsibility list's monthly progress report (once)
        return enrolment_snapshot_take()
