"""Supervision's indicator (DOMAIN §8): inspection coverage, as of each month's last day.

Registered with core.indicators from SupervisionConfig.ready(); ``compute`` receives the indicators
app's frame (the kindergarten-months that count).
"""

from __future__ import annotations

import bisect
from collections import defaultdict

from dateutil.relativedelta import relativedelta

from core.indicators import HIGHER, PERCENT, Indicator, Measures, Part, SqlPart, register_indicator
from supervision.models import Inspection, InspectionState

WINDOW = relativedelta(months=12)


def inspection_coverage(frame) -> Measures:
    """Per counted kindergarten-month: (1 if a submitted inspection is dated within the 12 months up
    to the day, else 0; 1). One query."""
    measures = Measures()
    if not frame.months:
        return measures
    first, last = frame.months[0] - WINDOW, frame.day(frame.months[-1])
    dates = defaultdict(list)
    for kg_id, day in Inspection.objects.filter(
        kindergarten_id__in=list(frame.kindergarten_ids()),
        state=InspectionState.SUBMITTED,
        planned_on__gt=first,
        planned_on__lte=last,
    ).values_list("kindergarten_id", "planned_on"):
        dates[kg_id].append(day)
    for values in dates.values():
        values.sort()
    for row in frame.counted_rows():
        day = frame.day(row.month)
        kg_dates = dates.get(row.kg_id, [])
        covered = bisect.bisect_right(kg_dates, day) > bisect.bisect_right(kg_dates, day - WINDOW)
        measures.parts[(row.kg_id, row.month)] = Part(
            int(covered), 1, "" if covered else "近 12 个月无已提交的督导记录"
        )
    return measures


def inspection_coverage_sql(frame) -> SqlPart | None:
    """The same parts as SQL over one counted kindergarten-month ``b`` (indicators.totals): a
    submitted inspection after ``b.year_before`` (the day twelve months before) up to the day."""
    if relativedelta(years=1) != WINDOW:  # b.year_before is the window's start only for a year
        return None
    covered = (
        f"CASE WHEN EXISTS (SELECT 1 FROM {Inspection._meta.db_table} i WHERE i.kindergarten_id = b.kg_id"  # noqa: S608 - table names from the models
        " AND i.state = %s AND i.planned_on <= b.day AND i.planned_on > b.year_before) THEN 1 ELSE 0 END"
    )
    return SqlPart(numerator=(covered, (InspectionState.SUBMITTED.value,)), denominator=("1", ()))


INDICATORS = (
    Indicator(
        code="inspection-coverage",
        name="督导覆盖率",
        formula="近 12 个月有已提交督导记录的幼儿园数 ÷ 计入统计的幼儿园数 × 100%",
        numerator_label="近 12 个月受督导的幼儿园数",
        denominator_label="计入统计的幼儿园数",
        unit=PERCENT,
        direction=HIGHER,
        source="督导检查",
        compute=inspection_coverage,
        sql=inspection_coverage_sql,
        rule="以督导记录的检查日期计，截至月末当天的 12 个月内；计划中、检查中的记录不计。",
        order=80,
    ),
)


def register() -> None:
    for indicator in INDICATORS:
        register_indicator(indicator)
