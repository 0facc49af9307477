"""Supervision's sections of the district's monthly report to the city (DOMAIN.md §8, issue 8):
the inspections of the month by kind and their conclusions, and the rectification orders issued,
closed and overdue. Registered with reports.registry from SupervisionConfig.ready(); reports never
imports supervision.

"Of the month" is a Beijing month: from 00:00:00 on the 1st to 00:00:00 on the 1st of the next month,
Asia/Shanghai. An inspection counts in the month its findings were submitted (a planned or unfinished
visit has found nothing yet); an order in the month it was issued, or closed (verified and accepted).
"Overdue at the month's end" is what the escalation task would call overdue on the next month's 1st:
an order whose deadline fell within or before the month and that was not accepted by then. Each
section answers in one query, whatever the number of kindergartens.
"""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings

from supervision.models import Inspection, InspectionKind, InspectionState, OrderState, RectificationOrder

ANNUAL_CONCLUSIONS = (("pass", "年检合格"), ("basic", "年检基本合格"), ("fail", "年检不合格"))


def month_bounds(month: datetime.date) -> tuple[datetime.datetime, datetime.datetime, datetime.date]:
    """(start, end) of the Beijing month as aware datetimes, and the first day of the next month."""
    zone = ZoneInfo(settings.TIME_ZONE)
    first = month.replace(day=1)
    following = (first + datetime.timedelta(days=32)).replace(day=1)
    start = datetime.datetime.combine(first, datetime.time.min, tzinfo=zone)
    end = datetime.datetime.combine(following, datetime.time.min, tzinfo=zone)
    return start, end, following


def _rows(sql: str, params: list) -> list[tuple]:
    """Plain SQL (table names from the models): the build runs these once per district and month, and
    building the equivalent ORM queries cost more than running them (bench/reports.py)."""
    from django.db import connection

    from core.db.params import adapt_all
    from kindergartens.models import Kindergarten

    tables = {
        "inspection": Inspection._meta.db_table,
        "order": RectificationOrder._meta.db_table,
        "kindergarten": Kindergarten._meta.db_table,
    }
    with connection.cursor() as cursor:  # times as each database stores them (SQLite: naive UTC text)
        cursor.execute(sql.format(**tables), adapt_all(params, connection))
        return cursor.fetchall()


def inspections_of_month(district, month: datetime.date):
    from reports.registry import DistrictSection

    start, end, _following = month_bounds(month)
    # One plain GROUP BY (cheap to build and to run; the sums are made here): a district's month has at
    # most a few rows per kindergarten.
    groups = _rows(
        """SELECT i.kindergarten_id, i.kind, i.conclusion, i.vetoed, COUNT(*)
             FROM {inspection} i JOIN {kindergarten} k ON k.id = i.kindergarten_id
            WHERE k.district_id = %s AND i.state = %s AND i.submitted_at >= %s AND i.submitted_at < %s
            GROUP BY i.kindergarten_id, i.kind, i.conclusion, i.vetoed""",
        [district.pk, InspectionState.SUBMITTED.value, start, end],
    )
    by_kind = dict.fromkeys(InspectionKind.values, 0)
    by_conclusion = dict.fromkeys((value for value, _ in ANNUAL_CONCLUSIONS), 0)
    total = vetoed = 0
    kindergartens = set()
    for kg_id, kind, conclusion, was_vetoed, n in groups:
        total += n
        kindergartens.add(kg_id)
        by_kind[kind] = by_kind.get(kind, 0) + n
        if conclusion in by_conclusion:
            by_conclusion[conclusion] += n
        if was_vetoed:
            vetoed += n
    rows = [("督导检查次数", total, "次"), ("受检幼儿园数", len(kindergartens), "所")]
    rows += [(label, by_kind[kind], "次") for kind, label in InspectionKind.choices]
    rows += [(label, by_conclusion[value], "所") for value, label in ANNUAL_CONCLUSIONS]
    rows.append(("一票否决的检查", vetoed, "次"))
    return DistrictSection(rows=rows, note="按检查结果提交时间（北京时间）统计本月完成的督导检查。")


def orders_of_month(district, month: datetime.date):
    from reports.registry import DistrictSection

    start, end, following = month_bounds(month)
    accepted = OrderState.ACCEPTED.value
    # The orders that matter to the month: issued before its end and not closed before its start.
    open_at_end = "NOT (o.state = %s AND o.verified_at IS NOT NULL AND o.verified_at < %s)"
    ((issued, closed, still_open, overdue),) = _rows(
        f"""SELECT COALESCE(SUM(CASE WHEN o.issued_at >= %s THEN 1 ELSE 0 END), 0),
                   COALESCE(SUM(CASE WHEN o.state = %s AND o.verified_at >= %s AND o.verified_at < %s THEN 1 ELSE 0 END), 0),
                   COALESCE(SUM(CASE WHEN {open_at_end} THEN 1 ELSE 0 END), 0),
                   COALESCE(SUM(CASE WHEN {open_at_end} AND o.deadline < %s THEN 1 ELSE 0 END), 0)
              FROM {{order}} o JOIN {{kindergarten}} k ON k.id = o.kindergarten_id
             WHERE k.district_id = %s AND o.issued_at < %s
               AND NOT (o.state = %s AND o.verified_at IS NOT NULL AND o.verified_at < %s)""",  # noqa: S608 - a constant fragment; values are parameters
        [
            start,
            *(accepted, start, end),  # closed this month
            *(accepted, end),
            *(accepted, end),
            following,
            district.pk,
            end,
            *(accepted, start),
        ],
    )
    rows = [
        ("本月下达整改通知", int(issued), "份"),
        ("本月验收通过（整改完成）", int(closed), "份"),
        ("月末未完成整改", int(still_open), "份"),
        ("其中逾期未整改", int(overdue), "份"),
    ]
    return DistrictSection(rows=rows, note="月末指本月最后一天 24 时（北京时间）；逾期指整改期限已过仍未验收通过。")


def register() -> None:
    from reports.registry import register_district_section

    register_district_section(key="supervision.inspections", title="督导检查", order=30, build=inspections_of_month)
    register_district_section(key="supervision.rectification", title="整改通知", order=40, build=orders_of_month)
