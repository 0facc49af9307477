"""Scheduled work for monthly reports (beat entries in config/settings/base.py, Beijing time).

System tasks over every district (no user scope): each step is idempotent (reports.schedule), so a
missed, doubled or retried run — or a worker that dies mid-task and is given the message again
(acks_late) — creates no duplicates. Database hiccups are retried with exponential backoff.
"""

from celery import shared_task
from django.db import DatabaseError

from core.audit import audit_context

RETRY = {
    "autoretry_for": (DatabaseError, OSError),
    "retry_backoff": 30,
    "retry_backoff_max": 1800,
    "retry_jitter": True,
    "max_retries": 6,
    "acks_late": True,
    "ignore_result": True,
}


@shared_task(name="reports.tasks.open_submissions", **RETRY)
def open_submissions() -> int:
    """Daily 00:30: open the submissions of the month now due (and the one before, if a run was missed)."""
    from reports.schedule import open_due_submissions

    with audit_context(source="task", path="reports.tasks.open_submissions"):
        return open_due_submissions()


@shared_task(name="reports.tasks.send_reminders", **RETRY)
def send_reminders() -> int:
    """Daily 08:00: one digest per person: reminders 3 and 1 days before, the day after, escalations 3 days after."""
    from reports.schedule import send_daily_digests

    with audit_context(source="task", path="reports.tasks.send_reminders"):
        return send_daily_digests()


@shared_task(name="reports.tasks.build_district_reports", **RETRY)
def build_district_reports() -> int:
    """Daily 01:00: (re)build the district reports whose kindergartens' reports are due and not yet submitted."""
    from reports.schedule import build_due_district_reports

    with audit_context(source="task", path="reports.tasks.build_district_reports"):
        return build_due_district_reports()
