"""Writes: the month's enrolment snapshot, resident children (form and import), targets."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from indicators.frame import first_of
from indicators.models import EnrolmentSnapshot, ResidentChildren, ResponsibilityTask, Target
from kindergartens.models import Kindergarten
from kindergartens.selectors import with_enrolment


def today() -> datetime.date:
    return timezone.localdate()


def enrolment_snapshot_take(*, day: datetime.date | None = None) -> int:
    """Write every kindergarten's enrolment today into the month's snapshot (rewritten each day, so
    the last run of a month leaves its month-end figures). Idempotent. Returns the rows written."""
    day = day or today()
    month = first_of(day)
    rows = with_enrolment(Kindergarten.objects.order_by()).values(
        "pk", "district_id", "township_id", "enrolled", "class_count", "compliant_classes", "capacity"
    )
    snapshots = [
        EnrolmentSnapshot(
            kindergarten_id=r["pk"],
            month=month,
            district_id=r["district_id"],
            township_id=r["township_id"],
            children=r["enrolled"],
            classes=r["class_count"],
            compliant_classes=r["compliant_classes"],
            capacity=r["capacity"],
            taken_on=day,
        )
        for r in rows
    ]
    with transaction.atomic():
        EnrolmentSnapshot.objects.bulk_create(
            snapshots,
            batch_size=1000,
            update_conflicts=True,
            unique_fields=["kindergarten", "month"],
            update_fields=["district", "township", "children", "classes", "compliant_classes", "capacity", "taken_on"],
        )
    return len(snapshots)


def resident_children_save(
    *,
    user,
    township,
    year: int,
    children: int,
    source: str,
    source_date: datetime.date,
    is_estimate: bool = False,
    note: str = "",
) -> ResidentChildren:
    """Create or update a township's figure for a year (one per township and year)."""
    with transaction.atomic():
        record = ResidentChildren.objects.select_for_update().filter(township=township, year=year).first()
        if record is None:
            record = ResidentChildren(township=township, district_id=township.district_id, year=year)
        record.children, record.source, record.source_date = children, source, source_date
        record.is_estimate, record.note = is_estimate, note
        record.recorded_by, record.recorded_at = user, timezone.now()
        record.full_clean()
        record.save()
    return record


def resident_children_import(*, user, rows: list[dict]) -> int:
    """All or nothing: every row already checked (indicators.imports)."""
    with transaction.atomic():
        for row in rows:
            resident_children_save(user=user, **row)
    return len(rows)


def target_save(
    *,
    user,
    bureau,
    indicator: str,
    year: int,
    value,
    baseline_year: int | None = None,
    baseline_value=None,
    plan: str = "",
) -> Target:
    from core.indicators import get_indicator

    kept = get_indicator(indicator)
    if kept is not None and kept.targets is not None:
        raise ValidationError({"indicator": f"“{kept.name}”的目标在{kept.targets_source}中设定，这里不另设。"})
    with transaction.atomic():
        target = Target.objects.select_for_update().filter(bureau=bureau, indicator=indicator, year=year).first()
        if target is None:
            target = Target(bureau=bureau, indicator=indicator, year=year)
        target.value, target.baseline_year, target.baseline_value, target.plan = (
            value,
            baseline_year,
            baseline_value,
            plan,
        )
        target.recorded_by = user
        target.full_clean()
        target.save()
    return target


def responsibility_task_save(*, user, district, task=None, **fields) -> ResponsibilityTask:
    """Create or change a task of the district's responsibility list."""

    with transaction.atomic():
        task = task if task is not None else ResponsibilityTask(district=district)
        for name, value in fields.items():
            setattr(task, name, value)
        task.recorded_by = user
        task.full_clean()
        task.save()
    return task
