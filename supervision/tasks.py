from celery import shared_task

from core.audit import audit_context


@shared_task(name="supervision.tasks.escalate_overdue_orders", ignore_result=True)
def escalate_overdue_orders() -> dict[str, int]:
    """Daily: overdue rectification orders are flagged to the supervisor, then escalated to the bureau.

    A system task over every district (no user scope); idempotent (an order's escalation level
    only goes up, and each level is written once).
    """
    from supervision.rectification import orders_escalate_overdue

    with audit_context(source="task", path="supervision.tasks.escalate_overdue_orders"):
        return orders_escalate_overdue()
