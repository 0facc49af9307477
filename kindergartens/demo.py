"""Demo data for ``manage.py seed_demo``: 盘锦市 with three districts, ~60 kindergartens and accounts.

The tables below are the whole data set; ``seed()`` writes them idempotently. Every row is
looked up by its natural key first (bureau: name + parent; township: district + name;
group: district + name; kindergarten: district + name; account: username) and only
created when missing, so a second run changes nothing. Rows that already exist are left
as they are, even if they differ from the tables.

All demo accounts share one password. It is hashed once and the hash is reused, because
hashing ~90 passwords with the production hasher would take half a minute.
"""

from __future__ import annotations

import datetime
import math
from collections import Counter
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.db import transaction

from accounts.models import User
from accounts.roles import Role
from core.audit import audit_context
from kindergartens.models import Bureau, CollaborationGroup, Kindergarten, Nature, Township, UrbanRural
from kindergartens.services import kindergarten_create
from supervision.models import SupervisorAssignment
from supervision.services import supervisor_assign

DEMO_PASSWORD = "Demo@2026pass"  # noqa: S105  (published on purpose: demo logins only)
KINDERGARTENS_PER_SUPERVISOR = 5  # 责任督学挂牌督导办法 art. 1: about five each

# Short names for the tables: 公办, 普惠性民办, 非普惠性民办, 社区办园点, 无证园.
PUB, INC, PRV, COM, UNL = (Nature.PUBLIC, Nature.INCLUSIVE_PRIVATE, Nature.PRIVATE, Nature.COMMUNITY, Nature.UNLICENSED)


@dataclass(frozen=True)
class DistrictSpec:
    key: str  # pinyin, the prefix of the district's usernames
    name: str
    division_code: str
    townships: tuple[tuple[str, str], ...]  # (name, urban-rural code)
    groups: tuple[tuple[str, str], ...]  # (name, leader kindergarten)
    # (name, township, nature, group or ""); the n-th row's director is <key>_yuanzhang<n>,
    # and rows are handed to <key>_duxue1, <key>_duxue2, … five at a time in this order.
    kindergartens: tuple[tuple[str, str, str, str], ...]
    # kindergarten staff accounts: (username suffix, kindergarten, full name)
    staff: tuple[tuple[str, str, str], ...] = ()


CITY = {"name": "盘锦市教育局", "province": "辽宁省", "division_code": "211100"}
CITY_VIEWER = ("shi_viewer", "孙丽华")

DISTRICTS: tuple[DistrictSpec, ...] = (
    DistrictSpec(
        key="dawa",
        name="大洼区教育局",
        division_code="211104",
        townships=(
            ("大洼街道", UrbanRural.TOWN_CENTRE),
            ("田家街道", UrbanRural.TOWN_FRINGE),
            ("田庄台镇", UrbanRural.TOWN_CENTRE),
            ("西安镇", UrbanRural.VILLAGE_CENTRE),
            ("新开镇", UrbanRural.VILLAGE),
            ("唐家镇", UrbanRural.VILLAGE),
        ),
        groups=(
            ("大洼区城区协作组", "大洼区第一幼儿园"),
            ("大洼区西部协作组", "西安镇中心幼儿园"),
            ("大洼区东部协作组", "唐家镇中心幼儿园"),
        ),
        kindergartens=(
            ("大洼区第一幼儿园", "大洼街道", PUB, "大洼区城区协作组"),
            ("大洼区第二幼儿园", "大洼街道", PUB, "大洼区城区协作组"),
            ("大洼街道小天使幼儿园", "大洼街道", INC, "大洼区城区协作组"),
            ("大洼街道向阳社区办园点", "大洼街道", COM, ""),
            ("大洼街道贝贝艺术幼儿园", "大洼街道", PRV, ""),
            ("大洼区实验幼儿园", "田家街道", PUB, "大洼区城区协作组"),
            ("大洼区机关幼儿园", "田家街道", PUB, "大洼区城区协作组"),
            ("田家街道阳光幼儿园", "田家街道", INC, "大洼区城区协作组"),
            ("田家街道博雅双语幼儿园", "田家街道", PRV, ""),
            ("田家街道滨河社区办园点", "田家街道", COM, ""),
            ("田庄台镇中心幼儿园", "田庄台镇", PUB, "大洼区东部协作组"),
            ("田庄台镇金太阳幼儿园", "田庄台镇", INC, "大洼区东部协作组"),
            ("西安镇中心幼儿园", "西安镇", PUB, "大洼区西部协作组"),
            ("西安镇育苗幼儿园", "西安镇", INC, "大洼区西部协作组"),
            ("西安镇快乐宝贝看护点", "西安镇", UNL, ""),
            ("新开镇中心幼儿园", "新开镇", PUB, "大洼区西部协作组"),
            ("新开镇童心民办幼儿园", "新开镇", INC, "大洼区西部协作组"),
            ("唐家镇中心幼儿园", "唐家镇", PUB, "大洼区东部协作组"),
            ("唐家镇蓓蕾幼儿园", "唐家镇", INC, "大洼区东部协作组"),
            ("唐家镇苗苗看护点", "唐家镇", UNL, ""),
        ),
        staff=(
            ("baojian1", "大洼区第一幼儿园", "赵敏"),
            ("anquan1", "西安镇中心幼儿园", "马建军"),
        ),
    ),
    DistrictSpec(
        key="shuangtaizi",
        name="双台子区教育局",
        division_code="211102",
        townships=(
            ("红旗街道", UrbanRural.MAIN_URBAN),
            ("胜利街道", UrbanRural.MAIN_URBAN),
            ("建设街道", UrbanRural.MAIN_URBAN),
            ("辽河街道", UrbanRural.URBAN_FRINGE),
            ("统一镇", UrbanRural.VILLAGE_CENTRE),
            ("陆家镇", UrbanRural.VILLAGE),
        ),
        groups=(
            ("双台子区城区协作组", "双台子区实验幼儿园"),
            ("双台子区城乡协作组", "辽河街道中心幼儿园"),
        ),
        kindergartens=(
            ("双台子区实验幼儿园", "红旗街道", PUB, "双台子区城区协作组"),
            ("双台子区机关幼儿园", "红旗街道", PUB, "双台子区城区协作组"),
            ("红旗街道童乐幼儿园", "红旗街道", INC, "双台子区城区协作组"),
            ("红旗街道启航双语幼儿园", "红旗街道", PRV, ""),
            ("双台子区第一幼儿园", "胜利街道", PUB, "双台子区城区协作组"),
            ("双台子区铁路幼儿园", "胜利街道", PUB, "双台子区城区协作组"),
            ("胜利街道七彩幼儿园", "胜利街道", INC, "双台子区城区协作组"),
            ("胜利街道兴盛社区办园点", "胜利街道", COM, ""),
            ("双台子区第二幼儿园", "建设街道", PUB, ""),
            ("建设街道爱心幼儿园", "建设街道", INC, ""),
            ("建设街道蒙特梭利幼儿园", "建设街道", PRV, ""),
            ("辽河街道中心幼儿园", "辽河街道", PUB, "双台子区城乡协作组"),
            ("辽河街道红苹果幼儿园", "辽河街道", INC, "双台子区城乡协作组"),
            ("辽河街道湖滨社区办园点", "辽河街道", COM, ""),
            ("统一镇中心幼儿园", "统一镇", PUB, "双台子区城乡协作组"),
            ("统一镇小博士幼儿园", "统一镇", INC, "双台子区城乡协作组"),
            ("统一镇贝贝看护点", "统一镇", UNL, ""),
            ("陆家镇中心幼儿园", "陆家镇", PUB, "双台子区城乡协作组"),
            ("陆家镇春苗幼儿园", "陆家镇", INC, "双台子区城乡协作组"),
            ("陆家镇新星幼儿园", "陆家镇", PRV, ""),
        ),
        staff=(("baojian1", "双台子区实验幼儿园", "韩冬梅"),),
    ),
    DistrictSpec(
        key="panshan",
        name="盘山县教育局",
        division_code="211122",
        townships=(
            ("太平街道", UrbanRural.TOWN_CENTRE),
            ("高升街道", UrbanRural.TOWN_FRINGE),
            ("得胜街道", UrbanRural.TOWN_FRINGE),
            ("胡家镇", UrbanRural.VILLAGE_CENTRE),
            ("石新镇", UrbanRural.VILLAGE),
            ("沙岭镇", UrbanRural.VILLAGE),
        ),
        groups=(
            ("盘山县第一学区", "盘山县第一幼儿园"),
            ("盘山县第二学区", "胡家镇中心幼儿园"),
            ("盘山县第三学区", "沙岭镇中心幼儿园"),
        ),
        kindergartens=(
            ("盘山县第一幼儿园", "太平街道", PUB, "盘山县第一学区"),
            ("盘山县实验幼儿园", "太平街道", PUB, "盘山县第一学区"),
            ("太平街道希望幼儿园", "太平街道", INC, "盘山县第一学区"),
            ("太平街道剑桥双语幼儿园", "太平街道", PRV, ""),
            ("太平街道和平社区办园点", "太平街道", COM, ""),
            ("盘山县第二幼儿园", "高升街道", PUB, "盘山县第一学区"),
            ("高升街道中心幼儿园", "高升街道", PUB, "盘山县第一学区"),
            ("高升街道小太阳幼儿园", "高升街道", INC, ""),
            ("得胜街道中心幼儿园", "得胜街道", PUB, "盘山县第二学区"),
            ("得胜街道彩虹幼儿园", "得胜街道", INC, "盘山县第二学区"),
            ("得胜街道幸福社区办园点", "得胜街道", COM, ""),
            ("胡家镇中心幼儿园", "胡家镇", PUB, "盘山县第二学区"),
            ("胡家镇育才幼儿园", "胡家镇", INC, "盘山县第二学区"),
            ("胡家镇童趣幼儿园", "胡家镇", PRV, ""),
            ("石新镇中心幼儿园", "石新镇", PUB, "盘山县第三学区"),
            ("石新镇小红花幼儿园", "石新镇", INC, "盘山县第三学区"),
            ("石新镇乐乐看护点", "石新镇", UNL, ""),
            ("沙岭镇中心幼儿园", "沙岭镇", PUB, "盘山县第三学区"),
            ("沙岭镇苗圃幼儿园", "沙岭镇", INC, "盘山县第三学区"),
            ("沙岭镇宝宝乐看护点", "沙岭镇", UNL, ""),
        ),
        staff=(("anquan1", "胡家镇中心幼儿园", "宋立新"),),
    ),
)

# Hand-picked names for the logins printed at the end; the rest come from _NameSource.
NAMED = {
    "dawa_admin": "王志刚",
    "dawa_staff": "李雪梅",
    "dawa_duxue1": "张国庆",
    "dawa_yuanzhang1": "陈静",
}

# The logins printed at the end: one per role.
FEATURED_LOGINS = ("shi_viewer", "dawa_admin", "dawa_staff", "dawa_duxue1", "dawa_yuanzhang1", "dawa_baojian1")

_SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆"
)
_GIVEN = (
    "秀英", "桂兰", "丽娟", "海燕", "晓红", "春梅", "玉兰", "丽丽", "凤霞", "淑华",
    "红艳", "雪莲", "婷婷", "晓静", "慧敏", "艳芳", "宏伟", "建华", "志强", "立新",
    "海波", "文博", "子涵", "佳怡", "欣悦", "思雨", "雅琴", "金凤", "冬梅", "秋菊",
    "丹", "娜", "颖", "琳", "倩", "磊", "军", "勇", "芳", "敏",
)  # fmt: skip


class _NameSource:
    """Deterministic, varied Chinese names: the same tables always give the same people."""

    def __init__(self, taken: set[str]) -> None:
        self._i = 0
        self._taken = set(taken)

    def next(self) -> str:
        while True:
            self._i += 1
            name = _SURNAMES[(self._i * 7) % len(_SURNAMES)] + _GIVEN[(self._i * 11) % len(_GIVEN)]
            if name not in self._taken:
                self._taken.add(name)
                return name


@dataclass(frozen=True)
class AccountSpec:
    username: str
    full_name: str
    role: Role
    district_key: str = ""  # bureau accounts of a district; "" with no kindergarten = the city
    kindergarten: str = ""  # kindergarten accounts: the kindergarten's name inside district_key


def account_specs() -> list[AccountSpec]:
    """Every demo account, in a fixed order (which also fixes names and phone numbers)."""
    names = _NameSource(taken={CITY_VIEWER[1], *NAMED.values(), *(s[2] for d in DISTRICTS for s in d.staff)})
    specs = [AccountSpec(CITY_VIEWER[0], CITY_VIEWER[1], Role.CITY_VIEWER)]

    def name(username: str) -> str:
        return NAMED.get(username) or names.next()

    for d in DISTRICTS:
        for suffix, role in (("admin", Role.BUREAU_ADMIN), ("staff", Role.BUREAU_STAFF)):
            username = f"{d.key}_{suffix}"
            specs.append(AccountSpec(username, name(username), role, district_key=d.key))
        for n in range(1, supervisor_count(d) + 1):
            username = f"{d.key}_duxue{n}"
            specs.append(AccountSpec(username, name(username), Role.SUPERVISOR, district_key=d.key))
        for n, (kg_name, *_rest) in enumerate(d.kindergartens, start=1):
            username = f"{d.key}_yuanzhang{n}"
            specs.append(
                AccountSpec(username, name(username), Role.KG_DIRECTOR, district_key=d.key, kindergarten=kg_name)
            )
        for suffix, kg_name, full_name in d.staff:
            specs.append(
                AccountSpec(f"{d.key}_{suffix}", full_name, Role.KG_STAFF, district_key=d.key, kindergarten=kg_name)
            )
    return specs


def supervisor_count(district: DistrictSpec) -> int:
    return math.ceil(len(district.kindergartens) / KINDERGARTENS_PER_SUPERVISOR)


def _phone(n: int) -> str:
    return f"1380427{n:04d}"  # 138 + 0427 (盘锦 area code) + sequence: obviously fake


@dataclass
class SeedResult:
    created: Counter = field(default_factory=Counter)  # verbose model name -> rows created this run
    districts: int = 0
    kindergartens: int = 0
    accounts: int = 0
    logins: list[User] = field(default_factory=list)


def seed() -> SeedResult:
    """Write the demo data set; safe to run again (creates only what is missing)."""
    with audit_context(source="command", path="seed_demo"), transaction.atomic():
        return _Seeder().run()


class _Seeder:
    def __init__(self) -> None:
        self.result = SeedResult()
        self._password_hash: str | None = None

    def _get_or_create(self, model, lookup: dict, defaults: dict):
        obj = model.objects.filter(**lookup).first()
        if obj is None:
            obj = model(**lookup, **defaults)
            obj.full_clean()
            obj.save()
            self.result.created[str(model._meta.verbose_name)] += 1
        return obj

    def run(self) -> SeedResult:
        city = self._get_or_create(
            Bureau,
            {"name": CITY["name"], "parent": None},
            {"level": Bureau.Level.CITY, "province": CITY["province"], "division_code": CITY["division_code"]},
        )
        districts: dict[str, Bureau] = {}
        kindergartens: dict[tuple[str, str], Kindergarten] = {}
        for spec in DISTRICTS:
            district = self._get_or_create(
                Bureau,
                {"name": spec.name, "parent": city},
                {"level": Bureau.Level.DISTRICT, "province": CITY["province"], "division_code": spec.division_code},
            )
            districts[spec.key] = district
            for kg in self._district(spec, district):
                kindergartens[(spec.key, kg.name)] = kg
        users = self._accounts(city, districts, kindergartens)
        self._assign_supervisors(districts, kindergartens, users)

        self.result.districts = len(districts)
        self.result.kindergartens = len(kindergartens)
        self.result.accounts = len(users)
        self.result.logins = [users[u] for u in FEATURED_LOGINS]
        return self.result

    def _district(self, spec: DistrictSpec, district: Bureau) -> list[Kindergarten]:
        townships = {
            name: self._get_or_create(Township, {"district": district, "name": name}, {"urban_rural_code": code})
            for name, code in spec.townships
        }
        groups = {
            name: self._get_or_create(CollaborationGroup, {"district": district, "name": name}, {})
            for name, _leader in spec.groups
        }
        existing = {kg.name: kg for kg in Kindergarten.objects.filter(district=district)}
        result = []
        for name, township, nature, group in spec.kindergartens:
            kg = existing.get(name)
            if kg is None:
                kg = kindergarten_create(
                    actor=None,
                    name=name,
                    district=district,
                    township=townships[township],
                    nature=nature,
                    collaboration_group=groups[group] if group else None,
                    inclusive_recognised_on=datetime.date(2023, 9, 1) if nature == Nature.INCLUSIVE_PRIVATE else None,
                )
                self.result.created[str(Kindergarten._meta.verbose_name)] += 1
            result.append(kg)
        by_name = {kg.name: kg for kg in result}
        for name, leader in spec.groups:
            group = groups[name]
            if group.leader_id is None:
                group.leader = by_name[leader]
                group.save(update_fields=["leader"])
        return result

    def _hash(self) -> str:
        if self._password_hash is None:
            self._password_hash = make_password(DEMO_PASSWORD)
        return self._password_hash

    def _accounts(self, city, districts, kindergartens) -> dict[str, User]:
        specs = account_specs()
        users = {
            u.username: u
            for u in User.objects.filter(username__in=[s.username for s in specs]).select_related(
                "bureau", "kindergarten"
            )
        }
        for n, spec in enumerate(specs, start=1):
            if spec.username in users:
                continue
            if spec.kindergarten:
                org = {"kindergarten": kindergartens[(spec.district_key, spec.kindergarten)]}
            else:
                org = {"bureau": districts[spec.district_key] if spec.district_key else city}
            user = User(
                username=spec.username,
                full_name=spec.full_name,
                role=spec.role,
                phone=_phone(n),
                must_change_password=False,
                # Bureau admins may open the Django admin, where they see their district read-only.
                is_staff=spec.role == Role.BUREAU_ADMIN,
                **org,
            )
            user.password = self._hash()  # same as set_password(DEMO_PASSWORD), hashed once
            user.full_clean()
            user.save()
            users[spec.username] = user
            self.result.created[str(User._meta.verbose_name)] += 1
        return users

    def _assign_supervisors(self, districts, kindergartens, users) -> None:
        ids = [kg.pk for kg in kindergartens.values()]
        assigned = set(
            SupervisorAssignment.objects.filter(kindergarten_id__in=ids, ended_at__isnull=True).values_list(
                "kindergarten_id", flat=True
            )
        )
        for spec in DISTRICTS:
            for i, (name, *_rest) in enumerate(spec.kindergartens):
                kg = kindergartens[(spec.key, name)]
                if kg.pk in assigned:
                    continue
                supervisor = users[f"{spec.key}_duxue{i // KINDERGARTENS_PER_SUPERVISOR + 1}"]
                supervisor_assign(actor=None, kindergarten=kg, supervisor=supervisor, note="演示数据")
                self.result.created[str(SupervisorAssignment._meta.verbose_name)] += 1
