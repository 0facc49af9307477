"""The registry's lists against one hand-written SQL query for the same rows, at 3,000, 30,000 and
100,000 kindergartens; and a 3,000-row roster import.

    .venv/bin/python bench/registry.py [--runs N] [--sizes 3000,30000,100000] [--queries] [--explain]
                                       [--profile] [--no-import]

Builds, in its own PostgreSQL database (``DATABASE_URL``'s name + ``_registry_bench``, e.g.
``kgportal_registry_bench``, so it never clobbers ``bench/access.py``'s; see ``bench/_common.py``),
one city over 10 districts, each with 20 townships and 8 collaboration groups, the province's
4 levels, a bureau_staff user of district 1 and the city viewer. Kindergartens are written in
bulk without audit entries (reading them is what is measured), each with a credit code, a level,
its dated status/nature history (some changes after March 2025, so the as-of view differs from
today's), 3-8 classes with children, and one in six an active responsible supervisor.

First only 10 kindergartens exist (district 1): the query count of each list there is the
baseline. Then the city grows to each size in turn and, for each list, the script prints:

* ``<list>_<size>_queries``: queries of one request (target: the same as with 10 kindergartens);
* ``<list>_<size>_page_ms``: the page's server time through the test client (target < 200 ms up to
  30,000, the size issue 7 sets it for; at 100,000 informative: the ratio is the target there);
* ``<list>_<size>_sql_ms``: one hand-written SQL query returning the same rows, columns, total and
  supervisors (checked equal to what the page shows before anything is timed);
* ``<list>_<size>_ratio``: page / query (target ≤ 3). The page is timed as on a filter's first visit
  (``LIST_TOTAL_CACHE_SECONDS=0``: its total counted, as the hand-written query counts it);
* ``<list>_<size>_total_kept_ms``: the next page of the same filter, its total kept by core.lists
  (informative).

Page and query run interleaved ``--runs`` times and the minimum of each is kept, so a busy machine
does not decide the result. The lists (``LIST_CASES``): the HTML list filtered as a user would
(``LIST_FILTERS``: nature, status, search, sort, page 2) as the city viewer and as the bureau user,
each also ``as_of=2025-03``, and the API list with the same filters as both.

``roster_import_3000_s``: upload a 3,000-row roster (every column filled, district 1's townships,
groups and levels, valid credit codes), let the worker check it, open the preview, confirm
(target < 30 s); ``roster_reimport_3000_s`` the same file again, which must change nothing.
The export of 30,000 is measured by ``bench/export.py``.

While the lists are measured, statements time out after 30 s, so a runaway plan is reported as a
MISS with its reason instead of running for minutes. Exits 1 on any MISS, 2 when not on PostgreSQL.
``--queries`` prints the SQL of the counted requests to stderr, ``--explain`` EXPLAIN (ANALYZE,
BUFFERS) of the lists' queries at 30,000, ``--profile`` a cProfile of one request of each list.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime
import io
import logging
import os
import pstats
import random
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

_HERE = Path(__file__).resolve().parent
if sys.path and Path(sys.path[0] or ".").resolve() == _HERE:
    sys.path.pop(0)  # run as a script: don't let bench/*.py shadow top-level modules
sys.path.insert(0, str(_HERE.parent))

from bench._common import (  # noqa: E402
    BENCH_SUFFIX,
    DEFAULT_DATABASE_URL,
    Report,
    analyze,
    bench_database_url,
    log,
    setup_django,
)

REGISTRY_SUFFIX = "_registry" + BENCH_SUFFIX

DISTRICTS = 10
TOWNSHIPS_PER_DISTRICT = 20
GROUPS_PER_DISTRICT = 8
KINDERGARTENS_PER_DISTRICT = 3_000
TOTAL = DISTRICTS * KINDERGARTENS_PER_DISTRICT
SMALL = 10
PER_SUPERVISOR = 5
SUPERVISED_EVERY = 6  # one kindergarten in six has an active supervisor
ROSTER_ROWS = 3_000
PROVINCE = "浙江省"
LEVELS = (("省一级", 40), ("省二级", 30), ("省三级", 20), ("准三级", 10))
PAGE_SIZE = 50

# What a user filters the list by: at 30,000 about 12,500 match (13,000 as of 2025-03), so page 2 exists.
# "幼儿园" is what users type; it matches nearly every name.
LIST_FILTERS = {"nature": "public", "status": "operating", "q": "幼儿园", "sort": "name", "page": "2"}
AS_OF = "2025-03"

LIST_TARGET_MS = 200
LIST_TARGET_MAX_SIZE = 30_000  # the page-time target's size (issue 7's table); above it, the ratio decides
STATEMENT_TIMEOUT_S = 30  # while measuring the list: one query past it is a MISS, reported with its reason
IMPORT_TARGET_S = 30
PASSWORD = "bench-password-2024"

WORDS = (
    *("阳光", "星星", "蓝天", "育才", "实验", "机关", "童心", "启明", "春蕾", "小太阳", "彩虹", "向日葵"),
    *("博雅", "明德", "金色", "希望", "快乐", "未来", "晨曦", "新苗", "蒲公英", "小白鸽", "紫荆", "翠竹"),
    *("海燕", "朝阳", "红缨", "绿洲", "东方"),
)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = "静敏丽芳娟红霞燕玲婷雪梅慧颖佳欣"


def registry_database_url() -> str:
    """This script's own database: ``DATABASE_URL``'s name + ``_registry_bench`` (exit 2 unless PostgreSQL)."""
    url, name = bench_database_url(os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL)
    if not name.endswith(REGISTRY_SUFFIX):
        name = name.removesuffix(BENCH_SUFFIX) + REGISTRY_SUFFIX
    return urlunsplit(urlsplit(url)._replace(path="/" + name))


def changed() -> None:
    """Rows written in bulk send no signal: say they changed, as a migration does (core.cache), so
    nothing built from the smaller data set (the lists' kept totals) is read afterwards."""
    from core.cache import bump, watched_tables

    for model in watched_tables().values():
        bump(model)


def bulk(model):
    """A plain queryset for seeding: the audited manager would also write one audit entry per row."""
    from django.db import models

    return models.QuerySet(model)


def credit_code(n: int, prefix: str) -> str:
    """A valid GB 32100 code, different for every ``n`` under one ``prefix``."""
    from kindergartens.validators import credit_code_check_char

    first17 = f"{prefix}{n:0{17 - len(prefix)}d}"
    return first17 + credit_code_check_char(first17)


def random_day(rng: random.Random, start: datetime.date, end: datetime.date) -> datetime.date:
    return start + datetime.timedelta(days=rng.randint(0, (end - start).days))


# --- the data ----------------------------------------------------------------------------------


class Dataset:
    def __init__(self, seed: int = 20250301) -> None:
        self.rng = random.Random(seed)
        self.city = None
        self.districts: list = []
        self.townships: dict[int, list] = {}
        self.groups: dict[int, list] = {}
        self.levels: list = []
        self.credit_grades: dict[int, list] = {}  # district id -> its default grades (A 级 … D 级)
        self.next_number: dict[int, int] = {}
        self.next_code = 1
        self.next_supervisor = 1
        self.password_hash = ""
        self.bureau_user = None
        self.city_user = None

    def build_geography(self) -> None:
        from django.contrib.auth.hashers import make_password

        from kindergartens.models import (
            DEFAULT_CREDIT_GRADES,
            Bureau,
            CollaborationGroup,
            CreditGrade,
            Level,
            Township,
            UrbanRural,
        )

        self.city = bulk(Bureau).create(
            name="基准市教育局", level=Bureau.Level.CITY, division_code="330100", province=PROVINCE
        )
        self.districts = bulk(Bureau).bulk_create(
            [
                Bureau(
                    name=f"第{i}区教育局",
                    level=Bureau.Level.DISTRICT,
                    parent=self.city,
                    division_code=f"3301{i:02d}",
                    province=PROVINCE,
                )
                for i in range(1, DISTRICTS + 1)
            ]
        )
        codes = list(UrbanRural.values)
        townships = [
            Township(
                district=d,
                name=f"{d.name[:-3]}第{t}街道",
                code=f"{d.division_code}{t:03d}000",
                urban_rural_code=codes[(t + i) % len(codes)],
            )
            for i, d in enumerate(self.districts)
            for t in range(1, TOWNSHIPS_PER_DISTRICT + 1)
        ]
        for township in bulk(Township).bulk_create(townships):
            self.townships.setdefault(township.district_id, []).append(township)
        groups = [
            CollaborationGroup(district=d, name=f"{d.name[:-3]}第{g}协作组")
            for d in self.districts
            for g in range(1, GROUPS_PER_DISTRICT + 1)
        ]
        for group in bulk(CollaborationGroup).bulk_create(groups):
            self.groups.setdefault(group.district_id, []).append(group)
        self.levels = bulk(Level).bulk_create([Level(province=PROVINCE, name=name, rank=rank) for name, rank in LEVELS])
        grades = [
            CreditGrade(district=d, name=name, rank=rank)
            for d in self.districts
            for name, rank in DEFAULT_CREDIT_GRADES
        ]
        for grade in bulk(CreditGrade).bulk_create(grades):
            self.credit_grades.setdefault(grade.district_id, []).append(grade)
        self.password_hash = make_password(PASSWORD)

    def _users(self, role: str, bureau, names: list[tuple[str, str]]) -> list:
        from accounts.models import User

        return bulk(User).bulk_create(
            [
                User(
                    username=username,
                    full_name=full_name,
                    role=role,
                    bureau=bureau,
                    password=self.password_hash,
                    is_active=True,
                )
                for username, full_name in names
            ]
        )

    def add_users(self) -> None:
        from accounts.roles import Role

        (self.bureau_user,) = self._users(Role.BUREAU_STAFF, self.districts[0], [("bench_bureau", "区县业务员")])
        (self.city_user,) = self._users(Role.CITY_VIEWER, self.city, [("bench_city", "市教育局")])

    def add_kindergartens(self, district, count: int, *, matching: bool = False) -> list[int]:
        """``count`` kindergartens with history and classes; ``matching``: all public and operating."""
        from kindergartens.models import (
            ClassType,
            Kindergarten,
            KindergartenClass,
            KindergartenStatusChange,
            Nature,
            PartyOrganisation,
            Schedule,
            Sponsor,
            Status,
        )

        rng = self.rng
        natures = [Nature.PUBLIC, Nature.INCLUSIVE_PRIVATE, Nature.PRIVATE, Nature.COMMUNITY, Nature.UNLICENSED]
        weights = [45, 30, 15, 7, 3]
        start = self.next_number.get(district.pk, 1)
        self.next_number[district.pk] = start + count
        kindergartens, histories, class_counts = [], [], []
        for n in range(start, start + count):
            opened = random_day(rng, datetime.date(2005, 1, 1), datetime.date(2024, 6, 30))
            nature = Nature.PUBLIC if matching else rng.choices(natures, weights)[0]
            history = [("status", Status.OPERATING, opened), ("nature", nature, opened)]
            roll = rng.random()
            if not matching:
                if roll < 0.06:  # rectified in 2024-25, half of them done by now
                    day = random_day(rng, datetime.date(2024, 1, 1), datetime.date(2025, 12, 31))
                    history.append(("status", Status.RECTIFYING, day))
                    if rng.random() < 0.5:
                        history.append(("status", Status.OPERATING, day + datetime.timedelta(days=120)))
                elif roll < 0.09:  # closed after March 2025: still operating as of then
                    history.append(
                        (
                            "status",
                            Status.CLOSED,
                            random_day(rng, datetime.date(2025, 4, 1), datetime.date(2026, 6, 30)),
                        )
                    )
                elif roll < 0.11:
                    history.append(
                        (
                            "status",
                            Status.SUSPENDED,
                            random_day(rng, datetime.date(2023, 1, 1), datetime.date(2026, 6, 30)),
                        )
                    )
                elif roll < 0.16 and nature == Nature.PRIVATE:  # recognised 普惠 after March 2025
                    history.append(("nature", Nature.INCLUSIVE_PRIVATE, datetime.date(2025, 9, 1)))
            current = {attribute: value for attribute, value, _day in sorted(history, key=lambda h: h[2])}
            recognised = None
            if current["nature"] == Nature.INCLUSIVE_PRIVATE:
                recognised = max(day for attribute, value, day in history if attribute == "nature")
            classes = rng.randint(3, 8)
            kindergartens.append(
                Kindergarten(
                    name=f"{rng.choice(WORDS)}{rng.choice(WORDS)}幼儿园{n:04d}",
                    credit_code=credit_code(self.next_code, "5233"),
                    licence_number=f"教民{district.division_code}{n:05d}号",
                    licence_valid_until=random_day(rng, datetime.date(2025, 1, 1), datetime.date(2030, 12, 31)),
                    address=f"{rng.choice(WORDS)}路{rng.randint(1, 999)}号",
                    district=district,
                    township=rng.choice(self.townships[district.pk]),
                    collaboration_group=rng.choice(self.groups[district.pk]) if rng.random() < 0.6 else None,
                    sponsor=Sponsor.EDUCATION if current["nature"] == Nature.PUBLIC else Sponsor.PRIVATE,
                    sponsor_name=f"{rng.choice(WORDS)}教育投资有限公司" if current["nature"] != Nature.PUBLIC else "",
                    nature=current["nature"],
                    inclusive_recognised_on=recognised,
                    status=current["status"],
                    schedule=Schedule.BOARDING if rng.random() < 0.03 else Schedule.FULL_DAY,
                    level=rng.choice(self.levels) if rng.random() < 0.7 else None,
                    credit_rating=self.credit_grades[district.pk][n % 4],  # no draw: the sequence stays as it was
                    capacity=classes * 30 + rng.randint(0, 30),
                    fee_monthly=rng.choice((600, 800, 1200, 2500, 4800)),
                    fee_government_guided=current["nature"] in (Nature.PUBLIC, Nature.INCLUSIVE_PRIVATE),
                    principal_name=f"{rng.choice(SURNAMES)}{rng.choice(GIVEN)}{rng.choice(GIVEN)}",
                    principal_since=random_day(rng, opened, datetime.date(2025, 9, 1)),
                    has_parent_committee=rng.random() < 0.8,
                    party_organisation=rng.choice(PartyOrganisation.values),
                )
            )
            self.next_code += 1
            histories.append(history)
            class_counts.append(classes)
        created = bulk(Kindergarten).bulk_create(kindergartens, batch_size=2000)
        changes, classes = [], []
        types = [ClassType.SMALL, ClassType.MIDDLE, ClassType.LARGE, ClassType.MIXED]
        for kindergarten, history, count_ in zip(created, histories, class_counts, strict=True):
            changes += [
                KindergartenStatusChange(
                    kindergarten=kindergarten, attribute=attribute, value=value, effective_date=day, note="bench"
                )
                for attribute, value, day in history
            ]
            classes += [
                KindergartenClass(
                    kindergarten=kindergarten,
                    name=f"{i}班",
                    class_type=types[i % 3] if rng.random() < 0.95 else ClassType.MIXED,
                    children=rng.randint(18, 38),
                )
                for i in range(1, count_ + 1)
            ]
        bulk(KindergartenStatusChange).bulk_create(changes, batch_size=5000)
        bulk(KindergartenClass).bulk_create(classes, batch_size=5000)
        return [k.pk for k in created]

    def add_supervisors(self, district, kindergarten_ids: list[int]) -> None:
        """Supervisors of ``district`` holding ``kindergarten_ids``, five each (what supervisor_assign leaves)."""
        from django.utils import timezone

        from accounts.roles import Role
        from supervision.models import SupervisorAssignment

        count = -(-len(kindergarten_ids) // PER_SUPERVISOR)
        first = self.next_supervisor
        self.next_supervisor += count
        users = self._users(
            Role.SUPERVISOR,
            district,
            [(f"bench_sup{n:05d}", f"{SURNAMES[n % len(SURNAMES)]}督学{n:05d}") for n in range(first, first + count)],
        )
        now = timezone.now()
        bulk(SupervisorAssignment).bulk_create(
            [
                SupervisorAssignment(
                    kindergarten_id=kg_id, supervisor=users[i // PER_SUPERVISOR], started_at=now, note="bench"
                )
                for i, kg_id in enumerate(kindergarten_ids)
            ],
            batch_size=5000,
        )

    def build_small(self) -> None:
        self.build_geography()
        self.add_users()
        ids = self.add_kindergartens(self.districts[0], SMALL, matching=True)
        self.add_supervisors(self.districts[0], ids[:PER_SUPERVISOR])
        analyze()
        changed()

    def grow(self, total: int = TOTAL) -> None:
        """Every district up to ``total / DISTRICTS`` kindergartens (30,000 in all by default)."""
        started = time.perf_counter()
        for district in self.districts:
            missing = total // DISTRICTS - (self.next_number.get(district.pk, 1) - 1)
            if missing > 0:
                ids = self.add_kindergartens(district, missing)
                self.add_supervisors(district, ids[::SUPERVISED_EVERY])
        analyze()
        changed()
        log(f"grew to {total:,} kindergartens in {time.perf_counter() - started:.1f} s")


# --- the list ----------------------------------------------------------------------------------


def fresh(user):
    """The user as a request would load it (no cached relations)."""
    from accounts.models import User

    return User.objects.get(pk=user.pk)


def logged_in_client(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def list_path(*, as_of: bool) -> str:
    from django.urls import reverse

    params = {**LIST_FILTERS, **({"as_of": AS_OF} if as_of else {})}
    return f"{reverse('kindergartens:list')}?{urlencode(params)}"


def rows_shown(body: str) -> int:
    """Rows of the list table: one detail link each."""
    from django.urls import reverse

    link = re.escape(reverse("kindergartens:detail", kwargs={"pk": 987654321})).replace("987654321", r"\d+")
    table = body.split('data-testid="kindergarten-list"', 1)
    return len(re.findall(f'href="{link}"', table[1])) if len(table) == 2 else 0


def matching(user, *, as_of: bool) -> int:
    """How many kindergartens the filters select for ``user`` (the paginator's count)."""
    from django.http import QueryDict

    from kindergartens.access import kindergartens_visible_to
    from kindergartens.forms import KindergartenFilterForm

    params = QueryDict(mutable=True)
    params.update({**LIST_FILTERS, **({"as_of": AS_OF} if as_of else {})})
    form = KindergartenFilterForm(params, user=user)
    return form.filter(kindergartens_visible_to(user)).count()


def count_queries(
    client, user, path: str, *, expect_rows: int | None, show: bool, api: bool = False
) -> tuple[int | None, str]:
    """Queries of one GET (after a warm-up GET), or ``(None, reason)``."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    try:
        client.get(path)  # warm-up: per-process caches (content types, sessions…)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(path)
    except Exception as exc:  # a statement timeout, mostly: report it, keep going
        return None, f"GET {path}: {type(exc).__name__}: {exc}"
    if response.status_code != 200:
        return None, f"GET {path} answered {response.status_code}"
    shown = len(response.json()["results"]) if api else rows_shown(response.content.decode())
    log(f"GET {path} as {user.username}: {len(ctx.captured_queries)} queries, {shown} rows shown")
    if show:
        for q in ctx.captured_queries:
            log(f"  [{q['time']}s] {q['sql']}")
    if not shown:
        return None, f"GET {path} shows no kindergarten"
    if expect_rows is not None and shown != expect_rows:
        return None, f"GET {path} shows {shown} rows, expected {expect_rows}"
    return len(ctx.captured_queries), ""


def statement_timeout(seconds: int) -> None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(f"SET statement_timeout = {int(seconds * 1000)}")


def explain_request(client, path: str) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of every SELECT one GET of ``path`` runs, slowest first.

    A request that hits the statement timeout gets the count query's plain EXPLAIN instead.
    """
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    try:
        with CaptureQueriesContext(connection) as ctx:
            client.get(path)
    except Exception as exc:
        log(f"GET {path} failed ({type(exc).__name__}); plain EXPLAIN of the query that failed:")
        query = ctx.captured_queries[-1] if ctx.captured_queries else None
        if query is None:
            return
        with connection.cursor() as cur:
            cur.execute("EXPLAIN " + query["sql"])
            print("\n".join("    " + row[0] for row in cur.fetchall()), file=sys.stderr)
        return
    queries = sorted(ctx.captured_queries, key=lambda q: -float(q["time"]))
    for query in queries:
        if not query["sql"].lstrip().upper().startswith("SELECT"):
            continue
        with connection.cursor() as cur:
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
            plan = [row[0] for row in cur.fetchall()]
        print(f"\n# EXPLAIN ANALYZE ({query['time']}s) {path}\n#   {query['sql']}", file=sys.stderr)
        print("\n".join("    " + line for line in plan), file=sys.stderr)


def profile(label: str, fn) -> None:
    profiler = cProfile.Profile()
    profiler.runcall(fn)
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(30)
    log(f"cProfile of {label}:")
    print(out.getvalue(), file=sys.stderr)


# --- the lists: each page against one hand-written SQL query for the same rows ------------------

SIZES = (3_000, 30_000, 100_000)
RATIO_TARGET = 3.0
API_FILTERS = {"nature": "public", "status": "operating", "search": "幼儿园", "ordering": "name", "page": "2"}

_MATCH = """
    SELECT k.id, k.name FROM kindergartens_kindergarten k
    WHERE {scope} AND k.nature = 'public' AND k.status = 'operating' AND k.name LIKE '%%幼儿园%%'
"""
_MATCH_AS_OF = """
    SELECT k.id, k.name, st.value AS status_on, na.value AS nature_on
    FROM kindergartens_kindergarten k
    JOIN (
        SELECT DISTINCT ON (s.kindergarten_id) s.kindergarten_id, s.value FROM kindergartens_kindergartenstatuschange s
        JOIN kindergartens_kindergarten sk ON sk.id = s.kindergarten_id
        WHERE {scope_s} AND s.attribute = 'status' AND s.effective_date <= %(day)s
        ORDER BY s.kindergarten_id, s.effective_date DESC, s.recorded_at DESC, s.id DESC
    ) st ON st.kindergarten_id = k.id
    JOIN (
        SELECT DISTINCT ON (s.kindergarten_id) s.kindergarten_id, s.value FROM kindergartens_kindergartenstatuschange s
        JOIN kindergartens_kindergarten sk ON sk.id = s.kindergarten_id
        WHERE {scope_s} AND s.attribute = 'nature' AND s.effective_date <= %(day)s
        ORDER BY s.kindergarten_id, s.effective_date DESC, s.recorded_at DESC, s.id DESC
    ) na ON na.kindergarten_id = k.id
    WHERE {scope} AND st.value = 'operating' AND na.value = 'public' AND k.name LIKE '%%幼儿园%%'
"""
_ENROLLED = (
    "(SELECT COALESCE(SUM(c.children), 0) FROM kindergartens_kindergartenclass c"
    " WHERE c.kindergarten_id = k.id AND c.is_active)"
)
_CLASSES = "(SELECT COUNT(*) FROM kindergartens_kindergartenclass c WHERE c.kindergarten_id = k.id AND c.is_active)"
_SUPERVISOR = (
    "(SELECT {expr} FROM supervision_supervisorassignment a JOIN accounts_user u ON u.id = a.supervisor_id"
    " WHERE a.kindergarten_id = k.id AND a.ended_at IS NULL LIMIT 1)"
)
_PAGE = """
WITH matched AS ({match}),
page AS (SELECT * FROM matched ORDER BY name, id LIMIT 50 OFFSET 50)
SELECT {columns}, (SELECT COUNT(*) FROM matched) AS total
FROM page p
JOIN kindergartens_kindergarten k ON k.id = p.id
JOIN kindergartens_bureau d ON d.id = k.district_id
JOIN kindergartens_township t ON t.id = k.township_id
LEFT JOIN kindergartens_collaborationgroup g ON g.id = k.collaboration_group_id
LEFT JOIN kindergartens_level l ON l.id = k.level_id
LEFT JOIN kindergartens_creditgrade cr ON cr.id = k.credit_rating_id
ORDER BY p.name, p.id
"""
# What the HTML list shows (kindergartens/list.html) and what the API list returns (KindergartenSerializer).
_SUPERVISOR_DISPLAY = _SUPERVISOR.format(expr="COALESCE(NULLIF(u.full_name, ''), u.username)")
_HTML_COLUMNS = (
    "k.id, k.name, d.name AS district, t.name AS township, t.urban_rural_code, k.nature, l.name AS level, "
    f"k.status, k.capacity, {_ENROLLED} AS enrolled, {_SUPERVISOR_DISPLAY} AS supervisor"
)
_API_COLUMNS = (
    "k.id, k.name, k.credit_code, k.licence_number, k.licence_valid_until, k.address, d.id AS district_id, "
    "d.name AS district, t.id AS township_id, t.name AS township, t.urban_rural_code, g.id AS group_id, "
    "g.name AS group_name, k.sponsor, k.sponsor_name, k.nature, k.inclusive_recognised_on, k.status, k.schedule, "
    "l.id AS level_id, l.name AS level, k.capacity, k.fee_monthly, k.fee_government_guided, k.principal_name, "
    "k.principal_since, k.has_parent_committee, k.legal_vice_principal, k.medical_partner, k.party_organisation, "
    "cr.id AS credit_rating_id, cr.name AS credit_rating, "
    f"{_ENROLLED} AS enrolled, {_CLASSES} AS class_count, {_SUPERVISOR.format(expr='u.id')} AS supervisor_id, "
    f"{_SUPERVISOR.format(expr='u.full_name')} AS supervisor, {_SUPERVISOR.format(expr='u.phone')} AS supervisor_phone"
)


@dataclass(frozen=True)
class ListCase:
    name: str  # figure prefix
    who: str  # "city" or "bureau"
    as_of: bool = False
    api: bool = False

    def path(self) -> str:
        from django.urls import reverse

        if self.api:
            return f"{reverse('api:kindergarten-list')}?{urlencode(API_FILTERS)}"
        return list_path(as_of=self.as_of)

    def sql(self, data: Dataset) -> tuple[str, dict]:
        if self.who == "city":
            scope = "{a}.district_id IN (SELECT id FROM kindergartens_bureau WHERE parent_id = %(city)s AND level = 'district')"
        else:
            scope = "{a}.district_id = %(district)s"
        match = (_MATCH_AS_OF if self.as_of else _MATCH).format(scope=scope.format(a="k"), scope_s=scope.format(a="sk"))
        columns = _API_COLUMNS if self.api else _HTML_COLUMNS
        if self.as_of:
            columns += ", p.status_on, p.nature_on"
        params = {"city": data.city.pk, "district": data.districts[0].pk, "day": month_end_of(AS_OF)}
        return _PAGE.format(match=match, columns=columns), params


LIST_CASES = (
    ListCase("city_list", "city"),
    ListCase("city_list_asof", "city", as_of=True),
    ListCase("bureau_list", "bureau"),
    ListCase("bureau_list_asof", "bureau", as_of=True),
    ListCase("api_list_city", "city", api=True),
    ListCase("api_list_bureau", "bureau", api=True),
)


def month_end_of(month: str) -> datetime.date:
    from kindergartens.forms import month_end

    return month_end(month)


def page_rows(case: ListCase, response) -> tuple[list[tuple], int]:
    """(rows as the page shows them, the total it states): from the view's context or the API's JSON."""
    if case.api:
        body = response.json()
        rows = []
        for r in body["results"]:
            sup = r["responsible_supervisor"] or {}
            rows.append(
                (
                    r["id"], r["name"], r["credit_code"], r["district"]["name"], r["township"]["name"],
                    (r["collaboration_group"] or {}).get("name"), r["nature"], r["status"], r["schedule"],
                    (r["level"] or {}).get("name"), r["capacity"], r["enrolled"], r["class_count"],
                    r["fee_monthly"], r["principal_name"], (r["credit_rating"] or {}).get("name"),
                    sup.get("full_name"), sup.get("phone"),
                )
            )  # fmt: skip
        return rows, body["count"]
    page = response.context["page"]
    rows = [
        (
            kg.pk, kg.name, kg.district_name, kg.township_name, kg.rural, kg.nature,
            kg.level_name, kg.status, kg.capacity, kg.enrolled, kg.supervisor_display or None,
            *((kg.status_on, kg.nature_on) if case.as_of else ()),
        )
        for kg in page.object_list
    ]  # fmt: skip
    return rows, page.paginator.count


def sql_rows(case: ListCase, raw: list[dict]) -> tuple[list[tuple], int]:
    """The hand-written query's rows in the shape of ``page_rows``."""
    total = raw[0]["total"] if raw else 0
    if case.api:
        rows = [
            (
                r["id"], r["name"], r["credit_code"], r["district"], r["township"], r["group_name"], r["nature"],
                r["status"], r["schedule"], r["level"], r["capacity"], r["enrolled"], r["class_count"],
                None if r["fee_monthly"] is None else f"{r['fee_monthly']:.2f}", r["principal_name"],
                r["credit_rating"], r["supervisor"], r["supervisor_phone"],
            )
            for r in raw
        ]  # fmt: skip
        return rows, total
    from kindergartens.models import area_name

    rows = [
        (
            r["id"], r["name"], area_name(r["district"]), r["township"], r["urban_rural_code"].startswith("2"),
            r["nature"], r["level"], r["status"], r["capacity"], r["enrolled"], r["supervisor"],
            *((r["status_on"], r["nature_on"]) if case.as_of else ()),
        )
        for r in raw
    ]  # fmt: skip
    return rows, total


def run_sql(sql: str, params: dict) -> list[dict]:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(sql, params)
        names = [c.name for c in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def time_case(case: ListCase, client, data: Dataset, runs: int) -> dict:
    """Interleaved runs of the page and of the hand-written query; the minimum of each (a busy machine
    slows some runs, never speeds one up)."""
    from django.test.utils import setup_test_environment, teardown_test_environment

    path = case.path()
    sql, params = case.sql(data)
    # Rendering instrumented for this one request only, so the check reads what the template was given;
    # the timed requests below run as in production.
    setup_test_environment(debug=False)
    try:
        response = client.get(path)
    finally:
        teardown_test_environment()
    if response.status_code != 200:
        return {"error": f"GET {path} answered {response.status_code}"}
    raw = run_sql(sql, params)
    shown, shown_total = page_rows(case, response)
    expected, expected_total = sql_rows(case, raw)
    if shown != expected or shown_total != expected_total:
        diff = next(
            (
                "; ".join(
                    f"column {i}: page {x!r} != sql {y!r}" for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y
                )
                for a, b in zip(shown, expected, strict=False)
                if a != b
            ),
            "",
        )
        return {
            "error": f"the page and the query disagree: {len(shown)} rows / {shown_total} total against "
            f"{len(expected)} / {expected_total}. {diff}"[:300]
        }
    if len(shown) != PAGE_SIZE:
        return {"error": f"{path} shows {len(shown)} rows, expected {PAGE_SIZE}"}
    from django.test import override_settings

    page_ms, sql_ms, kept_ms = [], [], []
    for _ in range(runs):
        # The page as on a filter's first visit: its total counted (the hand-written query counts too).
        with override_settings(LIST_TOTAL_CACHE_SECONDS=0):
            started = time.perf_counter()
            client.get(path)
            page_ms.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        run_sql(sql, params)
        sql_ms.append((time.perf_counter() - started) * 1000)
        # The next page of the same filter: the total kept by core.lists (informative).
        client.get(path)
        started = time.perf_counter()
        client.get(path)
        kept_ms.append((time.perf_counter() - started) * 1000)
    return {
        "page_ms": min(page_ms),
        "sql_ms": min(sql_ms),
        "kept_ms": min(kept_ms),
        "total": shown_total,
        "path": path,
    }


def list_size_figures(
    report: Report, data: Dataset, size: int, clients: dict, users: dict, baseline: dict, args
) -> None:
    for case in LIST_CASES:
        base = f"{case.name}_{size}"
        client, user = clients[case.who], users[case.who]
        queries, why = count_queries(client, user, case.path(), expect_rows=None, show=args.queries, api=case.api)
        target = f"= {baseline.get(case.name, 'n/a')} (at {SMALL})"
        if queries is None:
            report.na(f"{base}_queries", why, target)
        else:
            report.figure(f"{base}_queries", queries, "queries", target, queries == baseline.get(case.name))
        result = time_case(case, client, data, args.runs)
        if "error" in result:
            report.na(f"{base}_ratio", result["error"], f"≤ {RATIO_TARGET:g}")
            continue
        log(f"{case.name} at {size:,}: {result['total']:,} match {result['path']}")
        if size <= LIST_TARGET_MAX_SIZE:
            target, ok = f"< {LIST_TARGET_MS} ms", result["page_ms"] < LIST_TARGET_MS
        else:
            target, ok = f"informative above {LIST_TARGET_MAX_SIZE:,}: the ratio is the target", True
        report.figure(f"{base}_page_ms", result["page_ms"], "ms", target, ok)
        report.figure(f"{base}_sql_ms", result["sql_ms"], "ms", "informative: one hand-written query, same rows", True)
        report.figure(f"{base}_total_kept_ms", result["kept_ms"], "ms", "informative: paging on, the total kept", True)
        ratio = result["page_ms"] / result["sql_ms"]
        report.figure(f"{base}_ratio", ratio, "x", f"≤ {RATIO_TARGET:g}", ratio <= RATIO_TARGET)
        if args.explain and size == 30_000:
            explain_request(client, case.path())
        if args.profile and size == 30_000:
            path = case.path()
            profile(f"GET {path} as {case.who}", lambda path=path, client=client: client.get(path))


# --- the roster import -------------------------------------------------------------------------


def _no_broker() -> None:
    """Jobs are run in this process: queue them into kombu's in-memory transport (nothing left behind)."""
    from config.celery import app

    app.conf.update(broker_url="memory://", result_backend=None, broker_transport_options={})


def roster_rows(data: Dataset) -> list[dict]:
    """3,000 new kindergartens for district 1, every column filled as a bureau would."""
    from kindergartens.models import DEFAULT_CREDIT_GRADES, Nature, PartyOrganisation, Schedule, Sponsor, Status

    rng = random.Random(7)
    district = data.districts[0]
    labels = {
        choices: {value: str(label) for value, label in choices.choices}
        for choices in (Nature, Status, Sponsor, Schedule, PartyOrganisation)
    }
    natures = [Nature.PUBLIC, Nature.INCLUSIVE_PRIVATE, Nature.PRIVATE, Nature.COMMUNITY]
    rows = []
    for n in range(1, ROSTER_ROWS + 1):
        nature = rng.choices(natures, [45, 30, 20, 5])[0]
        rows.append(
            {
                "credit_code": credit_code(n, "5244"),
                "name": f"{rng.choice(WORDS)}名册幼儿园{n:04d}",
                "township": rng.choice(data.townships[district.pk]).name,
                "nature": labels[Nature][nature],
                "inclusive_recognised_on": (
                    random_day(rng, datetime.date(2019, 1, 1), datetime.date(2025, 12, 31))
                    if nature == Nature.INCLUSIVE_PRIVATE
                    else None
                ),
                "status": labels[Status][Status.OPERATING],
                "sponsor": labels[Sponsor][Sponsor.EDUCATION if nature == Nature.PUBLIC else Sponsor.PRIVATE],
                "sponsor_name": "" if nature == Nature.PUBLIC else f"{rng.choice(WORDS)}教育咨询有限公司",
                "schedule": labels[Schedule][Schedule.FULL_DAY],
                "level": rng.choice(LEVELS)[0],
                "address": f"{rng.choice(WORDS)}路{rng.randint(1, 999)}号",
                "licence_number": f"教民{district.division_code}{n + 50000:05d}号",
                "licence_valid_until": random_day(rng, datetime.date(2026, 1, 1), datetime.date(2031, 12, 31)),
                "capacity": rng.randint(90, 360),
                "fee_monthly": rng.choice((600, 800, 1200.5, 2500, 4800)),
                "fee_government_guided": "是" if nature in (Nature.PUBLIC, Nature.INCLUSIVE_PRIVATE) else "否",
                "principal_name": f"{rng.choice(SURNAMES)}{rng.choice(GIVEN)}{rng.choice(GIVEN)}",
                "principal_since": random_day(rng, datetime.date(2010, 1, 1), datetime.date(2025, 9, 1)),
                "has_parent_committee": rng.choice(("是", "否")),
                "legal_vice_principal": f"{rng.choice(SURNAMES)}{rng.choice(GIVEN)}",
                "medical_partner": f"第{rng.randint(1, 9)}区妇幼保健院",
                "party_organisation": labels[PartyOrganisation][rng.choice(PartyOrganisation.values)],
                "credit_rating": rng.choice(DEFAULT_CREDIT_GRADES)[0],  # the district's grades, by name
                "collaboration_group": rng.choice(data.groups[district.pk]).name,
            }
        )
    return rows


def build_roster(rows: list[dict]) -> bytes:
    """An .xlsx with the template's headers in row 1 (tests' helper; dates as Excel dates)."""
    from tests.kindergartens.fixtures_excel import build_roster as build

    return build([{k: v for k, v in r.items() if v is not None} for r in rows])


class ImportFailed(Exception):
    pass


def page_text(response, limit: int = 300) -> str:
    text = re.sub(r"<[^>]+>", " ", response.content.decode(errors="replace"))
    return " ".join(text.split())[-limit:]


def run_import(client, data_bytes: bytes, *, filename: str) -> dict:
    """Upload → preview page → confirm through the views; returns timings and the RosterImport."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import resolve, reverse

    from core.jobs import job_execute
    from core.models import Job
    from kindergartens.excel import XLSX_CONTENT_TYPE
    from kindergartens.models import RosterImport

    started = time.perf_counter()
    upload = SimpleUploadedFile(filename, data_bytes, content_type=XLSX_CONTENT_TYPE)
    response = client.post(reverse("kindergartens:import"), {"file": upload})
    if response.status_code != 302:
        raise ImportFailed(f"upload answered {response.status_code}: {page_text(response)}")
    if resolve(response["Location"].split("?")[0]).url_name == "job-detail":
        # The check is a background job (core.jobs): run it here as the worker would, then open its page.
        job_execute(job_id=Job.objects.latest("pk").pk)
        response = client.get(response["Location"])
        if response.status_code != 302:
            raise ImportFailed(f"the check did not lead to a preview: {page_text(response)}")
    match = resolve(response["Location"].split("?")[0])
    if match.url_name != "import-confirm":
        raise ImportFailed(f"upload redirected to {response['Location']}")
    preview = client.get(response["Location"])
    if preview.status_code != 200 or 'data-testid="confirm-import"' not in preview.content.decode():
        raise ImportFailed(f"the preview page answered {preview.status_code} without a confirm button")
    previewed = time.perf_counter()
    response = client.post(response["Location"])
    if response.status_code == 302 and resolve(response["Location"].split("?")[0]).url_name == "job-detail":
        # More than ROSTER_APPLY_IN_REQUEST_MAX_ROWS rows are written by the worker: run it as the worker would.
        job_execute(job_id=Job.objects.latest("pk").pk)
        job = Job.objects.latest("pk")
        if job.state != Job.State.DONE:
            raise ImportFailed(f"the import job ended {job.state}: {job.error}")
        saved = time.perf_counter()
    else:
        saved = time.perf_counter()
        if response.status_code != 302 or resolve(response["Location"].split("?")[0]).url_name != "list":
            raise ImportFailed(f"confirm answered {response.status_code} {response.get('Location', '')}")
    roster_import = RosterImport.objects.get(pk=match.kwargs["pk"])
    if roster_import.state != RosterImport.State.APPLIED:
        raise ImportFailed(f"the import is {roster_import.state} after confirm")
    return {
        "preview_s": previewed - started,
        "confirm_s": saved - previewed,
        "total_s": saved - started,
        "summary": roster_import.summary,
    }


def state_of_district(district, codes: list[str]) -> dict:
    """What a re-import must leave exactly as it was."""
    from django.db.models import Count, Max

    from core.models import AuditEntry
    from kindergartens.models import Kindergarten, KindergartenStatusChange

    imported = Kindergarten.objects.filter(district=district, credit_code__in=codes)
    return {
        "imported": imported.count(),
        "kindergartens": Kindergarten.objects.count(),
        "history": KindergartenStatusChange.objects.count(),
        # The import's own bookkeeping (its job, core.Job) is audited too; the registry's rows must not be.
        "audit": AuditEntry.objects.exclude(content_type__app_label="core", content_type__model="job").count(),
        "updated": imported.aggregate(n=Count("pk"), last=Max("updated_at")),
    }


def import_figures(report: Report, data: Dataset, *, show_profile: bool) -> None:
    target = f"< {IMPORT_TARGET_S} s"
    rows = roster_rows(data)
    codes = [r["credit_code"] for r in rows]
    started = time.perf_counter()
    roster = build_roster(rows)
    log(f"built a {ROSTER_ROWS:,}-row roster ({len(roster) / 1024:.0f} KB) in {time.perf_counter() - started:.1f} s")
    bureau = fresh(data.bureau_user)
    client = logged_in_client(bureau)
    district = data.districts[0]

    def one(label: str):
        try:
            return run_import(client, roster, filename="名册.xlsx")
        except ImportFailed as exc:
            report.na(label, str(exc), target)
            return None

    if show_profile:
        profiler = cProfile.Profile()
        first = profiler.runcall(one, "roster_import_3000_s")
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(40)
        log("cProfile of the import:")
        print(out.getvalue(), file=sys.stderr)
    else:
        first = one("roster_import_3000_s")
    if first is None:
        return
    after_first = state_of_district(district, codes)
    log(f"first import: {first['summary']}; {after_first['imported']:,} of the roster's kindergartens exist")
    if first["summary"].get("create") != ROSTER_ROWS or after_first["imported"] != ROSTER_ROWS:
        report.na(
            "roster_import_3000_s",
            f"expected {ROSTER_ROWS} created, got {first['summary']} and {after_first['imported']} in the district",
            target,
        )
        return
    report.below("roster_import_3000_s", first["total_s"], "s", IMPORT_TARGET_S)
    report.figure("roster_preview_3000_s", first["preview_s"], "s", "informative", True)
    report.figure("roster_confirm_3000_s", first["confirm_s"], "s", "informative", True)

    again = one("roster_reimport_3000_s")
    if again is None:
        return
    after_again = state_of_district(district, codes)
    log(f"re-import: {again['summary']}")
    if again["summary"] != {"create": 0, "update": 0, "unchanged": ROSTER_ROWS} or after_again != after_first:
        report.na(
            "roster_reimport_3000_s",
            f"the re-import changed something: {again['summary']}, before {after_first}, after {after_again}",
            target,
        )
        return
    report.below("roster_reimport_3000_s", again["total_s"], "s", IMPORT_TARGET_S)
    report.figure("roster_reimport_preview_3000_s", again["preview_s"], "s", "informative", True)
    report.figure("roster_reimport_confirm_3000_s", again["confirm_s"], "s", "informative", True)


# --- main --------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="interleaved runs of each page and its query (default 15)")
    parser.add_argument("--queries", action="store_true", help="print the SQL of the counted list requests")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE the lists' queries at 30,000")
    parser.add_argument("--profile", action="store_true", help="cProfile one request of each list at 30,000")
    parser.add_argument("--no-import", action="store_true", help="skip the 3,000-row roster import")
    parser.add_argument(
        "--sizes",
        default=",".join(str(s) for s in SIZES),
        help="kindergartens in all, comma-separated (default 3000,30000,100000)",
    )
    args = parser.parse_args(argv)
    sizes = sorted(int(s) for s in args.sizes.split(","))

    began = time.perf_counter()
    os.environ["DATABASE_URL"] = registry_database_url()
    setup_django("config.settings.test")
    logging.getLogger("django.request").setLevel(logging.CRITICAL)  # failures are reported as figures
    _no_broker()
    report = Report()
    data = Dataset()

    started = time.perf_counter()
    data.build_small()
    log(f"built the small dataset ({SMALL} kindergartens) in {time.perf_counter() - started:.1f} s")
    users = {"city": fresh(data.city_user), "bureau": fresh(data.bureau_user)}
    clients = {who: logged_in_client(user) for who, user in users.items()}
    baseline = {}
    for case in LIST_CASES:
        # Page 1: with 10 kindergartens there is no page 2 (the API answers 404 for it).
        path = case.path().replace("page=2", "page=1")
        n, _why = count_queries(
            clients[case.who], users[case.who], path, expect_rows=None, show=args.queries, api=case.api
        )
        baseline[case.name] = n

    for size in sizes:
        data.grow(size)
        users = {"city": fresh(data.city_user), "bureau": fresh(data.bureau_user)}
        statement_timeout(STATEMENT_TIMEOUT_S)  # a runaway plan becomes a MISS with its reason, not an endless run
        list_size_figures(report, data, size, clients, users, baseline, args)
        statement_timeout(0)

    if not args.no_import:
        import_figures(report, data, show_profile=args.profile)

    log(f"total run time {time.perf_counter() - began:.0f} s")
    if report.misses:
        log(f"MISS: {', '.join(report.misses)}")
    return report.exit_code()


if __name__ == "__main__":
    sys.exit(main())
