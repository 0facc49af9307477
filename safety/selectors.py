"""Reads of safety records: the incident lists with their filters and the district overview."""

from __future__ import annotations

import datetime

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from safety.models import Grade, Incident, IncidentKind
from safety.services import month_bounds

SHOW_CHOICES = {"": "全部", "late": "迟报", "open": "未终报"}


def incident_list(
    qs: QuerySet[Incident],
    *,
    grade: str = "",
    kind: str = "",
    month: datetime.date | None = None,
    show: str = "",
    q: str = "",
    kindergarten_id: int | None = None,
) -> QuerySet[Incident]:
    """The filtered, ordered incidents (ids first: core.lists loads the page's rows)."""
    if grade in Grade.values:
        qs = qs.filter(grade=grade)
    if kind in IncidentKind.values:
        qs = qs.filter(kind=kind)
    if month is not None:
        start, end = month_bounds(month)
        qs = qs.filter(occurred_at__gte=start, occurred_at__lt=end)
    if show == "late":
        qs = qs.filter(late=True)
    elif show == "open":
        qs = qs.filter(final_at__isnull=True)
    if kindergarten_id:
        qs = qs.filter(kindergarten_id=kindergarten_id)
    if q:
        qs = qs.filter(kindergarten__name__icontains=q)
    return qs.order_by("-occurred_at", "-id")


def incident_overview(qs: QuerySet[Incident], *, year: int) -> dict:
    """The district overview for one year, in four queries whatever the number of incidents:
    totals, by grade, by kind, by month (Beijing months), and the kindergartens with most incidents."""
    start = timezone.make_aware(datetime.datetime(year, 1, 1))  # noqa: DTZ001 - made aware here
    end = timezone.make_aware(datetime.datetime(year + 1, 1, 1))  # noqa: DTZ001
    year_qs = qs.filter(occurred_at__gte=start, occurred_at__lt=end).order_by()
    totals = year_qs.aggregate(
        total=Count("pk"),
        late=Count("pk", filter=Q(late=True)),
        open=Count("pk", filter=Q(final_at__isnull=True)),
        above_general=Count("pk", filter=~Q(grade=Grade.GENERAL)),
    )
    grades = dict(year_qs.values_list("grade").annotate(n=Count("pk")).values_list("grade", "n"))
    kinds = dict(year_qs.values_list("kind").annotate(n=Count("pk")).values_list("kind", "n"))
    months = {
        timezone.localtime(m).month if timezone.is_aware(m) else m.month: n
        for m, n in year_qs.annotate(m=TruncMonth("occurred_at"))
        .values("m")
        .annotate(n=Count("pk"))
        .values_list("m", "n")
    }
    top = list(
        year_qs.values("kindergarten_id", "kindergarten__name")
        .annotate(n=Count("pk"), late=Count("pk", filter=Q(late=True)))
        .order_by("-n", "kindergarten__name")[:20]
    )
    return {
        "totals": totals,
        "by_grade": [(label, grades.get(value, 0), value) for value, label in Grade.choices],
        "by_kind": [(label, kinds.get(value, 0), value) for value, label in IncidentKind.choices if kinds.get(value)],
        "by_month": [(m, months.get(m, 0)) for m in range(1, 13)],
        "top_kindergartens": top,
    }
