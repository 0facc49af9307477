"""Coverage (督导覆盖): inspections per kindergarten per term against the minimum, and each
kindergarten's last comprehensive assessment against the 3–5-year cycle; supervisors' load.

Terms: 春季学期 1 Feb – 31 Jul, 秋季学期 1 Aug – 31 Jan. An inspection counts for the term of its
date (planned_on) once it is submitted.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, IntegerField, Max, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from accounts.roles import Role
from kindergartens.access import kindergartens_visible_to
from supervision.models import Inspection, InspectionKind, InspectionState, SupervisorAssignment


@dataclass(frozen=True)
class Term:
    start: datetime.date
    end: datetime.date
    label: str


def term_of(day: datetime.date) -> Term:
    if 2 <= day.month <= 7:
        return Term(datetime.date(day.year, 2, 1), datetime.date(day.year, 7, 31), f"{day.year} 年春季学期")
    year = day.year if day.month >= 8 else day.year - 1
    return Term(datetime.date(year, 8, 1), datetime.date(year + 1, 1, 31), f"{year} 年秋季学期")


def years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def coverage_queryset(user, day: datetime.date, *, behind_only: bool = False, q: str = "") -> QuerySet:
    """Kindergartens in scope with ``term_count`` and ``last_assessment``; the behind ones first."""
    term = term_of(day)
    submitted = Inspection.objects.filter(kindergarten=OuterRef("pk"), state=InspectionState.SUBMITTED).order_by()
    term_count = Subquery(
        submitted.filter(planned_on__range=(term.start, term.end))
        .values("kindergarten")
        .annotate(n=Count("pk"))
        .values("n"),
        output_field=IntegerField(),
    )
    last_assessment = Subquery(
        submitted.filter(kind=InspectionKind.COMPREHENSIVE)
        .values("kindergarten")
        .annotate(m=Max("planned_on"))
        .values("m")
    )
    qs = kindergartens_visible_to(user).annotate(
        term_count=Coalesce(term_count, Value(0)), last_assessment=last_assessment
    )
    if q:
        qs = qs.filter(name__icontains=q)
    overdue_before = years_before(day, settings.SUPERVISION_ASSESSMENT_OVERDUE_YEARS)
    behind = (
        Q(term_count__lt=settings.SUPERVISION_MIN_INSPECTIONS_PER_TERM)
        | Q(last_assessment__isnull=True)
        | Q(last_assessment__lt=overdue_before)
    )
    if behind_only:
        qs = qs.filter(behind)
    return qs


def coverage_summary(user, day: datetime.date) -> dict:
    qs = coverage_queryset(user, day)
    overdue_before = years_before(day, settings.SUPERVISION_ASSESSMENT_OVERDUE_YEARS)
    return qs.aggregate(
        total=Count("pk"),
        short=Count("pk", filter=Q(term_count__lt=settings.SUPERVISION_MIN_INSPECTIONS_PER_TERM)),
        assessment_overdue=Count("pk", filter=Q(last_assessment__isnull=True) | Q(last_assessment__lt=overdue_before)),
    )


def assessment_status(last: datetime.date | None, day: datetime.date) -> str:
    if last is None or last < years_before(day, settings.SUPERVISION_ASSESSMENT_OVERDUE_YEARS):
        return "overdue"
    if last < years_before(day, settings.SUPERVISION_ASSESSMENT_DUE_YEARS):
        return "due"
    return "ok"


def supervisor_loads(user) -> list[dict]:
    """Supervisors of the user's district(s) with how many kindergartens each holds now."""
    from accounts.access import users_visible_to

    active = Count(
        "supervision_assignments",
        filter=Q(supervision_assignments__ended_at__isnull=True),
    )
    rows = (
        users_visible_to(user)
        .filter(role=Role.SUPERVISOR, is_active=True)
        .annotate(load=active)
        .order_by("-load", "full_name", "username")
        .values("pk", "full_name", "username", "load", "bureau__name")
    )
    limit = settings.SUPERVISOR_LOAD_WARNING
    return [{**row, "over": row["load"] > limit} for row in rows]


def supervisor_load(supervisor) -> int:
    return SupervisorAssignment.objects.filter(supervisor=supervisor, ended_at__isnull=True).count()
