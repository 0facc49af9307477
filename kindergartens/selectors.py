"""Reads over the registry: dated status/nature ("as of"), class-size compliance, enrolment."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

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


def _changed_after(attribute: str, day: datetime.date) -> QuerySet:
    """Kindergartens with a dated change of ``attribute`` after ``day`` (or after yesterday)."""
    # Up to yesterday the current value is exactly what the history says (the services and the
    # daily task keep it so); a change effective today may wait for the 00:05 task.
    settled = min(day, timezone.localdate() - datetime.timedelta(days=1))
    return (
        KindergartenStatusChange.objects.filter(attribute=attribute, effective_date__gt=settled)
        .order_by()
        .values("kindergarten_id")
    )


def kindergartens_on(
    qs: QuerySet[Kindergarten],
    day: datetime.date,
    *,
    statuses: Iterable[str] | None = None,
    natures: Iterable[str] | None = None,
) -> QuerySet[Kindergarten]:
    """Kindergartens already registered on ``day`` (optionally whose status/nature then is in the
    given sets), annotated with ``status_on``/``nature_on`` for display.

    Fast over a whole province: a kindergarten whose status (nature) has not changed since
    ``day`` still has that day's value as its current value, so only the few changed since are
    looked up in the history; the rest are filtered on the current column.
    """
    qs = kindergartens_as_of(qs, day)
    if statuses is None:
        # Registered by then (a status filter below implies it, so it is not repeated there).
        qs = qs.filter(~Q(pk__in=_changed_after("status", day)) | Q(status_on__isnull=False))
    for attribute, values in (("status", statuses), ("nature", natures)):
        if values is None:
            continue
        values = list(values)
        changed = _changed_after(attribute, day)
        qs = qs.filter(
            (Q(**{f"{attribute}__in": values}) & ~Q(pk__in=changed))
            | (Q(pk__in=changed) & Q(**{f"{attribute}_on__in": values}))
        )
    return qs


def kindergartens_operating_on(qs: QuerySet[Kindergarten], day: datetime.date) -> QuerySet[Kindergarten]:
    return kindergartens_on(qs, day, statuses=[s.value for s in OPERATING_STATUSES])


def kindergartens_inclusive_on(qs: QuerySet[Kindergarten], day: datetime.date) -> QuerySet[Kindergarten]:
    return kindergartens_on(
        qs, day, statuses=[s.value for s in OPERATING_STATUSES], natures=[n.value for n in INCLUSIVE_NATURES]
    )


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


def _per_class(aggregate, condition: Q | None = None) -> Coalesce:
    """A correlated subquery over the kindergarten's active classes."""
    classes = KindergartenClass.objects.filter(kindergarten=OuterRef("pk"), is_active=True)
    if condition is not None:
        classes = classes.filter(condition)
    value = classes.order_by().values("kindergarten").annotate(v=aggregate).values("v")[:1]
    return Coalesce(Subquery(value, output_field=IntegerField()), Value(0), output_field=IntegerField())


def with_enrolment(qs: QuerySet[Kindergarten]) -> QuerySet[Kindergarten]:
    """Annotate ``enrolled`` (children in active classes), ``class_count`` and ``compliant_classes``.

    Correlated subqueries rather than a join with GROUP BY: a paginated list then computes
    them only for the rows of its page (PostgreSQL evaluates costly select-list expressions
    after ORDER BY/LIMIT), and ``count()`` drops them altogether.
    """
    return qs.annotate(
        enrolled=_per_class(Sum("children")),
        class_count=_per_class(Count("pk")),
        compliant_classes=_per_class(Count("pk"), _compliant_condition()),
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
