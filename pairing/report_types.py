"""The pairing reports as report types of the report engine (reports.registry), not new machinery.

- 结对帮扶月调度表 (``pairing-monthly``): districts to the city, before the 20th of each month (seed 004,
  五.2: "每月20日前将月报表报送至市教育局"), covering the month so far; its figures are computed from the
  month's agreements and activities (``pairing.selectors.monthly_figures``), the district adds remarks.
- December summaries (seed 004, 三.(三).4): the kindergartens in an agreement in early December (due
  the 10th), the districts in mid-December (the 20th), each owed in December only.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from pairing.models import Form

N = {"kind": "number", "computed": True}

MONTHLY = {
    "sections": [
        {
            "key": "agreements",
            "title": "结对情况",
            "fields": [
                {"key": "agreements", "label": "本月执行中的帮扶协议", "unit": "份", **N},
                {"key": "helping", "label": "帮扶园", "unit": "所", **N},
                {"key": "helped", "label": "被帮扶园", "unit": "所", **N},
                {"key": "helped_rural", "label": "其中农村被帮扶园", "unit": "所", **N},
                {"key": "rural_in", "label": "参与帮扶的农村幼儿园（帮扶中）", "unit": "所", **N},
                {"key": "rural_all", "label": "在办农村幼儿园", "unit": "所", **N},
                {"key": "participation", "label": "农村幼儿园帮扶参与率", "unit": "%", "decimals": 1, **N},
                {"key": "target_share", "label": "本年度参与率目标", "unit": "%", "decimals": 1, **N},
                {"key": "idle", "label": "长期无活动的协议（超过市定提醒天数）", "unit": "份", **N},
            ],
        },
        {
            "key": "activities",
            "title": "本月帮扶活动",
            "fields": [
                {"key": "activities", "label": "活动次数", "unit": "次", **N},
                {"key": "hours", "label": "活动时长", "unit": "小时", "decimals": 1, **N},
                {"key": "helping_people", "label": "帮扶园参与人次", "unit": "人次", **N},
                {"key": "helped_people", "label": "被帮扶园参与人次", "unit": "人次", **N},
                *({"key": f"form_{v}", "label": f"其中{label}", "unit": "次", **N} for v, label in Form.choices),
            ],
        },
        {
            "key": "remarks",
            "title": "区县说明",
            "fields": [
                {"key": "progress", "label": "本月帮扶推进情况、经验做法与典型事例", "kind": "text"},
                {"key": "problems", "label": "存在的问题和下一步安排", "kind": "text"},
            ],
        },
    ],
    "rules": [],
}

KG_SUMMARY = {
    "sections": [
        {
            "key": "summary",
            "title": "本年度帮扶工作总结",
            "fields": [
                {"key": "progress", "label": "帮扶工作进展情况", "kind": "text", "required": True},
                {"key": "results", "label": "取得的成效", "kind": "text", "required": True},
                {"key": "problems", "label": "存在的问题", "kind": "text", "required": True},
                {"key": "plan", "label": "下一步工作计划", "kind": "text", "required": True},
                {"key": "attachment", "label": "总结报告（可选）", "kind": "file"},
            ],
        }
    ],
    "rules": [],
}

DISTRICT_SUMMARY = {
    "sections": [
        {
            "key": "year",
            "title": "全年帮扶数据",
            "fields": [
                {"key": "agreements", "label": "本年度执行的帮扶协议", "unit": "份", **N},
                {"key": "helping", "label": "帮扶园", "unit": "所", **N},
                {"key": "helped", "label": "被帮扶园", "unit": "所", **N},
                {"key": "activities", "label": "全年活动次数", "unit": "次", **N},
                {"key": "hours", "label": "全年活动时长", "unit": "小时", "decimals": 1, **N},
                {"key": "participation", "label": "农村幼儿园帮扶参与率", "unit": "%", "decimals": 1, **N},
                {"key": "target_share", "label": "本年度参与率目标", "unit": "%", "decimals": 1, **N},
            ],
        },
        {
            "key": "assessment",
            "title": "区县帮扶工作评估",
            "fields": [
                {"key": "assessment", "label": "全面评估与经验教训", "kind": "text", "required": True},
                {"key": "measures", "label": "改进措施", "kind": "text", "required": True},
            ],
        },
    ],
    "rules": [],
}


def _participation(district, day: datetime.date) -> dict:
    from pairing.models import CityTarget
    from pairing.selectors import participation_by_district

    rural_in, rural_all = participation_by_district([district.pk], day)[district.pk]
    target = CityTarget.objects.filter(city_id=district.parent_id, year=day.year).first()
    return {
        "rural_in": rural_in,
        "rural_all": rural_all,
        "participation": round(rural_in * 100 / rural_all, 1) if rural_all else None,
        "target_share": float(target.rural_share) if target else None,
    }


def monthly_figures(district, month: datetime.date) -> dict:
    from pairing.models import CityTarget
    from pairing.selectors import month_bounds, monthly_figures

    target = CityTarget.objects.filter(city_id=district.parent_id, year=month.year).first()
    figures = monthly_figures([district.pk], month, idle_days=target.idle_days if target else 45)[district.pk]
    _, last = month_bounds(month)
    return {**figures, **_participation(district, min(last, timezone.localdate()))}


def year_figures(district, month: datetime.date) -> dict:
    from django.db.models import Count, Q, Sum

    from pairing.models import Activity, AgreementParty
    from pairing.selectors import RUNNING_STATES, Agreement, Side

    start, end = datetime.date(month.year, 1, 1), datetime.date(month.year, 12, 31)
    parties = AgreementParty.objects.filter(
        kindergarten__district_id=district.pk,
        agreement__state__in=(*RUNNING_STATES, Agreement.State.COMPLETED, Agreement.State.ENDED),
        agreement__start_date__lte=end,
        agreement__end_date__gte=start,
    ).aggregate(
        agreements=Count("agreement_id", distinct=True),
        helping=Count("kindergarten_id", distinct=True, filter=Q(side=Side.HELPING)),
        helped=Count("kindergarten_id", distinct=True, filter=Q(side=Side.HELPED)),
    )
    acts = Activity.objects.filter(kindergarten__district_id=district.pk, date__gte=start, date__lte=end).aggregate(
        n=Count("pk"), hours=Sum("hours")
    )
    return {
        **parties,
        "activities": acts["n"],
        "hours": float(acts["hours"] or 0),
        **_participation(district, min(end, timezone.localdate())),
    }


def kindergartens_in_pairing(qs, month: datetime.date):
    """The kindergartens owing the December summary: those in an agreement running that year."""
    from pairing.models import AgreementParty
    from pairing.selectors import RUNNING_STATES, Agreement

    start, end = datetime.date(month.year, 1, 1), datetime.date(month.year, 12, 31)
    parties = AgreementParty.objects.filter(
        agreement__state__in=(*RUNNING_STATES, Agreement.State.COMPLETED),
        agreement__start_date__lte=end,
        agreement__end_date__gte=start,
    ).values("kindergarten_id")
    return qs.filter(pk__in=parties)


def register() -> None:
    from reports.registry import TypeDefinition, register_report_type

    register_report_type(
        TypeDefinition(
            spec={
                "code": "pairing-monthly",
                "name": "结对帮扶月调度表",
                "due_day": 20,
                "period": "current",
                "submitter_level": "district",
                "grace_days": 5,
                "sort_order": 30,
                "content": MONTHLY,
            },
            figures=monthly_figures,
        )
    )
    register_report_type(
        TypeDefinition(
            spec={
                "code": "pairing-kg-summary",
                "name": "幼儿园帮扶工作年度总结",
                "due_day": 10,
                "period": "current",
                "submitter_level": "kindergarten",
                "grace_days": 5,
                "sort_order": 31,
                "content": KG_SUMMARY,
            },
            kindergartens=kindergartens_in_pairing,
            months=(12,),
        )
    )
    register_report_type(
        TypeDefinition(
            spec={
                "code": "pairing-district-summary",
                "name": "区县帮扶工作年度总结",
                "due_day": 20,
                "period": "current",
                "submitter_level": "district",
                "grace_days": 5,
                "sort_order": 32,
                "content": DISTRICT_SUMMARY,
            },
            figures=year_figures,
            months=(12,),
        )
    )
