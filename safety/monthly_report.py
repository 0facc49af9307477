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
Five queries whatever the number of kindergartens or incidents.
"""

from __future__ import annotations

import datetime

from django.db.models import Count, Q

from safety.models import Grade, Hazard, Incident, IncidentKind, VideoCheck, ZeroReport


def _pct(part: int, whole: int) -> str:
    return f"{part * 100 / whole:.1f}%" if whole else "—"


def safety_of_month(district, month: datetime.date):
    from kindergartens.models import Kindergarten
    from kindergartens.selectors import kindergartens_counted_on
    from reports.registry import DistrictSection
    from supervision.models import OrderState
    from supervision.monthly_report import month_bounds

    start, end, following = month_bounds(month)
    first = month.replace(day=1)
    # 1. The month's incidents by grade and kind, and the late ones.
    by_grade = dict.fromkeys(Grade.values, 0)
    by_kind = dict.fromkeys(IncidentKind.values, 0)
    total = late = 0
    for row in (
        Incident.objects.filter(district_id=district.pk, occurred_at__gte=start, occurred_at__lt=end)
        .order_by()
        .values("grade", "kind")
        .annotate(n=Count("pk"), n_late=Count("pk", filter=Q(late=True)))
    ):
        total += row["n"]
        late += row["n_late"]
        by_grade[row["grade"]] += row["n"]
        by_kind[row["kind"]] += row["n"]
    # 2. Open at the month's end.
    still_open = (
        Incident.objects.filter(district_id=district.pk, occurred_at__lt=end)
        .filter(Q(final_at__isnull=True) | Q(final_at__gte=end))
        .count()
    )
    # 3. Zero reports of the month.
    zero = ZeroReport.objects.filter(month=first, kindergarten__district_id=district.pk).count()
    # 4. Hazards.
    accepted = OrderState.ACCEPTED
    closed_by_end = Q(order__state=accepted, order__verified_at__lt=end)
    ordered_by_end = Q(order__isnull=False, order__issued_at__lt=end)
    hazards = Hazard.objects.filter(kindergarten__district_id=district.pk).aggregate(
        opened=Count("pk", filter=Q(found_on__gte=first, found_on__lt=following)),
        closed=Count("pk", filter=Q(order__state=accepted, order__verified_at__gte=start, order__verified_at__lt=end)),
        overdue=Count("pk", filter=ordered_by_end & ~closed_by_end & Q(order__deadline__lt=following)),
        waiting=Count("pk", filter=Q(found_on__lt=following) & ~ordered_by_end),
    )
    # 5. Video checks over the kindergartens that count on the month's last day.
    counted = kindergartens_counted_on(
        Kindergarten.objects.filter(district_id=district.pk), following - datetime.timedelta(days=1)
    ).order_by()
    coverage = counted.aggregate(
        kindergartens=Count("pk", distinct=True),
        checked=Count(
            "pk", distinct=True, filter=Q(pk__in=VideoCheck.objects.filter(month=first).values("kindergarten_id"))
        ),
    )
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
