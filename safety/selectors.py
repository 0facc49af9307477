"""Reads of safety records: the incident lists with their filters and the district overview."""

from __future__ import annotations

import datetime

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from safety.models import Grade, Incident, IncidentKind
from safety.services import month_bounds

SHOW_CHOICES = {"": "全部", "late": "迟报", "open": "未终报"}
# A hazard still open: no rectification order yet, or its order not accepted.
OPEN_HAZARD = Q(order__isnull=True) | ~Q(order__state="accepted")


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


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def facility_rates(kindergartens: QuerySet, *, on: datetime.date) -> list[dict]:
    """Per district, over the kindergartens that count on ``on`` (kindergartens.selectors): the
    "4 × 100%" (each and all four), 30-day footage, networked video, certified safety officers from
    each kindergarten's facility record in force that day; school buses with a valid inspection; last
    month's video checks. Four queries whatever the number of kindergartens or districts."""
    from django.db.models import F, OuterRef, Subquery

    from kindergartens.models import Bureau
    from kindergartens.selectors import kindergartens_counted_on
    from safety.models import FacilityRecord, SchoolBus, VideoCheck
    from safety.services import first_of_month

    counted = kindergartens_counted_on(kindergartens, on).order_by()
    counted_ids = counted.values("pk")
    totals = {row["district_id"]: row["n"] for row in counted.order_by().values("district_id").annotate(n=Count("pk"))}
    latest = (
        FacilityRecord.objects.filter(kindergarten=OuterRef("pk"), effective_on__lte=on)
        .order_by("-effective_on", "-id")
        .values("pk")[:1]
    )
    in_force = counted.annotate(record_id=Subquery(latest)).values("record_id")
    facility = {
        row.pop("kindergarten__district_id"): row
        for row in FacilityRecord.objects.filter(pk__in=Subquery(in_force))
        .order_by()
        .values("kindergarten__district_id")
        .annotate(
            recorded=Count("pk"),
            # Annotation names differ from the fields (a "guard_post" count would shadow the field in "n_four").
            n_guards=Count("pk", filter=Q(full_time_guards__gt=0)),
            n_alarm=Count("pk", filter=Q(alarm_linked=True)),
            n_closed=Count("pk", filter=Q(closed_campus=True)),
            n_post=Count("pk", filter=Q(guard_post=True)),
            n_four=Count(
                "pk", filter=Q(full_time_guards__gt=0, alarm_linked=True, closed_campus=True, guard_post=True)
            ),
            n_footage30=Count("pk", filter=Q(video_retention_days__gte=30)),
            n_networked=Count("pk", filter=Q(video_networked=True)),
            n_certified=Count("pk", filter=Q(safety_officer_certified=True)),
        )
    }
    buses = {
        row.pop("kindergarten__district_id"): row
        for row in SchoolBus.objects.filter(kindergarten_id__in=Subquery(counted_ids))
        .filter(Q(retired_on__isnull=True) | Q(retired_on__gt=on))
        .order_by()
        .values("kindergarten__district_id")
        .annotate(active=Count("pk"), inspected=Count("pk", filter=Q(valid_until__gte=on)))
    }
    last_month = first_of_month(first_of_month(on) - datetime.timedelta(days=1))
    checks = {
        row.pop("kindergarten__district_id"): row
        for row in VideoCheck.objects.filter(month=last_month, kindergarten_id__in=Subquery(counted_ids))
        .order_by()
        .values("kindergarten__district_id")
        .annotate(
            checked=Count("pk"),
            verified=Count("pk", filter=Q(retention_verified=True, retention_days__gte=30)),
            all_working=Count("pk", filter=Q(cameras_working=F("cameras_total"))),
        )
    }
    names = dict(Bureau.objects.filter(pk__in=list(totals)).values_list("pk", "name")) if totals else {}
    rows = []
    for district_id, total in sorted(totals.items(), key=lambda item: names.get(item[0], "")):
        f = facility.get(district_id, {})
        b = buses.get(district_id, {"active": 0, "inspected": 0})
        c = checks.get(district_id, {"checked": 0, "verified": 0, "all_working": 0})
        rows.append(
            {
                "district": names.get(district_id, ""),
                "kindergartens": total,
                "recorded": f.get("recorded", 0),
                "guards": _pct(f.get("n_guards", 0), total),
                "alarm": _pct(f.get("n_alarm", 0), total),
                "closed": _pct(f.get("n_closed", 0), total),
                "guard_post": _pct(f.get("n_post", 0), total),
                "four": _pct(f.get("n_four", 0), total),
                "footage30": _pct(f.get("n_footage30", 0), total),
                "networked": _pct(f.get("n_networked", 0), total),
                "certified": _pct(f.get("n_certified", 0), total),
                "buses": b["active"],
                "buses_inspected": _pct(b["inspected"], b["active"]),
                "video_checked": _pct(c["checked"], total),
                "video_verified": _pct(c["verified"], total),
                "last_month": last_month,
            }
        )
    return rows
