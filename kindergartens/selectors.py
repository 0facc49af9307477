"""Reads over the registry: dated status/nature ("as of"), class-size compliance, enrolment."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from kindergartens.models import (
    INCLUSIVE_NATURES,
    OPERATING_STATUSES,
    Kindergarten,
    KindergartenClass,
    KindergartenStatusChange,
    Schedule,
)


def _dated_subquery(attribute: str, day: datetime.date) -> Subquery:
    return Subquery(
        KindergartenStatusChange.objects.filter(
            kindergarten=OuterRef("pk"), attribute=attribute, effective_date__lte=day
        )
        .order_by("-effective_date", "-recorded_at", "-id")
        .values("value")[:1]
    )


def kindergartens_as_of(qs: QuerySet[Kindergarten], day: datetime.date) -> QuerySet[Kindergarten]:
    """Annotate ``status_on`` and ``nature_on``: what the dated history says for ``day``.

    A kindergarten registered after ``day`` gets None for both. "Operating in March 2025"
    is ``kindergartens_operating_on(qs, date(2025, 3, 31))``: operating at the month's end.
    """
    return qs.annotate(status_on=_dated_subquery("status", day), nature_on=_dated_subquery("nature", day))


def kindergartens_operating_on(qs: QuerySet[Kindergarten], day: datetime.date) -> QuerySet[Kindergarten]:
    return kindergartens_as_of(qs, day).filter(status_on__in=[s.value for s in OPERATING_STATUSES])


def kindergartens_inclusive_on(qs: QuerySet[Kindergarten], day: datetime.date) -> QuerySet[Kindergarten]:
    return kindergartens_operating_on(qs, day).filter(nature_on__in=[n.value for n in INCLUSIVE_NATURES])


def dated_values_on(kindergarten: Kindergarten, day: datetime.date) -> dict[str, str | None]:
    row = kindergartens_as_of(Kindergarten.objects.filter(pk=kindergarten.pk), day).values("status_on", "nature_on")
    values = row.first() or {}
    return {"status": values.get("status_on"), "nature": values.get("nature_on")}


def class_size_limit(class_type: str, schedule: str) -> int:
    """幼儿园工作规程 art. 11: 25/30/35/30; boarding kindergartens smaller (configurable)."""
    limits = settings.CLASS_SIZE_LIMITS_BOARDING if schedule == Schedule.BOARDING else settings.CLASS_SIZE_LIMITS
    return limits[class_type]


def classes_with_compliance(kindergarten: Kindergarten) -> list[KindergartenClass]:
    classes = list(kindergarten.classes.filter(is_active=True).order_by("class_type", "name"))
    for c in classes:
        c.size_limit = class_size_limit(c.class_type, kindergarten.schedule)
        c.compliant = c.children <= c.size_limit
    return classes


def _compliant_condition(prefix: str = "") -> Q:
    """Q over KindergartenClass rows (or via ``prefix``) that are within their size limit."""
    q = Q()
    for boarding, limits in ((False, settings.CLASS_SIZE_LIMITS), (True, settings.CLASS_SIZE_LIMITS_BOARDING)):
        schedule_q = (
            Q(**{f"{prefix}kindergarten__schedule": Schedule.BOARDING})
            if boarding
            else ~Q(**{f"{prefix}kindergarten__schedule": Schedule.BOARDING})
        )
        for class_type, limit in limits.items():
            q |= schedule_q & Q(**{f"{prefix}class_type": class_type, f"{prefix}children__lte": limit})
    return q


def with_enrolment(qs: QuerySet[Kindergarten]) -> QuerySet[Kindergarten]:
    """Annotate ``enrolled`` (children in active classes), ``class_count`` and ``compliant_classes``."""
    active = Q(classes__is_active=True)
    return qs.annotate(
        enrolled=Coalesce(Sum("classes__children", filter=active), Value(0), output_field=IntegerField()),
        class_count=Count("classes", filter=active),
        compliant_classes=Count("classes", filter=active & _compliant_condition("classes__")),
    )


def district_compliance(qs: QuerySet[Kindergarten]) -> dict:
    """Totals for a set of kindergartens: classes, compliant classes and rate, enrolment vs capacity."""
    classes = KindergartenClass.objects.filter(kindergarten__in=qs.values("pk"), is_active=True)
    totals = classes.aggregate(
        classes=Count("pk"),
        compliant=Count("pk", filter=_compliant_condition()),
        enrolled=Coalesce(Sum("children"), Value(0)),
    )
    # Over the bare rows: ``qs`` may be filtered across classes (a join that repeats each kindergarten).
    totals["capacity"] = Kindergarten.objects.filter(pk__in=qs.values("pk")).aggregate(
        c=Coalesce(Sum("capacity"), Value(0))
    )["c"]
    totals["compliance_rate"] = (totals["compliant"] / totals["classes"]) if totals["classes"] else None
    totals["enrolment_rate"] = (totals["enrolled"] / totals["capacity"]) if totals["capacity"] else None
    return totals


def compliance_by_district(qs: QuerySet[Kindergarten]) -> list[dict]:
    """``district_compliance`` per district, in two queries whatever the number of districts."""
    kindergartens = Kindergarten.objects.filter(pk__in=qs.values("pk"))
    rows = {
        r["district_id"]: {**r, "classes": 0, "compliant": 0, "enrolled": 0}
        for r in kindergartens.values("district_id", "district__name")
        .annotate(kindergartens=Count("pk"), capacity=Coalesce(Sum("capacity"), Value(0)))
        .order_by("district__name")
    }
    classes = (
        KindergartenClass.objects.filter(kindergarten__in=kindergartens, is_active=True)
        .values("kindergarten__district_id")
        .annotate(
            classes=Count("pk"),
            compliant=Count("pk", filter=_compliant_condition()),
            enrolled=Coalesce(Sum("children"), Value(0)),
        )
        .order_by()
    )
    for c in classes:
        rows[c["kindergarten__district_id"]].update(
            classes=c["classes"], compliant=c["compliant"], enrolled=c["enrolled"]
        )
    for r in rows.values():
        r["compliance_rate"] = (r["compliant"] / r["classes"]) if r["classes"] else None
        r["enrolment_rate"] = (r["enrolled"] / r["capacity"]) if r["capacity"] else None
    return list(rows.values())
