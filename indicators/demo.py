"""Demo data for the indicators (called by ``manage.py seed_demo`` after the registry): the seed plans'
targets (seeds 002 and 003), resident children per township for three years, and 36 months of
month-end enrolment snapshots, so that the dashboard has trends. Idempotent: nothing that exists
is changed."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction

from core.audit import audit_context
from indicators.frame import months_back
from indicators.models import EnrolmentSnapshot, ResidentChildren, Target
from indicators.services import today
from kindergartens.models import Bureau, Kindergarten, Township
from kindergartens.selectors import with_enrolment

# (indicator, baseline 2023, target) per plan. 大洼区 follows the county plan of seed 002 (2025: 100 /
# 92 / 60); the other districts and the city the county assessment figures of seed 003 (90 / 85 / 50).
AMBITIOUS = {"gross-enrolment": (92, 100), "inclusive-coverage": (80, 92), "public-share": (48, 60)}
ASSESSMENT = {"gross-enrolment": (86, 90), "inclusive-coverage": (78, 85), "public-share": (44, 50)}
COMMON = {
    "class-size": (80, 85),
    "teacher-ratio": (17, 15),
    "certificate-holding": (92, 100),
    "inspection-coverage": (85, 100),
}
PLANS = {"大洼区教育局": ("大洼区学前教育发展提升行动计划（2024—2025年）", AMBITIOUS)}
DEFAULT_PLAN = ("学前教育普及普惠县创建方案（2023—2025年）", ASSESSMENT)
CITY_PLAN = "盘锦市学前教育普及普惠工作方案（2023—2025年）"
HISTORY = 36


def _targets(bureau: Bureau, plan: str, figures: dict) -> int:
    made = 0
    for code, (baseline, target) in {**figures, **COMMON}.items():
        _obj, created = Target.objects.get_or_create(
            bureau=bureau,
            indicator=code,
            year=2025,
            defaults={
                "value": Decimal(target),
                "baseline_year": 2023,
                "baseline_value": Decimal(baseline),
                "plan": plan,
            },
        )
        made += created
    return made


# Tasks in the manner of seed 002's plans: lead and responsible units, deadlines, the indicator moved.
TASKS = (
    (
        "新建、改扩建公办幼儿园，增加公办学位",
        "区教育局",
        "区发展改革局、区财政局、区自然资源局、区住房城乡建设局",
        -60,
        "public-share",
    ),
    ("认定扶持普惠性民办幼儿园，落实生均补助", "区教育局", "区财政局、区市场监管局", 120, "inclusive-coverage"),
    (
        "核定各街道/乡镇 3–5 岁常住适龄儿童数",
        "区统计局",
        "区公安分局、区卫生健康局、各街道/乡镇",
        30,
        "gross-enrolment",
    ),
    ("全面消除大班额，控制班额在标准以内", "区教育局", "各幼儿园", 200, "class-size"),
    ("幼儿园教职工持证上岗全覆盖", "区教育局", "区人力资源社会保障局、区卫生健康局", 300, "certificate-holding"),
)


def _tasks(districts, day) -> int:
    from indicators.models import ResponsibilityTask
    from indicators.responsibility import progress_type_ensure
    from reports.services import submissions_open

    # Created after seed_reports opened the month's reports: opened here too, so a second run adds nothing.
    report_type = progress_type_ensure()
    submissions_open(report_type=report_type, month=report_type.month_due_on(day))
    made = 0
    for district in districts:
        for number, (title, lead, units, days, indicator) in enumerate(TASKS, start=1):
            _obj, created = ResponsibilityTask.objects.get_or_create(
                district=district,
                number=number,
                defaults={
                    "title": title,
                    "lead_unit": lead,
                    "responsible_units": units,
                    "deadline": day + datetime.timedelta(days=days),
                    "indicator": indicator,
                },
            )
            made += created
    return made


def seed_indicators() -> dict[str, int]:
    day = today()
    made = {"指标目标": 0, "常住适龄儿童数": 0, "月末在园快照": 0}
    with audit_context(source="command", path="seed_demo"), transaction.atomic():
        city = Bureau.objects.filter(level=Bureau.Level.CITY, name="盘锦市教育局").first()
        if city is None:
            return made
        districts = list(Bureau.objects.filter(parent=city))
        made["指标目标"] += _targets(city, CITY_PLAN, ASSESSMENT)
        for district in districts:
            plan, figures = PLANS.get(district.name, DEFAULT_PLAN)
            made["指标目标"] += _targets(district, plan, figures)
        kgs = list(
            with_enrolment(Kindergarten.objects.filter(district__in=districts).order_by("pk")).values(
                "pk", "district_id", "township_id", "enrolled", "class_count", "compliant_classes", "capacity"
            )
        )
        # Residents: each township's enrolment over a rate that rises towards the plan, the current year
        # an estimate (卫健 birth records) until 统计 publishes it.
        enrolled_by_town: dict[int, int] = {}
        for kg in kgs:
            enrolled_by_town[kg["township_id"]] = enrolled_by_town.get(kg["township_id"], 0) + kg["enrolled"]
        for township in Township.objects.filter(district__in=districts):
            enrolled = enrolled_by_town.get(township.pk, 0)
            for year, rate, source, estimate in (
                (day.year - 2, Decimal("0.86"), "statistics", False),
                (day.year - 1, Decimal("0.90"), "police", False),
                (day.year, Decimal("0.93"), "health", True),
            ):
                _obj, created = ResidentChildren.objects.get_or_create(
                    township=township,
                    year=year,
                    defaults={
                        "district_id": township.district_id,
                        "children": max(int(enrolled / rate), 10),
                        "source": source,
                        "source_date": datetime.date(year, 1, 15),
                        "is_estimate": estimate,
                        "note": "演示数据",
                    },
                )
                made["常住适龄儿童数"] += created
        # Month-end enrolment for the past months: today's, a little lower the further back.
        months = months_back(day, HISTORY)[:-1]
        snapshots = []
        for index, month in enumerate(months):
            share = 0.88 + 0.12 * (index + 1) / len(months)
            for kg in kgs:
                snapshots.append(
                    EnrolmentSnapshot(
                        kindergarten_id=kg["pk"],
                        month=month,
                        district_id=kg["district_id"],
                        township_id=kg["township_id"],
                        children=int(kg["enrolled"] * share),
                        classes=kg["class_count"],
                        compliant_classes=kg["compliant_classes"],
                        capacity=kg["capacity"],
                        taken_on=(month + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1),
                    )
                )
        before = EnrolmentSnapshot.objects.count()
        EnrolmentSnapshot.objects.bulk_create(snapshots, batch_size=1000, ignore_conflicts=True)
        made["月末在园快照"] = EnrolmentSnapshot.objects.count() - before
        made["责任清单任务"] = _tasks(districts, day)
    return made
