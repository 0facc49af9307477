"""Scoped kindergarten lists at 30,000 kindergartens: time and query counts.

    .venv/bin/python bench/access.py [--explain] [--queries] [--runs N]

Builds, in a dedicated PostgreSQL database (see ``bench/_common.py``), one city, 10
districts with 20 townships each, and first only 10 kindergartens (all in district 1),
a bureau_staff user of district 1 and one supervisor holding 5 of them. It counts the
SQL queries of the list page and the list API for both users, then grows the data to
30,000 kindergartens (3,000 per district) and 600 supervisors in district 1 holding 5
kindergartens each (guardian object permission plus an active SupervisorAssignment, as
``supervisor_assign`` would leave them), and prints:

* ``supervisor_scoped_list_ms``: first 50 of ``kindergartens_visible_to(supervisor)``
  ordered by name, id (median and p95; target < 50 ms);
* ``bureau_scoped_list_ms``: the bureau user's first page of 50 plus ``.count()``, which a
  paginated list needs (median and p95; target < 50 ms);
* ``*_queries_10`` / ``*_queries_30000``: queries of one request to the HTML list
  (``kindergartens:list``) and the API list (``/api/v1/kindergartens/``) for both users;
  the 30,000 figure must equal the 10 figure (no query per row);
* ``list_page_ms``: the bureau user's list page through Django's test client (target < 200 ms).

A page that cannot be reached yet prints ``n/a (reason: …) … MISS``. Exits 1 on any MISS,
2 when not on PostgreSQL. ``--explain`` adds EXPLAIN (ANALYZE, BUFFERS) of the scoped
queries; ``--queries`` prints the SQL of every counted request to stderr.
"""

from __future__ import annotations

import argparse
import datetime
import json
import logging
import random
import re
import sys
import time
from pathlib import Path

_HERE = Path(__file__).resolve().parent
if sys.path and Path(sys.path[0] or ".").resolve() == _HERE:
    sys.path.pop(0)  # run as a script: don't let bench/access.py shadow anything called "access"
sys.path.insert(0, str(_HERE.parent))

from bench._common import Report, analyze, log, setup_django, time_it  # noqa: E402

DISTRICTS = 10
TOWNSHIPS_PER_DISTRICT = 20
KINDERGARTENS_PER_DISTRICT = 3_000
SMALL_KINDERGARTENS = 10
PER_SUPERVISOR = 5
SUPERVISORS = KINDERGARTENS_PER_DISTRICT // PER_SUPERVISOR  # district 1 only: 600
PAGE_SIZE = 50
SCOPED_TARGET_MS = 50
PAGE_TARGET_MS = 200
API_LIST_PATH = "/api/v1/kindergartens/"
PASSWORD = "bench-password-2024"

WORDS = (
    *("阳光", "星星", "蓝天", "育才", "实验", "机关", "童心", "启明", "春蕾", "小太阳", "彩虹", "向日葵"),
    *("博雅", "明德", "金色", "希望", "快乐", "未来", "晨曦", "新苗", "蒲公英", "小白鸽", "紫荆", "翠竹"),
    *("海燕", "朝阳", "红缨", "绿洲", "东方"),
)


def bulk(model):
    """A plain queryset for seeding: ``AuditedQuerySet.bulk_create`` would also write one
    audit entry per row, which is what production bulk writes must do but only slows down
    building benchmark data (and the audit table is not what is measured here)."""
    from django.db import models

    return models.QuerySet(model)


class Dataset:
    def __init__(self, seed: int = 20240901) -> None:
        self.rng = random.Random(seed)
        self.districts = []
        self.townships: dict[int, list] = {}
        self.next_number: dict[int, int] = {}
        self.permission = None
        self.password_hash = ""
        self.bureau_user = None
        self.supervisors: list = []
        self.unassigned: list[int] = []  # district 1 kindergartens without a supervisor yet

    # --- geography and users -------------------------------------------------------

    def build_geography(self) -> None:
        from django.contrib.auth.hashers import make_password
        from django.contrib.auth.models import Permission

        from kindergartens.access import SUPERVISE_CODENAME
        from kindergartens.models import Bureau, Township, UrbanRural

        city = bulk(Bureau).create(name="基准市教育局", level=Bureau.Level.CITY, division_code="330100")
        self.districts = bulk(Bureau).bulk_create(
            [
                Bureau(name=f"第{i}区教育局", level=Bureau.Level.DISTRICT, parent=city, division_code=f"3301{i:02d}")
                for i in range(1, DISTRICTS + 1)
            ]
        )
        codes = list(UrbanRural.values)
        rows = [
            Township(
                district=d,
                name=f"{d.name[:-3]}第{t}街道",
                code=f"{d.division_code}{t:03d}000",
                urban_rural_code=codes[(t + i) % len(codes)],
            )
            for i, d in enumerate(self.districts)
            for t in range(1, TOWNSHIPS_PER_DISTRICT + 1)
        ]
        for township in bulk(Township).bulk_create(rows):
            self.townships.setdefault(township.district_id, []).append(township)
        self.permission = Permission.objects.get(
            codename=SUPERVISE_CODENAME, content_type__app_label="kindergartens", content_type__model="kindergarten"
        )
        self.password_hash = make_password(PASSWORD)

    def _users(self, role: str, names: list[tuple[str, str]]) -> list:
        """District 1 accounts, ``(username, full_name)`` each."""
        from accounts.models import User

        return bulk(User).bulk_create(
            [
                User(
                    username=username,
                    full_name=full_name,
                    role=role,
                    bureau=self.districts[0],
                    password=self.password_hash,
                    is_active=True,
                )
                for username, full_name in names
            ]
        )

    def add_bureau_user(self) -> None:
        from accounts.roles import Role

        (self.bureau_user,) = self._users(Role.BUREAU_STAFF, [("bench_bureau", "区县业务员")])

    # --- kindergartens and assignments --------------------------------------------------

    def add_kindergartens(self, district, count: int) -> list[int]:
        from kindergartens.models import Kindergarten, Nature

        natures = list(Nature.values)
        weights = [45, 30, 15, 7, 3]
        start = self.next_number.get(district.pk, 1)
        self.next_number[district.pk] = start + count
        rows = []
        for n in range(start, start + count):
            nature = self.rng.choices(natures, weights)[0]
            rows.append(
                Kindergarten(
                    name=f"{self.rng.choice(WORDS)}{self.rng.choice(WORDS)}幼儿园{n:04d}",
                    district=district,
                    township=self.rng.choice(self.townships[district.pk]),
                    nature=nature,
                    # 普惠性民办 needs its recognition date (a database check constraint).
                    inclusive_recognised_on=datetime.date(2023, 9, 1) if nature == Nature.INCLUSIVE_PRIVATE else None,
                )
            )
        created = bulk(Kindergarten).bulk_create(rows, batch_size=2000)
        return [k.pk for k in created]

    def add_supervisors(self, count: int) -> None:
        """``count`` supervisors of district 1, each given the next 5 unassigned kindergartens."""
        from django.utils import timezone

        from accounts.roles import Role
        from kindergartens.models import KindergartenUserObjectPermission
        from supervision.models import SupervisorAssignment

        first = len(self.supervisors)
        users = self._users(
            Role.SUPERVISOR, [(f"bench_sup{n:04d}", f"督学{n:04d}") for n in range(first, first + count)]
        )
        self.supervisors.extend(users)
        now = timezone.now()
        perms, assignments = [], []
        for user in users:
            chunk, self.unassigned = self.unassigned[:PER_SUPERVISOR], self.unassigned[PER_SUPERVISOR:]
            for kg_id in chunk:
                # The rows supervisor_assign() leaves behind, written in bulk.
                perms.append(
                    KindergartenUserObjectPermission(user=user, permission=self.permission, content_object_id=kg_id)
                )
                assignments.append(
                    SupervisorAssignment(kindergarten_id=kg_id, supervisor=user, started_at=now, note="bench")
                )
        bulk(KindergartenUserObjectPermission).bulk_create(perms, batch_size=2000)
        bulk(SupervisorAssignment).bulk_create(assignments, batch_size=2000)

    def build_small(self) -> None:
        self.build_geography()
        self.add_bureau_user()
        self.unassigned = self.add_kindergartens(self.districts[0], SMALL_KINDERGARTENS)
        self.add_supervisors(1)
        analyze()

    def grow(self) -> None:
        started = time.perf_counter()
        for district in self.districts:
            missing = KINDERGARTENS_PER_DISTRICT - (self.next_number.get(district.pk, 1) - 1)
            ids = self.add_kindergartens(district, missing)
            if district.pk == self.districts[0].pk:
                self.unassigned += ids
        self.add_supervisors(SUPERVISORS - len(self.supervisors))
        analyze()
        log(
            f"grew to {DISTRICTS * KINDERGARTENS_PER_DISTRICT:,} kindergartens in {time.perf_counter() - started:.1f} s"
        )


# --- measurements ------------------------------------------------------------------------


def fresh(user):
    """The user as a request would load it (no cached relations)."""
    from accounts.models import User

    return User.objects.get(pk=user.pk)


def supervisor_query(user):
    from kindergartens.access import kindergartens_visible_to

    return kindergartens_visible_to(user).order_by("name", "id")[:PAGE_SIZE]


def bureau_queries(user):
    from kindergartens.access import kindergartens_visible_to

    qs = kindergartens_visible_to(user)
    return qs.order_by("name", "id")[:PAGE_SIZE], qs


def page_path() -> str:
    from django.urls import reverse

    return reverse("kindergartens:list")


def logged_in_client(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def describe(exc: BaseException, path: str | None) -> str:
    """The first failure in the chain, then the last one (a missing 404/500 template hides the cause)."""
    from django.urls import Resolver404

    chain = [exc]
    while (nxt := chain[-1].__cause__ or chain[-1].__context__) is not None and len(chain) < 50:
        chain.append(nxt)
    root = chain[-1]

    def one(e: BaseException) -> str:
        if isinstance(e, Resolver404):
            return f"GET {path}: no URL pattern matches (404)"
        return f"{type(e).__name__}: {e}"

    text = one(root)
    if root is not exc and one(exc) != text:
        text += f"; then {one(exc)}"
    return text


NAME_RE = re.compile(r"[\u4e00-\u9fff]+幼儿园\d{4}")


def rows_shown(response, user) -> int:
    """How many of the user's kindergartens the page or API answer names."""
    from kindergartens.access import kindergartens_visible_to

    if response.get("Content-Type", "").startswith("application/json"):
        body = json.dumps(response.json(), ensure_ascii=False)
    else:
        body = response.content.decode()
    found = set(NAME_RE.findall(body))
    return kindergartens_visible_to(user).filter(name__in=found).count() if found else 0


def count_request_queries(client, user, path_fn, show: bool) -> tuple[int | None, str]:
    """Queries of one GET (after one warm-up GET), or ``(None, reason)``."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    path = None
    try:
        path = path_fn()
        client.get(path)  # warm-up: per-process caches (content types, permissions…)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(path)
    except Exception as exc:  # the page is being written by others: report, keep going
        return None, describe(exc, path)
    if response.status_code != 200:
        return None, f"GET {path} answered {response.status_code}"
    shown = rows_shown(response, user)
    log(f"GET {path} as {user.username}: {len(ctx.captured_queries)} queries, shows {shown} of its kindergartens")
    if not shown:  # an empty page would make the query counts meaningless
        return None, f"GET {path} shows none of the user's kindergartens"
    if show:
        log(f"{len(ctx.captured_queries)} queries for GET {path}:")
        for q in ctx.captured_queries:
            log(f"  [{q['time']}s] {q['sql']}")
    return len(ctx.captured_queries), ""


REQUESTS = (
    # (figure prefix, which user, path)
    ("list_page_queries", "bureau", page_path),
    ("api_list_queries", "bureau", lambda: API_LIST_PATH),
    ("supervisor_list_page_queries", "supervisor", page_path),
    ("supervisor_api_list_queries", "supervisor", lambda: API_LIST_PATH),
)


def measure_request_queries(clients: dict, users: dict, show: bool) -> dict[str, tuple[int | None, str]]:
    return {prefix: count_request_queries(clients[who], users[who], path_fn, show) for prefix, who, path_fn in REQUESTS}


def explain(supervisor, bureau) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of exactly the SQL the scoped list runs (page and count)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    page_qs, count_qs = bureau_queries(bureau)
    for title, run in (
        ("supervisor_scoped_list", lambda: list(supervisor_query(supervisor))),
        ("bureau_scoped_list (page)", lambda: list(page_qs)),
        ("bureau_scoped_list (count)", count_qs.count),
    ):
        with CaptureQueriesContext(connection) as ctx:
            run()
        for query in ctx.captured_queries:
            with connection.cursor() as cur:
                cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
                plan = [row[0] for row in cur.fetchall()]
            print(f"\n# EXPLAIN ANALYZE {title}\n#   {query['sql']}")
            print("\n".join("    " + line for line in plan))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN (ANALYZE, BUFFERS) of the scoped queries")
    parser.add_argument("--queries", action="store_true", help="print the SQL of every counted request to stderr")
    parser.add_argument("--runs", type=int, default=30, help="timed runs per figure (default 30, after 3 warm-ups)")
    args = parser.parse_args(argv)

    setup_django("config.settings.test")
    logging.getLogger("django.request").setLevel(logging.ERROR)  # a 404 is reported as a figure
    report = Report()
    data = Dataset()

    started = time.perf_counter()
    data.build_small()
    log(f"built the small dataset ({SMALL_KINDERGARTENS} kindergartens) in {time.perf_counter() - started:.1f} s")
    bureau, supervisor = fresh(data.bureau_user), fresh(data.supervisors[0])
    clients = {"bureau": logged_in_client(bureau), "supervisor": logged_in_client(supervisor)}
    small = measure_request_queries(clients, {"bureau": bureau, "supervisor": supervisor}, args.queries)

    data.grow()
    bureau, supervisor = fresh(data.bureau_user), fresh(data.supervisors[0])
    large = measure_request_queries(clients, {"bureau": bureau, "supervisor": supervisor}, args.queries)

    # 1-2. Scoped list queries.
    assert len(list(supervisor_query(supervisor))) == PER_SUPERVISOR, "supervisor should see exactly 5"
    assert bureau_queries(bureau)[1].count() == KINDERGARTENS_PER_DISTRICT, "bureau should see its district"

    def run_bureau() -> None:
        page, qs = bureau_queries(bureau)
        list(page)
        qs.count()

    sup = time_it(lambda: list(supervisor_query(supervisor)), runs=args.runs)
    bur = time_it(run_bureau, runs=args.runs)
    report.below("supervisor_scoped_list_ms", sup.median, "ms", SCOPED_TARGET_MS)
    report.below("supervisor_scoped_list_p95_ms", sup.p95, "ms", SCOPED_TARGET_MS)
    report.below("bureau_scoped_list_ms", bur.median, "ms", SCOPED_TARGET_MS)
    report.below("bureau_scoped_list_p95_ms", bur.p95, "ms", SCOPED_TARGET_MS)

    # 3. Queries per request: the same at 10 and at 30,000 kindergartens.
    for prefix, _who, _path in REQUESTS:
        n10, why10 = small[prefix]
        n30k, why30k = large[prefix]
        name10, name30k = f"{prefix}_{SMALL_KINDERGARTENS}", f"{prefix}_{DISTRICTS * KINDERGARTENS_PER_DISTRICT}"
        if n10 is None:
            report.na(name10, why10, "baseline for the 30000 figure")
        else:
            report.figure(name10, n10, "queries", "baseline for the 30000 figure", True)
        target = f"= {n10 if n10 is not None else 'n/a'} at {SMALL_KINDERGARTENS}"
        if n30k is None:
            report.na(name30k, why30k, target)
        else:
            report.figure(name30k, n30k, "queries", target, n30k == n10)

    # 4. The bureau user's list page, server time through the test client.
    path = None
    try:
        path = page_path()
        response = clients["bureau"].get(path)
        if response.status_code != 200:
            raise RuntimeError(f"GET {path} answered {response.status_code}")
        page = time_it(lambda: clients["bureau"].get(path), runs=max(10, args.runs // 2))
    except Exception as exc:
        report.na("list_page_ms", describe(exc, path), f"< {PAGE_TARGET_MS} ms")
    else:
        report.below("list_page_ms", page.median, "ms", PAGE_TARGET_MS)

    if args.explain:
        explain(supervisor, bureau)

    if report.misses:
        log(f"MISS: {', '.join(report.misses)}")
    return report.exit_code()


if __name__ == "__main__":
    sys.exit(main())
