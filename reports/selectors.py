"""Reads for the report pages: the submitter's inbox, completeness per district, the review queue."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet

from accounts.roles import KINDERGARTEN_ROLES, Role
from kindergartens.access import kindergartens_visible_to, visible_district_ids
from kindergartens.models import Bureau, area_name
from kindergartens.selectors import kindergartens_owing_report
from reports.access import submissions_visible_to
from reports.models import ReportType, Submission, SubmitterLevel
from reports.services import today

PENDING = (Submission.State.OPEN, Submission.State.RETURNED)
LOCKED = (Submission.State.SUBMITTED, Submission.State.RESUBMITTED, Submission.State.APPROVED)


def submissions_to_file(user) -> QuerySet[Submission]:
    """What the user files: their kindergarten's reports, their district's own reports, or (the city
    viewer) the city's own reports."""
    qs = submissions_visible_to(user).select_related("report_type", "kindergarten", "district")
    if user.role in KINDERGARTEN_ROLES:
        return qs.filter(kindergarten_id=user.kindergarten_id)
    if user.role in (Role.BUREAU_ADMIN, Role.BUREAU_STAFF):
        return qs.filter(kindergarten__isnull=True)
    if user.role == Role.CITY_VIEWER:
        return qs.filter(district_id=user.bureau_id, kindergarten__isnull=True)
    return qs.none()


@dataclass
class Inbox:
    returned: list[Submission] = field(default_factory=list)
    overdue: list[Submission] = field(default_factory=list)
    due: list[Submission] = field(default_factory=list)
    recent: list[Submission] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.returned or self.overdue or self.due or self.recent)


def inbox_for(user, *, recent: int = 12) -> Inbox:
    """Due, overdue and returned reports with their deadlines; then the latest submitted ones. Two queries."""
    day = today()
    qs = submissions_to_file(user)
    inbox = Inbox()
    for s in qs.filter(state__in=PENDING).order_by("due_date", "pk")[:200]:
        s.days_left = (s.due_date - day).days
        s.last_day = s.last_day_to_submit()
        s.needs_reopen = s.state == Submission.State.OPEN and day > s.last_day
        if s.state == Submission.State.RETURNED:
            inbox.returned.append(s)
        elif s.due_date < day:
            inbox.overdue.append(s)
        else:
            inbox.due.append(s)
    inbox.recent = list(qs.filter(state__in=LOCKED).order_by("-submitted_at", "-pk")[:recent])
    return inbox


def available_months(report_type: ReportType, *, count: int = 12) -> list[datetime.date]:
    """The months a page may choose, newest (the one falling due now) first."""
    month = report_type.month_due_on(today())
    months = []
    for _ in range(count):
        months.append(month)
        month = (month - datetime.timedelta(days=1)).replace(day=1)
    return months


@dataclass
class Completeness:
    """One row of the completeness table: a district (kindergarten reports) or a city's districts (district reports)."""

    district_id: int
    district_name: str
    expected: int = 0
    submitted: int = 0
    on_time: int = 0
    approved: int = 0

    @property
    def reporting_rate(self) -> float | None:
        return round(self.submitted * 100 / self.expected, 1) if self.expected else None

    @property
    def on_time_rate(self) -> float | None:
        return round(self.on_time * 100 / self.expected, 1) if self.expected else None

    @property
    def missing(self) -> int:
        return max(self.expected - self.submitted, 0)


def completeness_by_district(user, report_type: ReportType, month: datetime.date) -> list[Completeness]:
    """Reporting and on-time rates per district the user sees, in three queries whatever the number of
    kindergartens: the districts, who owed the month (by the registry's history), what was submitted.
    Kindergarten and district reports only: a city report has one submitter, the reader itself (its inbox
    shows it), so the page does not offer it (reports.views._type_and_month)."""
    if report_type.submitter_level == SubmitterLevel.CITY:
        return []
    districts = Bureau.objects.filter(pk__in=visible_district_ids(user)).order_by("name").values_list("pk", "name")
    rows = {pk: Completeness(pk, area_name(name)) for pk, name in districts}
    submissions = Submission.objects.filter(report_type=report_type, month=month, district_id__in=list(rows))
    if report_type.submitter_level == SubmitterLevel.KINDERGARTEN:
        owing = kindergartens_owing_report(kindergartens_visible_to(user), month)
        for district_id, n in owing.values_list("district_id").annotate(n=Count("pk")).order_by():
            if district_id in rows:
                rows[district_id].expected = n
        submissions = submissions.filter(kindergarten_id__in=owing.values("pk"))
    else:
        for row in rows.values():
            row.expected = 1
        submissions = submissions.filter(kindergarten__isnull=True)
    counts = (
        submissions.values("district_id")
        .annotate(
            submitted=Count("pk", filter=Q(first_submitted_at__isnull=False)),
            on_time=Count("pk", filter=Q(on_time=True)),
            approved=Count("pk", filter=Q(state=Submission.State.APPROVED)),
        )
        .order_by()
    )
    for c in counts:
        row = rows[c["district_id"]]
        row.submitted, row.on_time, row.approved = c["submitted"], c["on_time"], c["approved"]
    return list(rows.values())


def totals(rows: list[Completeness]) -> Completeness:
    total = Completeness(0, "合计")
    for r in rows:
        total.expected += r.expected
        total.submitted += r.submitted
        total.on_time += r.on_time
        total.approved += r.approved
    return total


def missing_submissions(user, report_type: ReportType, month: datetime.date) -> QuerySet[Submission]:
    """The submissions of the month not yet submitted (or returned) in the user's scope, by submitter name."""
    qs = submissions_visible_to(user).filter(
        report_type=report_type, month=month, state__in=PENDING, first_submitted_at__isnull=True
    )
    if report_type.submitter_level == SubmitterLevel.KINDERGARTEN:
        qs = qs.filter(
            kindergarten_id__in=kindergartens_owing_report(kindergartens_visible_to(user), month).values("pk")
        )
        return qs.select_related("kindergarten", "district").order_by("kindergarten__name", "pk")
    return qs.select_related("district").order_by("district__name", "pk")


def review_queue(user) -> QuerySet[Submission]:
    """Kindergarten reports waiting for the user's district bureau, oldest submission first."""
    return (
        submissions_visible_to(user)
        .filter(
            state__in=[Submission.State.SUBMITTED, Submission.State.RESUBMITTED],
            report_type__submitter_level=SubmitterLevel.KINDERGARTEN,
        )
        .select_related("report_type", "version", "kindergarten", "district", "submitted_by")
        .order_by("submitted_at", "pk")
    )


def previous_data_for(submissions: list[Submission]) -> dict[int, dict]:
    """Each submission's previous-month data (same type and submitter), in one query."""
    if not submissions:
        return {}
    wanted = Q()
    for s in submissions:
        month = (s.month - datetime.timedelta(days=1)).replace(day=1)
        wanted |= Q(report_type_id=s.report_type_id, month=month, kindergarten_id=s.kindergarten_id)
    found = {
        (p.report_type_id, p.kindergarten_id): p.data
        for p in Submission.objects.filter(wanted, first_submitted_at__isnull=False).only(
            "report_type_id", "kindergarten_id", "data"
        )
    }
    return {s.pk: found.get((s.report_type_id, s.kindergarten_id)) for s in submissions}
