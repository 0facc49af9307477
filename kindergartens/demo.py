"""Demo data for ``manage.py seed_demo``: 盘锦市 with three districts, ~60 kindergartens and accounts.

The tables below are the whole data set; ``seed()`` writes them idempotently, through the
services only. Every row is looked up by its natural key first (bureau: name + parent;
township: district + name; group: district + name; kindergarten: district + name; account:
username; level: province + name; violation: kindergarten + date + description; annual
inspection: kindergarten + year) and only created when missing, so a second run changes
nothing. Rows that already exist are left as they are, even if they differ from the tables;
so are a kindergarten's classes and change filings once it has any (a demo user may have
edited them).

Upgrades of a demo database seeded by an earlier version: a kindergarten whose record is empty
(no credit code: seeded before the full record existed) gets the record filled in through
``kindergarten_update``; and earlier demo data is corrected (``CORRECTED_TOWN_SEATS``,
``UNSOURCED_LEVEL_DESCRIPTIONS``), each row only while it still holds the old demo value (so once,
and never over a demo user's own edit).

Every kindergarten's record is derived from its place in the tables, so the same tables
always give the same data; only dates that must stay near "today" to show something
(a licence about to expire, a principal change filed late) are counted from the day of the run.

All demo accounts share one password. It is hashed once and the hash is reused, because
hashing ~90 passwords with the production hasher would take half a minute.
"""

from __future__ import annotations

import datetime
import math
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from dateutil.relativedelta import relativedelta
from django.contrib.auth.hashers import make_password
from django.db import transaction

from accounts.models import User
from accounts.roles import Role
from core.audit import audit_context
from kindergartens.models import (
    OPERATING_STATUSES,
    AnnualInspection,
    AnnualInspectionResult,
    Bureau,
    ChangeFiling,
    ClassType,
    CollaborationGroup,
    CreditGrade,
    Kindergarten,
    KindergartenClass,
    Level,
    Nature,
    PartyOrganisation,
    Schedule,
    Sponsor,
    Status,
    Township,
    UrbanRural,
    Violation,
)
from kindergartens.selectors import class_size_limit
from kindergartens.services import (
    annual_inspection_record,
    class_create,
    credit_grades_ensure_defaults,
    filing_return,
    filing_submit,
    kindergarten_create,
    kindergarten_update,
    level_create,
    level_update,
    today,
    violation_record,
)
from kindergartens.validators import credit_code_check_char
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
            ("西安镇", UrbanRural.TOWN_CENTRE),
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
            ("统一镇", UrbanRural.TOWN_CENTRE),
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
            ("胡家镇", UrbanRural.TOWN_CENTRE),
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
    """Deterministic, varied Chinese names: the same tables always give the same people.

    ``strides`` picks another walk through the tables (police officers, new principals), so
    those names do not repeat the accounts' ones; the default walk must stay as it is, or
    the names of existing demo accounts would no longer match a re-run.
    """

    def __init__(self, taken: set[str], strides: tuple[int, int] = (7, 11)) -> None:
        self._i = 0
        self._taken = set(taken)
        self._strides = strides

    def next(self) -> str:
        while True:
            self._i += 1
            s, g = self._strides
            name = _SURNAMES[(self._i * s) % len(_SURNAMES)] + _GIVEN[(self._i * g) % len(_GIVEN)]
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


# --- the kindergarten record (DOMAIN §3) -------------------------------------------

PROVINCE = CITY["province"]
# 辽宁省 星级 (DOMAIN §3 [004]): (name, rank, description). Only 五星 = 省级示范 and 四星 = 市级示范 are
# sourced; what the lower stars mean is for the province's own rules, so the demo says nothing.
LEVELS = (
    ("五星级", 5, "省级示范幼儿园"),
    ("四星级", 4, "市级示范幼儿园"),
    ("三星级", 3, ""),
    ("二星级", 2, ""),
    ("一星级", 1, ""),
)
# Descriptions earlier demo data invented for the lower stars: seed() clears them (and only them).
UNSOURCED_LEVEL_DESCRIPTIONS = {
    "三星级": "区县级优质幼儿园",
    "二星级": "办园条件和保教质量达到省定基本标准",
    "一星级": "达到幼儿园基本办园条件",
}
FIVE_STARS = {"大洼区第一幼儿园", "双台子区实验幼儿园", "盘山县第一幼儿园"}
FOUR_STARS = {
    "大洼区第二幼儿园",
    "大洼区机关幼儿园",
    "双台子区机关幼儿园",
    "双台子区第一幼儿园",
    "辽河街道中心幼儿园",
    "盘山县实验幼儿园",
    "胡家镇中心幼儿园",
}

# Corrections of earlier demo data, applied to an existing demo database (see the module docstring):
# - 镇 seats: 西安镇, 统一镇 and 胡家镇 are towns, so their seats are 121 镇中心区, not 210 乡中心区
#   (210 is a 乡's seat); the rural kindergartens of the demo are those of the 220 村庄 townships.
# - the descriptions of the lower stars, which no source gives (UNSOURCED_LEVEL_DESCRIPTIONS).
CORRECTED_TOWN_SEATS = {("dawa", "西安镇"), ("shuangtaizi", "统一镇"), ("panshan", "胡家镇")}

DISTRICT_SHORT = {"dawa": "大洼区", "shuangtaizi": "双台子区", "panshan": "盘山县"}
ROADS = {
    "dawa": ("育才路", "迎宾路", "向海大道", "中华路", "新立路", "建设路", "文化街"),
    "shuangtaizi": ("红旗大街", "胜利街", "建设街", "双盛街", "辽河路", "中兴路", "民主街"),
    "panshan": ("繁荣街", "太平街", "兴业路", "府前路", "宏伟路", "得胜路", "鼎翔路"),
}
# Sponsors that are not the district education bureau (公办) or a company (民办): (type, name).
SPONSOR_OVERRIDES = {
    "大洼区机关幼儿园": (Sponsor.PUBLIC_INSTITUTION, "大洼区机关事务服务中心"),
    "盘山县第二幼儿园": (Sponsor.MILITARY, "盘锦军分区"),
}
SCHEDULE_OVERRIDES = {
    "田家街道博雅双语幼儿园": Schedule.BOARDING,
    "陆家镇新星幼儿园": Schedule.BOARDING,
    "胜利街道兴盛社区办园点": Schedule.HALF_DAY,
    "唐家镇苗苗看护点": Schedule.HALF_DAY,
}
# Credit grades, by the names of the district's neutral defaults (DEFAULT_CREDIT_GRADES): A 级 unless
# named here; 无证园 B 级.
CREDIT_OVERRIDES = {
    "建设街道蒙特梭利幼儿园": "C 级",  # 超标准收费 (see VIOLATIONS)
    "田庄台镇金太阳幼儿园": "B 级",
    "大洼街道贝贝艺术幼儿园": "B 级",
    "石新镇小红花幼儿园": "B 级",
}
NO_PARENT_COMMITTEE = {"太平街道剑桥双语幼儿园", "辽河街道湖滨社区办园点"}
# Licences counted from the day of the run, so the list always has some to warn about: days from today.
LICENCE_FROM_TODAY = {"胜利街道七彩幼儿园": 25, "得胜街道彩虹幼儿园": 50, "胡家镇童趣幼儿园": -40}

# Dated history after registration (the list's "as of" view): (district key, name) -> changes.
NATURE_CHANGES = {
    # registered 非普惠性民办, recognised 普惠性民办 on that day
    ("dawa", "田家街道阳光幼儿园"): datetime.date(2024, 9, 1),
}
STATUS_CHANGES = {
    ("dawa", "田庄台镇金太阳幼儿园"): (
        (Status.RECTIFYING, datetime.date(2025, 3, 10), "未按规定配备保育员，责令限期整改"),
        (Status.OPERATING, datetime.date(2025, 6, 20), "整改验收合格，恢复正常办园"),
    ),
    ("dawa", "大洼街道贝贝艺术幼儿园"): (
        (Status.SUSPENDED, datetime.date(2025, 8, 15), "举办者申请停办，在园幼儿已妥善分流"),
    ),
}
# 筹设: registered (and its director appointed) but not open yet; registered on this day.
PREPARING = {("dawa", "大洼区实验幼儿园"): datetime.date(2026, 3, 16)}

# 违规查处: (district key, kindergarten, date, description, penalty, published)
VIOLATIONS = (
    (
        "shuangtaizi",
        "建设街道蒙特梭利幼儿园",
        datetime.date(2025, 5, 12),
        "超标准收费：以兴趣班名义另行收取费用",
        "责令退还违规收取的费用 3.2 万元，通报批评，信用等级降为 C 级",
        True,
    ),
    (
        "panshan",
        "石新镇小红花幼儿园",
        datetime.date(2025, 10, 21),
        "使用未经审定的教材（拼音、识字类读本）",
        "责令停止使用并收回教材，限期整改",
        True,
    ),
    (
        "dawa",
        "田庄台镇金太阳幼儿园",
        datetime.date(2025, 3, 5),
        "未按规定配备保育员：6 个班仅配备 3 名保育员",
        "责令限期整改，整改期间暂停招生，予以通报",
        True,
    ),
    (
        "dawa",
        "唐家镇苗苗看护点",
        datetime.date(2025, 11, 3),
        "未取得办学许可证擅自招收幼儿",
        "责令停止办园，协调周边幼儿园分流在园幼儿",
        True,
    ),
    (
        "panshan",
        "胡家镇童趣幼儿园",
        datetime.date(2026, 9, 15),
        "以特色课程名义提前教授小学内容（“小学化”）",
        "约谈举办者和园长，责令整改",
        False,
    ),
    (
        "panshan",
        "沙岭镇苗圃幼儿园",
        datetime.date(2026, 10, 9),
        "接送幼儿车辆未按规定备案",
        "责令停止使用未备案车辆，限期办理备案",
        False,
    ),
)
INSPECTION_YEARS = (2024, 2025)
# 年检 results other than 合格: (district key, kindergarten, year) -> result.
INSPECTION_RESULTS = {
    ("dawa", "田庄台镇金太阳幼儿园", 2024): AnnualInspectionResult.FAIL,
    ("dawa", "大洼街道小天使幼儿园", 2024): AnnualInspectionResult.BASIC,
    ("shuangtaizi", "建设街道蒙特梭利幼儿园", 2025): AnnualInspectionResult.BASIC,
    ("shuangtaizi", "陆家镇新星幼儿园", 2024): AnnualInspectionResult.BASIC,
    ("panshan", "石新镇小红花幼儿园", 2025): AnnualInspectionResult.BASIC,
    ("panshan", "得胜街道幸福社区办园点", 2025): AnnualInspectionResult.BASIC,
}
OVER_LIMIT_EVERY = 10  # every tenth class is over its size limit, so the compliance page shows red

# 变更备案, filed by the kindergarten's director: (district key, kindergarten, kind). 大洼区第一幼儿园
# has none on purpose: in the browser demo its director (dawa_yuanzhang1) files one.
FILINGS = (
    ("dawa", "大洼街道小天使幼儿园", "principal"),  # filed more than a month late
    ("dawa", "西安镇育苗幼儿园", "places"),  # capacity and fee
    ("shuangtaizi", "红旗街道童乐幼儿园", "address"),  # returned with a reason
)
FILING_RETURN_REASON = "请补充新园址的消防验收意见书和房屋安全鉴定报告后重新提交。"
LATE_PRINCIPAL_DAYS = 75  # the new principal took office this long before the filing (limit: one month)

_CLASS_PREFIX = {ClassType.SMALL: "小", ClassType.MIDDLE: "中", ClassType.LARGE: "大", ClassType.MIXED: "混合"}
_NUMERALS = "一二三四五六七八九十"


@dataclass(frozen=True)
class KindergartenSpec:
    """One row of the tables with what follows from it: its index ``g`` over the whole city."""

    district: DistrictSpec
    g: int
    name: str
    township: str
    nature: str
    group: str

    @property
    def key(self) -> tuple[str, str]:
        return (self.district.key, self.name)

    @property
    def rural(self) -> bool:
        return dict(self.district.townships)[self.township].startswith("2")

    @property
    def registered_on(self) -> datetime.date:
        """Registration (first status and nature), 2015–2022; a 筹设 kindergarten later."""
        if self.key in PREPARING:
            return PREPARING[self.key]
        g = self.g
        return datetime.date(2015 + (g * 3) % 8, (g * 7) % 12 + 1, 1 + (g * 11) % 28)

    @property
    def initial_status(self) -> str:
        return Status.PREPARING if self.key in PREPARING else Status.OPERATING

    @property
    def initial_nature(self) -> str:
        return Nature.PRIVATE if self.key in NATURE_CHANGES else self.nature

    @property
    def class_count(self) -> int:
        g, nature = self.g, self.nature
        if nature == Nature.PUBLIC:
            return 12 if self.name in FIVE_STARS else (5 + g % 3 if self.rural else 8 + g % 4)
        if nature == Nature.INCLUSIVE_PRIVATE:
            return 4 + g % 5
        if nature == Nature.PRIVATE:
            return 3 + g % 5
        return 3  # 社区办园点, 无证园


def kindergarten_specs() -> list[KindergartenSpec]:
    rows = [(d, row) for d in DISTRICTS for row in d.kindergartens]
    return [KindergartenSpec(d, g, *row) for g, (d, row) in enumerate(rows)]


def credit_code(spec: KindergartenSpec) -> str:
    """A valid GB 32100 code: registration type, division code, a 9-character organisation code, check."""
    kind = {Nature.PUBLIC: "12", Nature.UNLICENSED: "92"}.get(spec.nature, "52")  # 事业单位 / 个体工商户 / 民办非企业
    org = {"12": "MB", "92": "MA", "52": "MJ"}[kind] + f"{spec.g + 1:07d}"
    first17 = kind + spec.district.division_code + org
    return first17 + credit_code_check_char(first17)


def _core_name(spec: KindergartenSpec) -> str:
    """小天使 for 大洼街道小天使幼儿园: the name without the place and the kind."""
    core = spec.name.removeprefix(spec.township)
    for suffix in ("幼儿园", "办园点", "看护点"):
        core = core.removesuffix(suffix)
    return core.removesuffix("民办") or core


def _fee(spec: KindergartenSpec) -> tuple[Decimal, bool]:
    """保教费 per month and whether it is government-guided, by nature (公办 cheapest, 非普惠 dearest)."""
    g = spec.g
    if spec.nature == Nature.PUBLIC:
        fee, guided = (300 + (g * 29) % 250) if spec.rural else (600 + (g * 37) % 300), True
    elif spec.nature == Nature.INCLUSIVE_PRIVATE:
        fee, guided = 700 + (g * 53) % 500, True
    elif spec.nature == Nature.PRIVATE:
        fee, guided = 1500 + (g * 271) % 2300, False
    elif spec.nature == Nature.COMMUNITY:
        fee, guided = 500 + (g * 17) % 300, True
    else:
        fee, guided = 800 + (g * 41) % 600, False
    return Decimal(fee - fee % 10), guided


def _level(spec: KindergartenSpec, levels: dict[str, Level]) -> Level | None:
    if spec.key in PREPARING or spec.nature in (Nature.COMMUNITY, Nature.UNLICENSED):
        return None
    if spec.name in FIVE_STARS:
        return levels["五星级"]
    if spec.name in FOUR_STARS:
        return levels["四星级"]
    g = spec.g
    if spec.nature == Nature.PUBLIC:
        return levels["二星级" if spec.rural else "三星级"]
    if spec.nature == Nature.INCLUSIVE_PRIVATE:
        return levels[("三星级", "二星级", "一星级")[g % 3]]
    return levels["三星级"] if g % 2 else None  # 非普惠性民办: some not graded yet


def _sponsor(spec: KindergartenSpec, people: _NameSource) -> tuple[str, str]:
    if spec.name in SPONSOR_OVERRIDES:
        return SPONSOR_OVERRIDES[spec.name]
    if spec.nature == Nature.PUBLIC:
        return Sponsor.EDUCATION, spec.district.name
    if spec.nature == Nature.COMMUNITY:
        return Sponsor.COLLECTIVE, f"{_core_name(spec)}居民委员会"
    if spec.nature == Nature.UNLICENSED:
        return Sponsor.PRIVATE, people.next()  # a person, not a company
    kind = ("教育科技有限公司", "文化发展有限公司", "教育咨询有限公司")[spec.g % 3]
    return Sponsor.PRIVATE, f"盘锦市{_core_name(spec)}{kind}"


def _party(spec: KindergartenSpec) -> str:
    if spec.nature == Nature.PUBLIC:
        return PartyOrganisation.INDEPENDENT if spec.class_count >= 8 else PartyOrganisation.JOINT
    if spec.nature == Nature.INCLUSIVE_PRIVATE:
        return PartyOrganisation.JOINT if spec.g % 2 else PartyOrganisation.INSTRUCTOR
    if spec.nature == Nature.UNLICENSED:
        return PartyOrganisation.NONE
    return PartyOrganisation.INSTRUCTOR


def kindergarten_record(
    spec: KindergartenSpec,
    *,
    principal: str,
    levels: dict[str, Level],
    grades: dict[str, CreditGrade],
    people: _NameSource,
    on: datetime.date,
) -> dict[str, Any]:
    """The full record (every RECORD_FIELDS value except place, nature and status) for one kindergarten.

    ``on`` is the day of the run: licence validity is counted from it, so the demo never shows
    every licence expired (the record is written once, so later runs do not move it).
    """
    g, division, short = spec.g, spec.district.division_code, DISTRICT_SHORT[spec.district.key]
    licensed = spec.nature != Nature.UNLICENSED
    has_licence = licensed and spec.key not in PREPARING  # 筹设: the licence comes when it is ready to open
    licence_prefix = "教幼" if spec.nature == Nature.PUBLIC else "教民"
    if spec.name in LICENCE_FROM_TODAY:
        valid_until = on + datetime.timedelta(days=LICENCE_FROM_TODAY[spec.name])
    else:  # the end of a month one to five years ahead
        valid_until = on.replace(day=1) + relativedelta(years=1 + g % 4, months=1 + (g * 5) % 12, days=-1)
    roads = ROADS[spec.district.key]
    sponsor, sponsor_name = _sponsor(spec, people)
    fee, guided = _fee(spec)
    station = spec.township.removesuffix("街道").removesuffix("镇") + "派出所"
    police_title = "副所长" if spec.nature == Nature.PUBLIC else "民警"
    if spec.name in FIVE_STARS:
        medical = "盘锦市中心医院"
    elif spec.rural:
        medical = f"{spec.township}中心卫生院"
    else:
        medical = f"{short}妇幼保健院"
    since = datetime.date(2012 + (g * 5) % 12, (g * 3) % 12 + 1, 1)
    return {
        "credit_code": credit_code(spec),
        "licence_number": f"{licence_prefix}{division}1{g + 1:06d}号" if has_licence else "",
        "licence_valid_until": valid_until if has_licence else None,
        "address": f"盘锦市{short}{spec.township}{roads[g % len(roads)]}{(g * 37) % 180 + 1}号",
        "sponsor": sponsor,
        "sponsor_name": sponsor_name,
        "schedule": SCHEDULE_OVERRIDES.get(spec.name, Schedule.FULL_DAY),
        "level": _level(spec, levels),
        "capacity": spec.class_count * 32 + (g % 4) * 10,
        "fee_monthly": fee,
        "fee_government_guided": guided,
        "principal_name": principal,
        "principal_since": max(since, spec.registered_on),
        "has_parent_committee": licensed and spec.name not in NO_PARENT_COMMITTEE and spec.key not in PREPARING,
        "legal_vice_principal": f"{people.next()}（{station}{police_title}）" if licensed else "",
        "medical_partner": medical if licensed else "",
        "party_organisation": _party(spec),
        # None when a demo user has since renamed the default grade.
        "credit_rating": grades.get(CREDIT_OVERRIDES.get(spec.name, "B 级" if not licensed else "A 级")),
    }


def class_plan(spec: KindergartenSpec, schedule: str, counter: int) -> list[tuple[str, str, int]]:
    """(name, type, children) for a kindergarten's classes; ``counter`` numbers classes across the city.

    Small kindergartens (社区办园点, 无证园) have mixed-age classes; the others 小/中/大 in turn.
    Every OVER_LIMIT_EVERY-th class is a few children over its limit, the rest a few under.
    """
    n = spec.class_count
    if spec.nature in (Nature.COMMUNITY, Nature.UNLICENSED):
        types = [ClassType.MIXED] * n
    else:
        order = [ClassType.SMALL, ClassType.MIDDLE, ClassType.LARGE]
        types = sorted((order[i % 3] for i in range(n)), key=order.index)
    plan, seen = [], Counter()
    for offset, class_type in enumerate(types):
        c = counter + offset
        seen[class_type] += 1
        limit = class_size_limit(class_type, schedule)
        children = limit + 2 + c % 5 if c % OVER_LIMIT_EVERY == OVER_LIMIT_EVERY - 1 else limit - 1 - (c * 7) % 9
        plan.append((f"{_CLASS_PREFIX[class_type]}{_NUMERALS[seen[class_type] - 1]}班", class_type, children))
    return plan


@dataclass
class SeedResult:
    created: Counter = field(default_factory=Counter)  # verbose model name -> rows created this run
    completed: int = 0  # kindergartens whose empty record was filled in this run
    corrected: Counter = field(default_factory=Counter)  # verbose model name -> rows corrected this run
    districts: int = 0
    kindergartens: int = 0
    accounts: int = 0
    classes: int = 0
    violations: int = 0
    inspections: int = 0
    filings: int = 0
    logins: list[User] = field(default_factory=list)


def seed() -> SeedResult:
    """Write the demo data set; safe to run again (creates only what is missing)."""
    with audit_context(source="command", path="seed_demo"), transaction.atomic():
        return _Seeder().run()


class _Seeder:
    def __init__(self) -> None:
        self.result = SeedResult()
        self._password_hash: str | None = None
        self.today = today()

    def _get_or_create(self, model, lookup: dict, defaults: dict):
        obj = model.objects.filter(**lookup).first()
        if obj is None:
            obj = model(**lookup, **defaults)
            obj.full_clean()
            obj.save()
            self._created(model)
        return obj

    def _created(self, model, n: int = 1) -> None:
        self.result.created[str(model._meta.verbose_name)] += n

    def run(self) -> SeedResult:
        city = self._get_or_create(
            Bureau,
            {"name": CITY["name"], "parent": None},
            {"level": Bureau.Level.CITY, "province": CITY["province"], "division_code": CITY["division_code"]},
        )
        levels = self._levels()
        specs = kindergarten_specs()
        specs_by_district: dict[str, list[KindergartenSpec]] = {}
        for spec in specs:
            specs_by_district.setdefault(spec.district.key, []).append(spec)
        directors = {
            (a.district_key, a.kindergarten): a.full_name for a in account_specs() if a.role == Role.KG_DIRECTOR
        }
        # Legal vice-principals, private sponsors: a walk through the names of its own, none an account's.
        people = _NameSource(taken={a.full_name for a in account_specs()}, strides=(13, 17))
        districts: dict[str, Bureau] = {}
        kindergartens: dict[tuple[str, str], Kindergarten] = {}
        for spec in DISTRICTS:
            district = self._get_or_create(
                Bureau,
                {"name": spec.name, "parent": city},
                {"level": Bureau.Level.DISTRICT, "province": CITY["province"], "division_code": spec.division_code},
            )
            districts[spec.key] = district
            grades = self._credit_grades(district)
            kg_specs = specs_by_district[spec.key]
            for kg in self._district(spec, district, kg_specs, directors, levels, grades, people):
                kindergartens[(spec.key, kg.name)] = kg
        users = self._accounts(city, districts, kindergartens)
        self._assign_supervisors(districts, kindergartens, users)
        self._classes(specs, kindergartens)
        self._violations(kindergartens, users)
        self._inspections(specs, kindergartens, users)
        self._filings(kindergartens, users, people)

        ids = [kg.pk for kg in kindergartens.values()]
        self.result.districts = len(districts)
        self.result.kindergartens = len(kindergartens)
        self.result.accounts = len(users)
        self.result.classes = KindergartenClass.objects.filter(kindergarten_id__in=ids, is_active=True).count()
        self.result.violations = Violation.objects.filter(kindergarten_id__in=ids).count()
        self.result.inspections = AnnualInspection.objects.filter(kindergarten_id__in=ids).count()
        self.result.filings = ChangeFiling.objects.filter(kindergarten_id__in=ids).count()
        self.result.logins = [users[u] for u in FEATURED_LOGINS]
        return self.result

    def _levels(self) -> dict[str, Level]:
        existing = {lv.name: lv for lv in Level.objects.filter(province=PROVINCE)}
        for name, rank, description in LEVELS:
            if name not in existing:
                # actor None: system set-up, which names the province (a bureau admin's would be theirs).
                existing[name] = level_create(
                    actor=None, name=name, rank=rank, description=description, province=PROVINCE
                )
                self._created(Level)
            elif (
                name in UNSOURCED_LEVEL_DESCRIPTIONS
                and existing[name].description == UNSOURCED_LEVEL_DESCRIPTIONS[name]
            ):
                level = existing[name]
                level_update(
                    actor=None, level=level, name=level.name, rank=level.rank, description="", is_active=level.is_active
                )
                self.result.corrected[str(Level._meta.verbose_name)] += 1
        return existing

    def _credit_grades(self, district: Bureau) -> dict[str, CreditGrade]:
        """The district's credit grades: the neutral defaults when it has none yet."""
        created = credit_grades_ensure_defaults(district=district)
        if created:
            self._created(CreditGrade, len(created))
        return {g.name: g for g in CreditGrade.objects.filter(district=district)}

    def _township(self, spec: DistrictSpec, district: Bureau, name: str, code: str) -> Township:
        township = self._get_or_create(Township, {"district": district, "name": name}, {"urban_rural_code": code})
        if (
            (spec.key, name) in CORRECTED_TOWN_SEATS
            and township.urban_rural_code == UrbanRural.VILLAGE_CENTRE
            and code == UrbanRural.TOWN_CENTRE
        ):
            township.urban_rural_code = code
            township.full_clean()
            township.save(update_fields=["urban_rural_code"])
            self.result.corrected[str(Township._meta.verbose_name)] += 1
        return township

    def _district(self, spec: DistrictSpec, district: Bureau, kg_specs, directors, levels, grades, people):
        townships = {name: self._township(spec, district, name, code) for name, code in spec.townships}
        groups = {
            name: self._get_or_create(CollaborationGroup, {"district": district, "name": name}, {})
            for name, _leader in spec.groups
        }
        existing = {kg.name: kg for kg in Kindergarten.objects.filter(district=district)}
        result = []
        for kg_spec in kg_specs:
            # Computed for every row, existing or not, so that the names drawn stay the same on each run.
            record = kindergarten_record(
                kg_spec, principal=directors[kg_spec.key], levels=levels, grades=grades, people=people, on=self.today
            )
            kg = existing.get(kg_spec.name)
            if kg is None:
                kg = self._register(kg_spec, district, townships, groups, record)
            elif not kg.credit_code:
                self._complete(kg, record)
            result.append(kg)
        by_name = {kg.name: kg for kg in result}
        for name, leader in spec.groups:
            group = groups[name]
            if group.leader_id is None:
                group.leader = by_name[leader]
                group.save(update_fields=["leader"])
        return result

    def _register(self, spec: KindergartenSpec, district, townships, groups, record) -> Kindergarten:
        """Create a kindergarten with its full record and its dated status and nature history."""
        nature = spec.initial_nature
        kg = kindergarten_create(
            actor=None,
            name=spec.name,
            district=district,
            township=townships[spec.township],
            nature=nature,
            status=spec.initial_status,
            effective_date=spec.registered_on,
            collaboration_group=groups[spec.group] if spec.group else None,
            inclusive_recognised_on=spec.registered_on if nature == Nature.INCLUSIVE_PRIVATE else None,
            **record,
        )
        self._created(Kindergarten)
        if spec.key in NATURE_CHANGES:
            day = NATURE_CHANGES[spec.key]
            kindergarten_update(
                actor=None,
                kindergarten=kg,
                changes={"nature": spec.nature, "inclusive_recognised_on": day},
                effective_date=day,
                note="认定为普惠性民办幼儿园",
                check_rights=False,
            )
        for status, day, note in STATUS_CHANGES.get(spec.key, ()):
            kindergarten_update(
                actor=None,
                kindergarten=kg,
                changes={"status": status},
                effective_date=day,
                note=note,
                check_rights=False,
            )
        return kg

    def _complete(self, kg: Kindergarten, record: dict[str, Any]) -> None:
        """An old demo kindergarten with an empty record: fill it in (nature and status stay as they are)."""
        kindergarten_update(
            actor=None, kindergarten=kg, changes=record, note="补全演示数据中的幼儿园档案", check_rights=False
        )
        self.result.completed += 1

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
            self._created(User)
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
                self._created(SupervisorAssignment)

    def _classes(self, specs: list[KindergartenSpec], kindergartens) -> None:
        """Classes for every kindergarten that enrols children and has none yet (not even stopped ones)."""
        with_classes = set(
            KindergartenClass.objects.filter(kindergarten__in=list(kindergartens.values()))
            .values_list("kindergarten_id", flat=True)
            .distinct()
        )
        counter = 0
        for spec in specs:
            kg = kindergartens[spec.key]
            plan = class_plan(spec, kg.schedule, counter)
            counter += len(plan)  # counted for every kindergarten, so which classes run over never shifts
            if kg.pk in with_classes or kg.status not in OPERATING_STATUSES:
                continue
            for name, class_type, children in plan:
                class_create(actor=None, kindergarten=kg, name=name, class_type=class_type, children=children)
            self._created(KindergartenClass, len(plan))

    def _violations(self, kindergartens, users) -> None:
        existing = set(
            Violation.objects.filter(kindergarten__in=list(kindergartens.values())).values_list(
                "kindergarten_id", "occurred_on", "description"
            )
        )
        for district_key, name, occurred_on, description, penalty, published in VIOLATIONS:
            kg = kindergartens[(district_key, name)]
            if (kg.pk, occurred_on, description) in existing:
                continue
            violation_record(
                actor=users[f"{district_key}_staff"],
                kindergarten=kg,
                occurred_on=occurred_on,
                description=description,
                penalty=penalty,
                published=published,
            )
            self._created(Violation)

    def _inspections(self, specs: list[KindergartenSpec], kindergartens, users) -> None:
        """年检 2024 and 2025, published, for licensed kindergartens that were open in that year."""
        existing = set(
            AnnualInspection.objects.filter(kindergarten__in=list(kindergartens.values())).values_list(
                "kindergarten_id", "year"
            )
        )
        for spec in specs:
            kg = kindergartens[spec.key]
            if spec.nature == Nature.UNLICENSED or kg.status in (Status.PREPARING, Status.CLOSED):
                continue
            # A kindergarten stopped before a year's inspection (in the autumn) is not inspected that year.
            stopped = [day for status, day, _note in STATUS_CHANGES.get(spec.key, ()) if status == Status.SUSPENDED]
            for year in INSPECTION_YEARS:
                if (kg.pk, year) in existing or (stopped and stopped[0].year <= year):
                    continue
                result = INSPECTION_RESULTS.get((*spec.key, year), AnnualInspectionResult.PASS)
                annual_inspection_record(
                    actor=users[f"{spec.district.key}_staff"], kindergarten=kg, year=year, result=result
                )
                self._created(AnnualInspection)

    def _filings(self, kindergartens, users, people: _NameSource) -> None:
        """Open change filings for the bureau's queue; each only when its kindergarten has never filed."""
        filed = set(
            ChangeFiling.objects.filter(kindergarten__in=list(kindergartens.values())).values_list(
                "kindergarten_id", flat=True
            )
        )
        new_principal = people.next()  # drawn on every run, so the names stay the same
        directors = {
            (a.district_key, a.kindergarten): a.username for a in account_specs() if a.role == Role.KG_DIRECTOR
        }
        for district_key, name, kind in FILINGS:
            kg = kindergartens[(district_key, name)]
            if kg.pk in filed:
                continue
            director = users[directors[(district_key, name)]]
            if kind == "principal":
                took_office = self.today - datetime.timedelta(days=LATE_PRINCIPAL_DAYS)
                proposed = {"principal_name": new_principal, "principal_since": took_office}
                effective, explanation = took_office, "原园长退休，新园长已到岗履职，补办变更备案。"
            elif kind == "places":
                proposed = {"capacity": kg.capacity + 60, "fee_monthly": (kg.fee_monthly or Decimal(0)) + 80}
                effective = self.today.replace(day=1) + relativedelta(months=1)
                explanation = "新建教学楼投入使用，增设 2 个班；保教费按物价部门核定标准调整。"
            else:
                proposed = {"address": "盘锦市双台子区红旗街道兴隆街88号"}
                effective = self.today.replace(day=1) + relativedelta(months=2)
                explanation = "原园舍租期届满，整体搬迁至新园址。"
            filing = filing_submit(
                actor=director, kindergarten=kg, proposed=proposed, effective_date=effective, explanation=explanation
            )
            self._created(ChangeFiling)
            if kind == "address":
                filing_return(actor=users[f"{district_key}_staff"], filing=filing, reason=FILING_RETURN_REASON)
