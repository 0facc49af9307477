"""责任清单: the district's plan tasks, and their monthly progress through the report engine.

Progress is a report type of the report engine, not new machinery: 责任清单月度进展
(``responsibility-progress``), districts to the city by the 10th for the month before. The report
engine opens it for every district each month, chases it and keeps its history like any report; its
one table lists, per task number, the responsible unit's progress and state. ``progress_type_ensure``
creates the type once (the daily snapshot task and seed_demo call it); a bureau may change it like
any report type.
"""

from __future__ import annotations

from django.db import transaction

PROGRESS_CODE = "responsibility-progress"
PROGRESS_STATES = [["on_track", "按计划推进"], ["behind", "滞后"], ["done", "已完成"]]
PROGRESS_CONTENT = {
    "sections": [
        {
            "key": "tasks",
            "title": "责任清单任务进展",
            "note": "每项任务一行，填写任务序号（与责任清单一致）、报送进展的责任单位、本月进展和状态。",
            "fields": [
                {
                    "key": "tasks",
                    "label": "任务进展",
                    "kind": "table",
                    "columns": [
                        {"key": "number", "label": "任务序号", "kind": "number", "min": 1},
                        {"key": "unit", "label": "责任单位", "kind": "text"},
                        {"key": "progress", "label": "本月进展", "kind": "text"},
                        {"key": "state", "label": "状态", "kind": "choice", "choices": PROGRESS_STATES},
                    ],
                }
            ],
        }
    ]
}


def progress_type_ensure():
    """The 责任清单月度进展 report type, created once; an existing one is left as its bureau changed it."""
    from reports import content as content_rules
    from reports.models import ReportType, ReportTypeVersion

    existing = ReportType.objects.filter(code=PROGRESS_CODE).first()
    if existing is not None:
        return existing
    with transaction.atomic():
        report_type = ReportType(
            code=PROGRESS_CODE,
            name="责任清单月度进展",
            due_day=10,
            period="previous",
            submitter_level="district",
            sort_order=30,
        )
        report_type.full_clean()
        report_type.save()
        content_rules.validate_content(PROGRESS_CONTENT)
        ReportTypeVersion.objects.create(report_type=report_type, number=1, content=PROGRESS_CONTENT)
    return report_type


def latest_progress(district_id: int) -> tuple[object | None, dict[int, list[dict]]]:
    """The district's latest submitted progress report and its rows by task number (one query)."""
    from reports.models import Submission

    submission = (
        Submission.objects.filter(
            report_type__code=PROGRESS_CODE, district_id=district_id, first_submitted_at__isnull=False
        )
        .order_by("-month")
        .first()
    )
    rows: dict[int, list[dict]] = {}
    if submission is not None:
        labels = dict(PROGRESS_STATES)
        for row in (submission.data or {}).get("tasks", []) or []:
            try:
                number = int(row.get("number"))
            except (TypeError, ValueError):
                continue
            rows.setdefault(number, []).append({**row, "state_label": labels.get(row.get("state"), "—")})
    return submission, rows
