"""Safety's section of the district's monthly report to the city (reports.registry; registered in
SafetyConfig.ready(), reports never imports safety), beside supervision's (supervision/monthly_report.py).

"Of the month" is a Beijing month: from 00:00 on the 1st to 00:00 on the 1st of the next month.
- Incidents of the month: those that happened in it (the district column of the incident, which is
  the kindergarten's district at the report), by grade (every grade) and kind (the kinds that
  occurred), and how many of them were reported late (迟报).
- Open at the month's end: incidents that happened before its end without a final report by then
  (a final report after the month's end still leaves it open at the end).
- Zero reports: the district's kindergartens that confirmed "no incident" for the month.
- Hazards: found in the month (found_on); closed in the month (their rectification order accepted
  in it); overdue at the month's end (ordered by then, not accepted by then, its deadline before the
  next month's 1st — as supervision's section counts orders); waiting for an order at the month's end.
- Video checks: the kindergartens that count on the month's last day (kindergartens.selectors) with
  the month's video-surveillance check, and the share.
One query whatever the number of kindergartens or incidents.
"""

from __future__ import annotations

import datetime

from core.db.compiled import CompiledQuery
from core.db.params import adapt_all
from safety.models import Grade, Hazard, Incident, IncidentKind, VideoCheck, ZeroReport


def _pct(part: int, whole: int) -> str:
    return f"{part * 100 / whole:.1f}%" if whole else "—"


def _counted(day: tuple, district: int):
    from kindergartens.models import Kindergarten
    from kindergartens.selectors import kindergartens_counted_on

    return kindergartens_counted_on(Kindergarten.objects.filter(district_id=district), day[0]).order_by().values("pk")


_COUNTED = CompiledQuery(_counted, district=int)


def _counted_sql(district_id: int, day: datetime.date) -> tuple[str, list]:
    """The district's kindergartens that count on ``day`` (kindergartens.selectors), as SQL compiled once
    per day and Beijing day (the rule reads today's date) and reused for every district."""
    from django.utils import timezone

    return _COUNTED.sql(context=(day, timezone.localdate()), district=district_id)


def safety_of_month(district, month: datetime.date):
    from django.db import connection

    from kindergartens.models import Kindergarten
    from reports.registry import DistrictSection
    from supervision.models import OrderState, RectificationOrder
    from supervision.monthly_report import month_bounds

    start, end, following = month_bounds(month)
    first = month.replace(day=1)
    incident, zero_report, hazard = Incident._meta.db_table, ZeroReport._meta.db_table, Hazard._meta.db_table
    order, video, kindergarten = (
        RectificationOrder._meta.db_table,
        VideoCheck._meta.db_table,
        Kindergarten._meta.db_table,
    )
    counted_sql, counted_params = _counted_sql(district.pk, following - datetime.timedelta(days=1))
    # One plain query (building the equivalent ORM queries cost more than running them; bench/reports.py),
    # one column per grade and kind, so its shape does not depend on the data.
    grade_columns = ", ".join("COALESCE(SUM(CASE WHEN i.grade = %s THEN 1 ELSE 0 END), 0)" for _ in Grade.values)
    kind_columns = ", ".join("COALESCE(SUM(CASE WHEN i.kind = %s THEN 1 ELSE 0 END), 0)" for _ in IncidentKind.values)
    accepted = OrderState.ACCEPTED.value
    sql = f"""
        SELECT * FROM
          -- 1. The month's incidents by grade and kind, and the late ones.
          (SELECT COUNT(*), COALESCE(SUM(CASE WHEN i.late THEN 1 ELSE 0 END), 0), {grade_columns}, {kind_columns}
             FROM {incident} i
            WHERE i.district_id = %s AND i.occurred_at >= %s AND i.occurred_at < %s) incidents
          -- 2. Open at the month's end.
          CROSS JOIN (SELECT COUNT(*) FROM {incident} i
                       WHERE i.district_id = %s AND i.occurred_at < %s
                         AND (i.final_at IS NULL OR i.final_at >= %s)) still_open
          -- 3. Zero reports of the month.
          CROSS JOIN (SELECT COUNT(*) FROM {zero_report} z JOIN {kindergarten} k ON k.id = z.kindergarten_id
                       WHERE k.district_id = %s AND z.month = %s) zero
          -- 4. Hazards: found, closed, overdue (ordered by the end, not accepted by then, deadline
          --    passed), waiting for an order at the end.
          CROSS JOIN (SELECT COALESCE(SUM(CASE WHEN h.found_on >= %s AND h.found_on < %s THEN 1 ELSE 0 END), 0),
                             COALESCE(SUM(CASE WHEN o.state = %s AND o.verified_at >= %s AND o.verified_at < %s
                                               THEN 1 ELSE 0 END), 0),
                             COALESCE(SUM(CASE WHEN h.order_id IS NOT NULL AND o.issued_at < %s
                                                AND NOT (o.state = %s AND o.verified_at IS NOT NULL AND o.verified_at < %s)
                                                AND o.deadline < %s THEN 1 ELSE 0 END), 0),
                             COALESCE(SUM(CASE WHEN h.found_on < %s AND (h.order_id IS NULL OR o.issued_at >= %s)
                                               THEN 1 ELSE 0 END), 0)
                        FROM {hazard} h JOIN {kindergarten} k ON k.id = h.kindergarten_id
                        LEFT JOIN {order} o ON o.id = h.order_id
                       WHERE k.district_id = %s) hazards
          -- 5. Video checks over the kindergartens that count on the month's last day.
          CROSS JOIN (SELECT COUNT(*), COALESCE(SUM(CASE WHEN k.id IN (SELECT v.kindergarten_id FROM {video} v
                                                                     WHERE v.month = %s) THEN 1 ELSE 0 END), 0)
                        FROM {kindergarten} k WHERE k.id IN ({counted_sql})) coverage
    """  # noqa: S608 - table names from the models and the rule's own SQL; values are parameters
    params = [
        *Grade.values,
        *IncidentKind.values,
        *(district.pk, start, end),
        *(district.pk, end, end),
        *(district.pk, first),
        *(first, following),
        *(accepted, start, end),
        *(end, accepted, end, following),
        *(following, end),
        district.pk,
        first,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*adapt_all(params), *counted_params])
        row = [int(v) for v in cursor.fetchone()]
    total, late = row[0], row[1]
    row = row[2:]
    by_grade = dict(zip(Grade.values, row[: len(Grade.values)], strict=True))
    row = row[len(Grade.values) :]
    by_kind = dict(zip(IncidentKind.values, row[: len(IncidentKind.values)], strict=True))
    still_open, zero, opened, closed, overdue, waiting, kindergartens, checked = row[len(IncidentKind.values) :]
    hazards = {"opened": opened, "closed": closed, "overdue": overdue, "waiting": waiting}
    coverage = {"kindergartens": kindergartens, "checked": checked}
    rows = [("本月发生安全事故", total, "起")]
    rows += [(f"其中{label}", by_grade[value], "起") for value, label in Grade.choices]
    rows += [(f"{label}事故", by_kind[value], "起") for value, label in IncidentKind.choices if by_kind[value]]
    rows += [
        ("迟报", late, "起"),
        ("月末未终报的事故", still_open, "起"),
        ("本月确认零报告的幼儿园", zero, "所"),
        ("本月发现安全隐患", hazards["opened"], "处"),
        ("本月整改完成的隐患", hazards["closed"], "处"),
        ("月末逾期未整改的隐患", hazards["overdue"], "处"),
        ("月末待下达整改通知的隐患", hazards["waiting"], "处"),
        ("完成视频监控月度检查的幼儿园", coverage["checked"], "所"),
        ("视频监控月度检查覆盖率", _pct(coverage["checked"], coverage["kindergartens"]), ""),
    ]
    return DistrictSection(
        rows=rows,
        note=(
            "事故按发生时间（北京时间）统计；未终报指月末 24 时仍无终报；隐患逾期指整改期限已过、月末仍未验收通过；"
            "视频监控检查覆盖率以月末计入统计的幼儿园为分母。"
        ),
    )


def register() -> None:
    from reports.registry import register_district_section

    register_district_section(key="safety.month", title="安全管理", order=50, build=safety_of_month)
