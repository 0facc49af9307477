"""Safety's part of the monthly reports (reports.registry), registered in SafetyConfig.ready().

- The kindergarten monthly report's incident section is prefilled from the safety records: the
  month's incidents, or its zero report. Submitting a report that contradicts them is refused
  (one fact, not two). The district report sums the kindergartens' reports (reports.definitions).
"""

from __future__ import annotations

from reports.registry import register_prefill, register_submission_check
from safety.services import month_incident_fact


def _prefill(submission) -> dict:
    if submission.kindergarten_id is None:
        return {}
    return month_incident_fact(kindergarten_id=submission.kindergarten_id, month=submission.month) or {}


def _check(submission, data: dict) -> list[str]:
    if submission.kindergarten_id is None or "no_incident" not in data:
        return []
    fact = month_incident_fact(kindergarten_id=submission.kindergarten_id, month=submission.month)
    if not fact or fact["no_incident"] != "had_incident":
        return []
    count = fact["incident_count"]
    if data.get("no_incident") == "confirmed":
        return [f"本园本月已在安全管理中报告 {count} 起安全事故，不能确认零报告。"]
    reported = data.get("incident_count")
    if reported is not None and reported < count:
        return [f"本月安全事故数少于在安全管理中已报告的 {count} 起，请核对。"]
    return []


def register() -> None:
    register_prefill(key="safety.incidents", provide=_prefill)
    register_submission_check(key="safety.incidents", check=_check)
