"""Demo data for reports (called by ``manage.py seed_demo``): the shipped report types and the
submissions of the month now due, opened as the monthly task would. Idempotent."""

from __future__ import annotations

from django.db import transaction

from core.audit import audit_context
from reports.models import ReportType
from reports.services import report_types_ensure_defaults, submissions_open, today


def seed_reports() -> dict[str, int]:
    with audit_context(source="command", path="seed_demo"), transaction.atomic():
        created_types = report_types_ensure_defaults()
        opened = 0
        for report_type in ReportType.objects.filter(is_active=True):
            opened += submissions_open(report_type=report_type, month=report_type.month_due_on(today()))
    return {"报表类型": len(created_types), "待填报月报": opened}
