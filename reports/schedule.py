"""The monthly calendar the tasks follow (reports.tasks): open, remind, escalate, build.

Each step reads due days from the database and what has already been done, so a missed, doubled or
retried run does no harm: opening creates only missing submissions (unique per type, month and
submitter), a person's digest is one notification per day (``reports-digest:<day>``), building
rewrites a district report that is not yet submitted.

Who hears what, for a submission still open or returned (its days are counted from the due day):

- the submitter (the kindergarten's director; a district's bureau; for a city report, the city bureau's
  viewers): 3 and 1 days before, the day after, then every 7 days while it is missing, whatever month it
  covers (earlier months are chased too);
- the supervisor of the kindergarten and its district bureau (escalation): 3 days after, then every 7 days.
  A district's or the city's own report has nobody to escalate to in the portal.

City reports are opened like the others (every city bureau owes one, in the months its type is owed) and
never built: their figures are prefilled when the city fills them (reports.services.submission_prefill).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Q

from accounts.models import User
from accounts.roles import Role
from core.notifications import notify
from kindergartens.models import Bureau
from reports.models import ReportType, Submission, SubmitterLevel
from reports.registry import owed_in, type_definition
from reports.services import (
    district_report_build,
    month_label,
    report_types_ensure_defaults,
    submissions_open,
    today,
)

REMIND_BEFORE = (3, 1)  # days before the due day
REMIND_AFTER = 1  # the day after
ESCALATE_AFTER = 3
REPEAT_EVERY = 7
# A district type built from another app's figures (reports.registry) is built daily from this many days
# before its due day, so the district sees the month's figures in time to add its remarks.
BUILD_BEFORE_DAYS = 5
# How far back overdue submissions are chased (months); older ones are the bureau's to settle by hand.
CHASE_MONTHS = 6


def reminder_due(days_after_due: int) -> bool:
    if -days_after_due in REMIND_BEFORE or days_after_due == REMIND_AFTER:
        return True
    return days_after_due > REMIND_AFTER and (days_after_due - REMIND_AFTER) % REPEAT_EVERY == 0


def escalation_due(days_after_due: int) -> bool:
    return days_after_due >= ESCALATE_AFTER and (days_after_due - ESCALATE_AFTER) % REPEAT_EVERY == 0


def open_due_submissions(day: datetime.date | None = None) -> int:
    """Open every active type's submissions for the month falling due this month and the one before
    (a run missed at a month's turn is caught up). Returns how many were opened."""
    day = day or today()
    report_types_ensure_defaults()
    opened = 0
    for report_type in ReportType.objects.filter(is_active=True).order_by("sort_order", "pk"):
        month = report_type.month_due_on(day)
        earlier = (month - datetime.timedelta(days=1)).replace(day=1)
        for m in (earlier, month):
            opened += submissions_open(report_type=report_type, month=m)
    return opened


@dataclass
class _Item:
    submission: Submission
    days: int  # days after the due day (negative: before)

    def line(self, *, escalation: bool) -> str:
        s = self.submission
        who = f"{s.submitter_name}：" if escalation else ""
        what = f"{who}{month_label(s.month)}{s.report_type.name}"
        state = "已退回待修改" if s.state == Submission.State.RETURNED else "未报送"
        if self.days < 0:
            return f"{what}，{s.due_date:%m月%d日}截止（还有 {-self.days} 天）"
        return f"{what}，{state}，已逾期 {self.days} 天（{s.due_date:%m月%d日}截止）"


def _pending(day: datetime.date):
    """Open or returned submissions due within 3 days or overdue (up to CHASE_MONTHS back)."""
    horizon = day + datetime.timedelta(days=max(REMIND_BEFORE))
    oldest = (day.replace(day=1) - datetime.timedelta(days=31 * CHASE_MONTHS)).replace(day=1)
    return (
        Submission.objects.filter(
            state__in=[Submission.State.OPEN, Submission.State.RETURNED],
            due_date__lte=horizon,
            month__gte=oldest,
            report_type__is_active=True,
        )
        .select_related("report_type", "kindergarten", "district")
        .order_by("due_date", "pk")
    )


def _recipients(items: list[_Item], *, escalation: bool) -> dict[int, list[_Item]]:
    """user id → items, in a fixed number of queries."""
    by_user: dict[int, list[_Item]] = defaultdict(list)
    kg_ids = {i.submission.kindergarten_id for i in items if i.submission.kindergarten_id}
    district_ids = {i.submission.district_id for i in items}
    active = User.objects.filter(is_active=True)
    directors = defaultdict(list)
    for uid, kg in active.filter(role=Role.KG_DIRECTOR, kindergarten_id__in=kg_ids).values_list(
        "pk", "kindergarten_id"
    ):
        directors[kg].append(uid)
    bureau = defaultdict(list)
    # A district report's bureau, or a city report's city viewers (``district`` holds the city bureau; a
    # city viewer's bureau is never a district, a district role's never a city).
    for uid, b in active.filter(
        role__in=[Role.BUREAU_ADMIN, Role.BUREAU_STAFF, Role.CITY_VIEWER], bureau_id__in=district_ids
    ).values_list("pk", "bureau_id"):
        bureau[b].append(uid)
    supervisors = defaultdict(list)
    if escalation and kg_ids:
        from supervision.models import SupervisorAssignment

        for uid, kg in SupervisorAssignment.objects.filter(
            kindergarten_id__in=kg_ids, ended_at__isnull=True, supervisor__is_active=True
        ).values_list("supervisor_id", "kindergarten_id"):
            supervisors[kg].append(uid)
    for item in items:
        s = item.submission
        if escalation:
            users = [*supervisors.get(s.kindergarten_id, []), *bureau.get(s.district_id, [])]
            if s.kindergarten_id is None:  # a district's or the city's own report: nobody above acts here
                users = []
        else:
            users = directors.get(s.kindergarten_id, []) if s.kindergarten_id else bureau.get(s.district_id, [])
        for uid in dict.fromkeys(users):
            by_user[uid].append(item)
    return by_user


def send_daily_digests(day: datetime.date | None = None) -> int:
    """ONE notification per person and day listing every reminder and escalation due that day. Returns
    how many were sent (a second run the same day sends none)."""
    day = day or today()
    reminders, escalations = [], []
    for submission in _pending(day):
        days = (day - submission.due_date).days
        if reminder_due(days):
            reminders.append(_Item(submission, days))
        if escalation_due(days):
            escalations.append(_Item(submission, days))
    own = _recipients(reminders, escalation=False)
    chase = _recipients(escalations, escalation=True)
    users = User.objects.in_bulk(set(own) | set(chase))
    sent = 0
    for uid in sorted(users):
        lines = []
        if own.get(uid):
            lines.append("请尽快报送：")
            lines += [f"· {i.line(escalation=False)}" for i in own[uid]]
        if chase.get(uid):
            lines.append("以下报表已逾期，请督促报送：")
            lines += [f"· {i.line(escalation=True)}" for i in chase[uid]]
        count = len(own.get(uid, [])) + len(chase.get(uid, []))
        done = notify(
            recipient=users[uid],
            title=f"月报提醒（{day.month}月{day.day}日）：{count} 项待办",
            body="\n".join(lines),
            link="/reports/",
            digest_key=f"reports-digest:{day.isoformat()}",
        )
        sent += 1 if done else 0
    return sent


def build_due_district_reports(day: datetime.date | None = None) -> int:
    """Build (or rebuild) every district report not yet submitted whose kindergartens' reports are due
    (from the kindergarten report's due day on). Returns how many were built."""
    day = day or today()
    built = 0
    for report_type in ReportType.objects.filter(
        is_active=True, submitter_level=SubmitterLevel.DISTRICT
    ).select_related("source"):
        month = report_type.month_due_on(day)
        if report_type.source is None:
            definition = type_definition(report_type.code)
            # A type built from another app's figures (reports.registry) is built in the days before it is due.
            if definition is None or definition.figures is None or not owed_in(report_type.code, month):
                continue
            if day < report_type.due_date(month) - datetime.timedelta(days=BUILD_BEFORE_DAYS):
                continue
        elif day < report_type.source.due_date(month):
            continue
        submissions_open(report_type=report_type, month=month)
        pending = Submission.objects.filter(
            Q(state=Submission.State.OPEN) | Q(state=Submission.State.RETURNED),
            report_type=report_type,
            month=month,
            district__in=Bureau.objects.filter(level=Bureau.Level.DISTRICT),
        ).order_by("pk")
        for submission in pending:
            district_report_build(actor=None, submission=submission)
            built += 1
    return built
