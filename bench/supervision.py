"""Supervision at district scale: the coverage page, the overdue-rectification list, a supervisor's home.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kgportal .venv/bin/python bench/supervision.py [--runs N]

Builds, in its own PostgreSQL database (``<name>_supervision_bench``), one district with 3,000
kindergartens, 600 supervisors holding 5 each, a 40-item checklist template and two school years
of inspections (12 a year per kindergarten, all submitted, 40 item results each: 72,000 inspections
and 2.88 million results), one rectification order per failed item (about 3 %: most accepted,
some open, some overdue) with its first event. It first counts the queries of each page over 10
kindergartens, then grows the data and prints:

* ``coverage_page_ms``: the bureau user's 督导覆盖 page, server time through the test client
  (median; target < 1000 ms), and ``coverage_page_queries`` (= the count at 10 kindergartens);
* ``overdue_orders_page_ms`` / ``overdue_orders_page_queries``: the bureau's overdue
  rectification list (整改通知, 已逾期), the same targets;
* ``supervisor_home_ms``: a supervisor's home page (target < 200 ms).

Exits 1 on any MISS, 2 when not on PostgreSQL. Seeding writes rows in bulk SQL, without audit
entries (the audit trail is not what is measured).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

_HERE = Path(__file__).resolve().parent
if sys.path and Path(sys.path[0] or ".").resolve() == _HERE:
    sys.path.pop(0)
sys.path.insert(0, str(_HERE.parent))

from bench._common import Report, analyze, log, setup_django, time_it  # noqa: E402

KINDERGARTENS = 3_000
SMALL = 10
INSPECTIONS_PER_YEAR = 12
YEARS = 2
ITEMS = 40
FAIL_SHARE = 0.03
PAGE_TARGET_MS = 1000
HOME_TARGET_MS = 200


def _database_url() -> None:
    """Its own database: ``…/<name>_supervision_bench`` (bench._common adds ``_bench``)."""
    from urllib.parse import urlsplit, urlunsplit

    url = os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/kgportal"
    parts = urlsplit(url)
    name = parts.path.lstrip("/") or "kgportal"
    name = name.removesuffix("_bench")
    if not name.endswith("_supervision"):
        name += "_supervision"
    os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path="/" + name))


def build_template():
    from supervision.models import ChecklistItem, ChecklistSection, ChecklistTemplate

    template = ChecklistTemplate.objects.create(family="bench-40", name="基准检查模板", purpose="other")
    for s in range(1, 9):
        section = ChecklistSection.objects.create(template=template, position=s, name=f"第{s}部分")
        ChecklistItem.objects.bulk_create(
            ChecklistItem(
                template=template, section=section, position=i, code=f"{s}.{i}", text=f"检查项{s}.{i}", weight=1 + i % 3
            )
            for i in range(1, 6)
        )
    return template


def seed_inspections(template_id: int, kindergarten_ids: list[int], today) -> None:
    """Two school years of submitted inspections with results, orders and events, in SQL."""
    from django.db import connection

    start = today.replace(year=today.year - YEARS)
    visits = INSPECTIONS_PER_YEAR * YEARS
    step_days = 365 * YEARS // visits
    with connection.cursor() as cur:
        cur.execute("CREATE TEMP TABLE bench_kg (id bigint PRIMARY KEY) ON COMMIT DROP")
        cur.execute("INSERT INTO bench_kg SELECT unnest(%s::bigint[])", [kindergarten_ids])
        cur.execute(
            """
            INSERT INTO supervision_inspection
                (kindergarten_id, kind, subtype, template_id, planned_on, state, created_at, started_at,
                 submitted_at, summary, conclusion, score, vetoed)
            SELECT k.id,
                   CASE WHEN n %% 12 = 5 AND k.id %% 4 = 0 THEN 'comprehensive' ELSE 'routine' END, '',
                   %s, %s::date + (n * %s + k.id %% %s)::int, 'submitted', now(), now(), now(), '', '', 95.0, false
            FROM bench_kg k CROSS JOIN generate_series(0, %s) AS n
            """,
            [template_id, start, step_days, step_days, visits - 1],
        )
        cur.execute(
            """
            INSERT INTO supervision_inspection_supervisors (inspection_id, user_id)
            SELECT i.id, a.supervisor_id FROM supervision_inspection i JOIN bench_kg k ON k.id = i.kindergarten_id
            JOIN supervision_supervisorassignment a ON a.kindergarten_id = i.kindergarten_id AND a.ended_at IS NULL
            """
        )
        cur.execute(
            """
            INSERT INTO supervision_inspectionresult (inspection_id, item_id, result, note)
            SELECT i.id, it.id, CASE WHEN random() < %s THEN 'fail' ELSE 'pass' END, ''
            FROM supervision_inspection i JOIN bench_kg k ON k.id = i.kindergarten_id
            CROSS JOIN supervision_checklistitem it
            WHERE it.template_id = %s
            """,
            [FAIL_SHARE, template_id],
        )
        # One order per failed item: accepted if the visit is older than two months, else open;
        # a quarter of the open ones past their deadline.
        cur.execute(
            """
            INSERT INTO supervision_rectificationorder
                (kindergarten_id, source_kind, source_ref, source_label, description, severity, deadline, state,
                 issued_at, response, return_reason, escalation)
            SELECT i.kindergarten_id, 'inspection', i.id::text, '督导检查', '整改', 'minor',
                   CASE WHEN i.planned_on < %s::date - 60 THEN i.planned_on + 30
                        WHEN r.id %% 4 = 0 THEN %s::date - 3 ELSE %s::date + 20 END,
                   CASE WHEN i.planned_on < %s::date - 60 THEN 'accepted' ELSE 'issued' END,
                   i.planned_on::timestamptz, '', '', 0
            FROM supervision_inspectionresult r JOIN supervision_inspection i ON i.id = r.inspection_id
            JOIN bench_kg k ON k.id = i.kindergarten_id
            WHERE r.result = 'fail'
            """,
            [today, today, today, today],
        )
        cur.execute(
            """
            INSERT INTO supervision_rectificationevent (order_id, kind, at, note)
            SELECT id, 'issued', issued_at, description FROM supervision_rectificationorder
            WHERE kindergarten_id IN (SELECT id FROM bench_kg)
            """
        )
        cur.execute(
            "SELECT (SELECT count(*) FROM supervision_inspection), (SELECT count(*) FROM supervision_inspectionresult),"
            " (SELECT count(*) FROM supervision_rectificationorder)"
        )
        counts = cur.fetchone()
    log(f"seeded {counts[0]:,} inspections, {counts[1]:,} results, {counts[2]:,} orders")


def count_queries(client, path: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(path)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    if response.status_code != 200:
        raise RuntimeError(f"GET {path} answered {response.status_code}")
    return len(ctx.captured_queries)


PAGES = {
    "coverage_page": "/supervision/coverage/?show=all",
    "overdue_orders_page": "/supervision/orders/?show=overdue",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args(argv)

    _database_url()
    setup_django()
    from django.db import transaction
    from django.test import Client

    from bench.access import Dataset
    from kindergartens.services import today

    report = Report()
    data = Dataset()
    started = time.perf_counter()
    with transaction.atomic():
        data.build_geography()
        data.add_bureau_user()
        district = data.districts[0]
        small_ids = data.add_kindergartens(district, SMALL)
        data.unassigned = list(small_ids)
        data.add_supervisors(SMALL // 5)
        template = build_template()
        seed_inspections(template.pk, small_ids, today())
    analyze()
    clients = {"bureau": Client(), "supervisor": Client()}
    clients["bureau"].force_login(data.bureau_user)
    clients["supervisor"].force_login(data.supervisors[0])
    small_counts = {name: count_queries(clients["bureau"], path) for name, path in PAGES.items()}
    small_home = count_queries(clients["supervisor"], "/")

    with transaction.atomic():
        more = data.add_kindergartens(district, KINDERGARTENS - SMALL)
        data.unassigned = list(more)
        data.add_supervisors(len(more) // 5)
        seed_inspections(template.pk, more, today())
    analyze()
    log(f"built in {time.perf_counter() - started:.0f} s")

    for name, path in PAGES.items():
        queries = count_queries(clients["bureau"], path)
        timing = time_it(lambda path=path: clients["bureau"].get(path), runs=args.runs, warmups=2)
        report.below(f"{name}_ms", timing.median, "ms", PAGE_TARGET_MS)
        report.figure(
            f"{name}_queries", queries, "queries", f"= {small_counts[name]} at {SMALL}", queries == small_counts[name]
        )
    home_queries = count_queries(clients["supervisor"], "/")
    home = time_it(lambda: clients["supervisor"].get("/"), runs=args.runs, warmups=2)
    report.below("supervisor_home_ms", home.median, "ms", HOME_TARGET_MS)
    report.figure(
        "supervisor_home_queries", home_queries, "queries", f"= {small_home} at {SMALL}", home_queries == small_home
    )
    if report.misses:
        log(f"MISS: {', '.join(report.misses)}")
    return report.exit_code()


if __name__ == "__main__":
    sys.exit(main())
