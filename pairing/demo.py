"""Demo data for pairing (called by ``manage.py seed_demo`` after the registry): the 盘锦 plan of seed 004
as written, and a few agreements with their confirmations and activities. Idempotent.

The plan's figures are carried exactly as the seed prints them: for 2024 the districts add up to
3+3 + 1+1 + 6+7 = 21 while the city's total says 22, and the plans page shows both numbers. The seed's
name lists (附表) are not published, so each plan names the registry's kindergartens that fit (town
public ones helping, rural ones helped), as many as there are: where the district has fewer rural
kindergartens than it planned, the plan page shows that mismatch too.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from core.audit import audit_context
from kindergartens.models import OPERATING_STATUSES, Bureau, Kindergarten, Nature
from pairing import services
from pairing.models import Activity, Agreement, CityTarget, Confirmation, Form, Mode, YearPlan
from pairing.rules import stars

CITY = "盘锦市教育局"
# (year, total participants, rural share %, plan due, agreements due)
TARGETS = (
    (2024, 22, "40", datetime.date(2024, 9, 5), datetime.date(2024, 10, 15)),
    (2025, 20, "35", datetime.date(2025, 9, 5), datetime.date(2025, 10, 15)),
    (2026, 14, "25", datetime.date(2026, 9, 5), datetime.date(2026, 10, 15)),
)
# year -> district -> (helping, helped), as seed 004 prints them (双台子区 has no 2025 plan there).
PLANS = {
    2024: {"盘山县教育局": (3, 3), "双台子区教育局": (1, 1), "大洼区教育局": (6, 7)},
    2025: {"盘山县教育局": (3, 3), "大洼区教育局": (7, 7)},
    2026: {"盘山县教育局": (2, 2), "双台子区教育局": (1, 1), "大洼区教育局": (4, 4)},
}
SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))
START = datetime.date(2024, 9, 26)
END = datetime.date(2027, 9, 25)  # the three-year cycle
RIGHTS = (
    "帮扶园选派骨干教师定期入园指导，接收被帮扶园教师跟岗研修；被帮扶园按计划派员参加培训，"
    "落实改进措施，及时反馈帮扶需求。双方共同做好活动记录和佐证材料留存。"
)


def _at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)


def _director(kg: Kindergarten) -> User | None:
    return User.objects.filter(kindergarten=kg, role=Role.KG_DIRECTOR, is_active=True).order_by("pk").first()


def _staff(district: Bureau) -> User | None:
    return User.objects.filter(bureau=district, role=Role.BUREAU_STAFF, is_active=True).order_by("pk").first()


def _operating(district: Bureau):
    return (
        Kindergarten.objects.filter(district=district, status__in=OPERATING_STATUSES)
        .exclude(nature=Nature.UNLICENSED)
        .select_related("township", "level")
        .order_by("name")
    )


def _kg(district: Bureau, name: str) -> Kindergarten | None:
    return _operating(district).filter(name=name).first()


def _seed_plans(city: Bureau, districts: dict[str, Bureau]) -> int:
    made = 0
    for year, total, share, plan_due, agreements_due in TARGETS:
        if not CityTarget.objects.filter(city=city, year=year).exists():
            services.target_save(
                actor=None,
                city=city,
                year=year,
                participants=total,
                rural_share=Decimal(share),
                plan_due=plan_due,
                agreements_due=agreements_due,
            )
            made += 1
    for year, by_district in PLANS.items():
        for name, (helping_count, helped_count) in by_district.items():
            district = districts.get(name)
            if district is None or YearPlan.objects.filter(district=district, year=year).exists():
                continue
            kgs = list(_operating(district))
            helping = [k for k in kgs if k.nature == Nature.PUBLIC and not k.township.is_rural][:helping_count]
            helped = [k for k in kgs if k.township.is_rural and k.nature != Nature.PUBLIC][:helped_count]
            helped += [k for k in kgs if k.township.is_rural and k.nature == Nature.PUBLIC][
                : helped_count - len(helped)
            ]
            plan = services.plan_save(
                actor=None,
                district=district,
                year=year,
                helping_count=helping_count,
                helped_count=helped_count,
                helping_ids=[k.pk for k in helping],
                helped_ids=[k.pk for k in helped],
                note="按《盘锦市农村幼儿园帮扶工作方案》年度目标填报",
            )
            if year < timezone.localdate().year + 1:
                services.plan_submit(actor=None, plan=plan)
                YearPlan.objects.filter(pk=plan.pk).update(submitted_at=_at(datetime.date(year, 9, 4)))
            made += 1
    return made


def _agreement(*, title, mode, helping, helped, filed_on, forms, idle=False) -> int:
    """Draft, submit and confirm one agreement through the services, dated back to the 2024 signing."""
    if Agreement.objects.filter(title=title).exists() or not helping or not helped or None in (*helping, *helped):
        return 0
    director = _director(helping[0]) or _director(helped[0])
    if director is None:
        return 0
    agreement = services.agreement_create(
        actor=director,
        fields={
            "title": title,
            "mode": mode,
            "start_date": START,
            "end_date": END,
            "forms": forms,
            "rights_obligations": RIGHTS,
            "content": "围绕一日活动组织、游戏化教学、环境创设和园所管理开展帮扶。",
            "goals": "三年内被帮扶园保教质量评估达到合格以上，形成一项乡村特色课程。",
        },
        helping_ids=[k.pk for k in helping],
        helped_ids=[k.pk for k in helped],
    )
    services.agreement_submit(actor=director, agreement=agreement)
    districts = {k.district for k in (*helping, *helped)}
    for district in sorted(districts, key=lambda d: d.pk):
        staff = _staff(district)
        if staff is not None and filed_on is not None:
            services.agreement_confirm(actor=staff, agreement=agreement)
    agreement.refresh_from_db()
    Agreement.objects.filter(pk=agreement.pk).update(
        created_at=_at(datetime.date(2024, 9, 10)), submitted_at=_at(datetime.date(2024, 9, 20))
    )
    if filed_on is None:
        return 1
    Confirmation.objects.filter(agreement=agreement).update(confirmed_at=_at(filed_on))
    Agreement.objects.filter(pk=agreement.pk).update(filed_at=_at(filed_on, 16))
    agreement.refresh_from_db()
    if agreement.state != Agreement.State.ACTIVE:
        return 1
    # Monthly activities from October 2024; an idle one stops two months ago.
    today = timezone.localdate()
    last = today - datetime.timedelta(days=60 if idle else 5)
    day, n = datetime.date(2024, 10, 15), 0
    while day <= last:
        side = helping[0] if n % 2 == 0 else helped[0]
        actor = _director(side)
        if actor is not None:
            form = forms[n % len(forms)]
            services.activity_log(
                actor=actor,
                agreement=agreement,
                fields={
                    "date": day,
                    "form": form,
                    "helping_people": 3 + n % 3,
                    "helped_people": 6 + n % 5,
                    "hours": Decimal("3.0") if form != Form.SHADOWING else Decimal("16.0"),
                    "content": f"{dict(Form.choices)[form]}：{('半日活动观摩与研讨', '区域游戏材料投放指导', '家园共育专题培训')[n % 3]}",
                },
            )
        n += 1
        day = (day.replace(day=1) + datetime.timedelta(days=32)).replace(day=15)
    return 1


def seed_pairing() -> dict[str, int]:
    city = Bureau.objects.filter(name=CITY, level=Bureau.Level.CITY).first()
    if city is None:
        return {}
    districts = {d.name: d for d in Bureau.objects.filter(parent=city)}
    with audit_context(source="command", path="seed_demo"), transaction.atomic():
        made_plans = _seed_plans(city, districts)
        dawa, stz, panshan = (districts.get(n) for n in ("大洼区教育局", "双台子区教育局", "盘山县教育局"))
        made = 0
        if dawa and stz and panshan:
            starred = next(
                (k for k in _operating(dawa) if (stars(k.level) or 0) >= 4 and not k.township.is_rural), None
            )
            made += _agreement(
                title="新开镇中心幼儿园帮扶新开镇童心民办幼儿园协议",
                mode=Mode.TOWN_PUBLIC,
                helping=[_kg(dawa, "新开镇中心幼儿园")],
                helped=[_kg(dawa, "新开镇童心民办幼儿园")],
                filed_on=datetime.date(2024, 10, 10),
                forms=[Form.ON_SITE, Form.SHADOWING, Form.ONLINE],
            )
            made += _agreement(
                title=f"{starred.name if starred else ''}帮扶唐家镇蓓蕾幼儿园协议",
                mode=Mode.STARRED,
                helping=[starred],
                helped=[_kg(dawa, "唐家镇蓓蕾幼儿园")],
                filed_on=datetime.date(2024, 10, 12),
                forms=[Form.SEND_TEACHING, Form.MASTER_STUDIO],
                idle=True,
            )
            made += _agreement(
                title="双台子区实验幼儿园跨区域结对帮扶协议",
                mode=Mode.CROSS_DISTRICT,
                helping=[_kg(stz, "双台子区实验幼儿园")],
                helped=[_kg(stz, "陆家镇春苗幼儿园"), _kg(dawa, "唐家镇中心幼儿园")],
                filed_on=datetime.date(2024, 10, 14),
                forms=[Form.SEND_TEACHING, Form.ON_SITE, Form.ONLINE],
            )
            made += _agreement(
                title="沙岭镇中心幼儿园帮扶沙岭镇苗圃幼儿园协议",
                mode=Mode.TOWN_PUBLIC,
                helping=[_kg(panshan, "沙岭镇中心幼儿园")],
                helped=[_kg(panshan, "沙岭镇苗圃幼儿园")],
                filed_on=datetime.date(2024, 10, 21),  # after the city's 15 October: listed as late
                forms=[Form.ON_SITE, Form.SHADOWING],
            )
            made += _agreement(
                title="石新镇中心幼儿园帮扶石新镇小红花幼儿园协议",
                mode=Mode.TOWN_PUBLIC,
                helping=[_kg(panshan, "石新镇中心幼儿园")],
                helped=[_kg(panshan, "石新镇小红花幼儿园")],
                filed_on=None,  # submitted, waiting for 盘山县's confirmation
                forms=[Form.ON_SITE],
            )
        from reports.models import ReportType
        from reports.services import report_types_ensure_registered, submissions_open

        types = report_types_ensure_registered()
        opened = 0
        for report_type in ReportType.objects.filter(code__startswith="pairing-", is_active=True):
            opened += submissions_open(report_type=report_type, month=report_type.month_due_on(timezone.localdate()))
    return {
        "月报类型": len(types),
        "待填报帮扶报表": opened,
        "帮扶目标与计划": made_plans,
        "帮扶协议": made,
        "帮扶活动": Activity.objects.count() if made else 0,
    }
