"""The pairing reports as report types of the report engine (reports.registry), not new machinery.

- 结对帮扶月调度表 (``pairing-monthly``): districts to the city, before the 20th of each month (seed 004,
  五.2: "每月20日前将月报表报送至市教育局"), covering the month so far; its figures are computed from the
  month's agreements and activities (``pairing.selectors.monthly_figures``), the district adds remarks.
- December summaries (seed 004, 三.(三).4): the kindergartens in an agreement in early December (due
  the 10th), the districts in mid-December (the 20th), the city in late December (the 28th, the last due
  day the engine allows), each owed in December only. The city's (``pairing-city-summary``) is a city
  report (reports.models.SubmitterLevel.CITY): the city bureau files it here and sends it on to the
  province; its year figures are prefilled from the pairing records (``city_year_figures``, registered
  with reports.registry.register_prefill), the city writes its results, problems and next steps.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from pairing.models import Agreement, Form, Mode

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


CITY_SUMMARY_CODE = "pairing-city-summary"
# The states an agreement of the year is counted in (drafts and returned ones are not agreements yet).
SUMMARY_STATES = (
    Agreement.State.SUBMITTED,
    Agreement.State.CONFIRMED,
    Agreement.State.ACTIVE,
    Agreement.State.COMPLETED,
    Agreement.State.ENDED,
)

CITY_SUMMARY = {
    "sections": [
        {
            "key": "participation",
            "title": "全市帮扶参与情况",
            "fields": [
                {"key": "participants", "label": "本年度参与帮扶结对的幼儿园", "unit": "所", **N},
                {"key": "participants_target", "label": "本年度参与帮扶结对的幼儿园目标", "unit": "所", **N},
                {"key": "rural_in", "label": "参与帮扶的农村幼儿园（帮扶中）", "unit": "所", **N},
                {"key": "rural_all", "label": "在办农村幼儿园", "unit": "所", **N},
                {"key": "participation", "label": "农村幼儿园帮扶参与率", "unit": "%", "decimals": 1, **N},
                {"key": "target_share", "label": "本年度参与率目标", "unit": "%", "decimals": 1, **N},
            ],
        },
        {
            "key": "agreements",
            "title": "帮扶协议",
            "fields": [
                {"key": "agreements", "label": "本年度的帮扶协议", "unit": "份", **N},
                *({"key": f"mode_{v}", "label": f"其中{label}", "unit": "份", **N} for v, label in Mode.choices),
                *(
                    {"key": f"state_{v}", "label": f"其中{label}", "unit": "份", **N}
                    for v, label in Agreement.State.choices
                    if v in SUMMARY_STATES
                ),
                {"key": "late", "label": "逾期报市的帮扶协议", "unit": "份", **N},
                {"key": "late_list", "label": "逾期报市的协议名单", "kind": "text", "computed": True},
            ],
        },
        {
            "key": "activities",
            "title": "全年帮扶活动",
            "fields": [
                {"key": "activities", "label": "活动次数", "unit": "次", **N},
                {"key": "hours", "label": "活动时长", "unit": "小时", "decimals": 1, **N},
                *({"key": f"form_{v}", "label": f"其中{label}", "unit": "次", **N} for v, label in Form.choices),
            ],
        },
        {
            "key": "districts",
            "title": "区县年度总结报送情况",
            "fields": [
                {"key": "districts", "label": "区县数", "unit": "个", **N},
                {"key": "districts_submitted", "label": "已报送区县帮扶工作年度总结的区县", "unit": "个", **N},
                {"key": "districts_missing", "label": "尚未报送的区县", "kind": "text", "computed": True},
            ],
        },
        {
            "key": "summary",
            "title": "市级总结",
            "fields": [
                {"key": "results", "label": "成效", "kind": "text", "required": True},
                {"key": "problems", "label": "问题", "kind": "text", "required": True},
                {"key": "plan", "label": "下一步打算", "kind": "text", "required": True},
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


def city_year_figures(city, month: datetime.date) -> dict:
    """The city's pairing year (the year of ``month``) in figures, for its December summary: participation
    against the target (as of the year's end, or today while the year runs), the year's agreements (those
    of the city's districts, agreed and running at some time in the year) by mode and state, the late ones,
    the year's activities and hours by form, and how many districts have submitted their own December
    summary (``pairing-district-summary``). A fixed number of queries (11) whatever the city's size."""
    from django.db.models import Count, Q, Sum

    from kindergartens.models import Bureau, area_name
    from pairing.models import Activity, AgreementParty, CityTarget
    from pairing.selectors import agreements_late, participation_by_district
    from reports.models import Submission

    year = month.year
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    day = min(end, timezone.localdate())
    districts = list(Bureau.objects.filter(parent=city, level=Bureau.Level.DISTRICT).order_by("name"))
    ids = [d.pk for d in districts]
    target = CityTarget.objects.filter(city=city, year=year).first()
    participation = participation_by_district(ids, day)
    rural_in = sum(p[0] for p in participation.values())
    rural_all = sum(p[1] for p in participation.values())
    of_year = Q(district__parent=city, state__in=SUMMARY_STATES, start_date__lte=end, end_date__gte=start)
    counts = Agreement.objects.filter(of_year).aggregate(
        agreements=Count("pk"),
        **{f"mode_{v}": Count("pk", filter=Q(mode=v)) for v in Mode.values},
        **{f"state_{v}": Count("pk", filter=Q(state=v)) for v in SUMMARY_STATES},
    )
    participants = (
        AgreementParty.objects.filter(
            agreement__in=Agreement.objects.filter(of_year).exclude(state=Agreement.State.SUBMITTED)
        )
        .values("kindergarten_id")
        .distinct()
        .count()
    )
    acts = {
        row["form"]: row
        for row in Activity.objects.filter(kindergarten__district__in=ids, date__gte=start, date__lte=end)
        .order_by()
        .values("form")
        .annotate(n=Count("pk"), hours=Sum("hours"))
    }
    late = agreements_late(city.pk, year, day)
    submitted = set(
        Submission.objects.filter(
            report_type__code="pairing-district-summary",
            month=datetime.date(year, 12, 1),
            district__in=ids,
            first_submitted_at__isnull=False,
        ).values_list("district_id", flat=True)
    )
    return {
        "participants": participants,
        "participants_target": target.participants if target else None,
        "rural_in": rural_in,
        "rural_all": rural_all,
        "participation": round(rural_in * 100 / rural_all, 1) if rural_all else None,
        "target_share": float(target.rural_share) if target else None,
        **counts,
        "late": len(late),
        "late_list": "、".join(f"{a.title}（{a.district.area_name}）" for a in late) or "无",
        "activities": sum(r["n"] for r in acts.values()),
        "hours": round(sum(float(r["hours"] or 0) for r in acts.values()), 1),
        **{f"form_{v}": acts[v]["n"] if v in acts else 0 for v in Form.values},
        "districts": len(districts),
        "districts_submitted": len(submitted),
        "districts_missing": "、".join(area_name(d.name) for d in districts if d.pk not in submitted) or "无",
    }


def _city_summary_prefill(submission) -> dict:
    """reports.registry prefill: the city summary's figures, for that type's submissions only."""
    if submission.kindergarten_id is not None or submission.report_type.code != CITY_SUMMARY_CODE:
        return {}
    return city_year_figures(submission.district, submission.month)


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
    from reports.registry import TypeDefinition, register_prefill, register_report_type

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
    register_report_type(
        TypeDefinition(
            spec={
                "code": CITY_SUMMARY_CODE,
                "name": "市帮扶工作年度总结",
                "due_day": 28,
                "period": "current",
                "submitter_level": "city",
                "grace_days": 3,
                "sort_order": 33,
                "content": CITY_SUMMARY,
            },
            months=(12,),
        )
    )
    register_prefill(key="pairing.city-summary", provide=_city_summary_prefill)
