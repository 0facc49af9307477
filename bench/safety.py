"""Safety at district scale: the district safety overview and the incident list.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kgportal .venv/bin/python bench/safety.py [--runs N]

Builds, in its own PostgreSQL database (``<name>_safety_bench``), one district with 3,000
kindergartens and five years of safety records: incidents (about one per kindergarten every two
years, 7,500, each with its initial report; a tenth late, the older ones closed with a final
report), monthly video-surveillance checks (60 per kindergarten: 180,000), two dated facility
records per kindergarten and a school bus for every third one. It first counts each page's
queries over 10 kindergartens, then grows the data and prints:

* ``safety_overview_ms``: the bureau user's 安全统计 page for the current year (incidents by grade,
  kind, month and kindergarten, late and open counts, the per-district facility rates, the month's
  zero reports), server time through the test client (median; target < 500 ms), and
  ``safety_overview_queries`` (= the count at 10 kindergartens);
* ``incident_list_ms`` / ``incident_list_queries``: the bureau's incident list, first page (target
  < 500 ms, the same fixed count);
* ``safety_month_section_ms`` / ``_queries``: the safety section of last month's district monthly
  report (safety/monthly_report.py, built on the worker; target < 500 ms, the same fixed count).

Exits 1 on any MISS, 2 when not on PostgreSQL. Seeding writes rows in bulk SQL, without audit
entries or notifications (neither is what is measured); the append-only triggers stay on.
"""

from __future__ import annotations

import argparse
import datetime
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
YEARS = 5
TARGET_MS = 500


def _database_url() -> None:
    """Its own database: ``…/<name>_safety_bench`` (bench._common adds ``_bench``)."""
    from urllib.parse import urlsplit, urlunsplit

    url = os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/kgportal"
    parts = urlsplit(url)
    name = parts.path.lstrip("/") or "kgportal"
    name = name.removesuffix("_bench")
    if not name.endswith("_safety"):
        name += "_safety"
    os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path="/" + name))


def seed_safety(kindergarten_ids: list[int], reporter_id: int, today) -> None:
    """Five years of incidents (with initial entries), monthly video checks, facility records, buses."""
    from django.db import connection

    start = today.replace(year=today.year - YEARS, day=1)
    kinds = [
        "injury",
        "illness",
        "food",
        "infectious",
        "fire",
        "intrusion",
        "missing",
        "traffic",
        "facilities",
        "other",
    ]
    grades = ["general"] * 17 + ["large", "large", "major"]
    with connection.cursor() as cur:
        cur.execute("CREATE TEMP TABLE bench_kg (id bigint PRIMARY KEY) ON COMMIT DROP")
        cur.execute("INSERT INTO bench_kg SELECT unnest(%s::bigint[])", [kindergarten_ids])
        # Incidents: n = 0..4 per kindergarten at staggered times over five years, ~half of them kept.
        cur.execute(
            """
            INSERT INTO safety_incident
                (kindergarten_id, district_id, occurred_at, reported_at, reported_by_id, initial_deadline,
                 written_deadline, health_deadline, late, kind, grade, children_affected, staff_affected,
                 written_at, health_reported_at, final_at, forwarded_city_at, forwarded_government_at)
            SELECT k.id, kg.district_id, t.at,
                   t.at + CASE WHEN (k.id + n) %% 10 = 0 THEN interval '3 hours' ELSE interval '40 minutes' END,
                   %s, t.at + interval '1 hour', t.at + interval '2 hours', NULL,
                   (k.id + n) %% 10 = 0,
                   (%s::text[])[1 + (k.id + n) %% 10], (%s::text[])[1 + (k.id * 7 + n) %% 20],
                   (k.id + n) %% 4, 0, t.at + interval '90 minutes', NULL,
                   CASE WHEN t.at < now() - interval '30 days' THEN t.at + interval '10 days' END, NULL, NULL
            FROM bench_kg k JOIN kindergartens_kindergarten kg ON kg.id = k.id
            CROSS JOIN generate_series(0, 4) AS n
            CROSS JOIN LATERAL (SELECT (%s::date + ((k.id * 37 + n * 365) %% (%s * 365))::int)::timestamptz
                                       + interval '9 hours' AS at) t
            WHERE (k.id + n) %% 2 = 0 AND t.at < now() - interval '2 hours'
            """,
            [reporter_id, kinds, grades, start, YEARS],
        )
        cur.execute(
            """
            INSERT INTO safety_incidententry
                (incident_id, kind, at, author_id, text, kind_stated, grade_stated, children_stated, staff_stated)
            SELECT i.id, 'initial', i.reported_at, i.reported_by_id, '事故经过与处置', i.kind, i.grade,
                   i.children_affected, i.staff_affected
            FROM safety_incident i JOIN bench_kg k ON k.id = i.kindergarten_id
            """
        )
        cur.execute(
            """
            INSERT INTO safety_videocheck
                (kindergarten_id, month, cameras_total, cameras_working, retention_days, retention_verified, faults,
                 checked_by_id, checked_at)
            SELECT k.id, m::date, 20, 20 - (k.id %% 3 = 0)::int, 30 - (k.id %% 7 = 0)::int * 15, true,
                   CASE WHEN k.id %% 3 = 0 THEN '一路摄像头故障，已报修' ELSE '' END, %s, m
            FROM bench_kg k CROSS JOIN generate_series(%s::date, date_trunc('month', now())::date - 1,
                                                       interval '1 month') AS m
            """,
            [reporter_id, start],
        )
        cur.execute(
            """
            INSERT INTO safety_facilityrecord
                (kindergarten_id, effective_on, video_public_areas, video_retention_days, video_networked, video_person,
                 alarm_linked, full_time_guards, closed_campus, guard_post, clinic, medical_pairing, safety_officer,
                 safety_officer_trained, safety_officer_certified, note, recorded_by_id, recorded_at)
            SELECT k.id, d, true, CASE WHEN k.id %% 7 = 0 THEN 15 ELSE 30 END, k.id %% 5 <> 0, '负责人',
                   true, 1 + (k.id %% 2), true, d > %s::date OR k.id %% 4 <> 0, true, '区妇幼保健院', '安全员',
                   true, k.id %% 2 = 0, '', %s, now()
            FROM bench_kg k CROSS JOIN (VALUES (%s::date), (%s::date + 900)) AS v(d)
            """,
            [start, reporter_id, start, start],
        )
        cur.execute(
            """
            INSERT INTO safety_schoolbus (kindergarten_id, plate, seats, inspected_on, valid_until, retired_on)
            SELECT k.id, '辽K' || lpad(k.id::text, 5, '0'), 19, now()::date - 200,
                   now()::date - 200 + CASE WHEN k.id %% 9 = 0 THEN 150 ELSE 365 END, NULL
            FROM bench_kg k WHERE k.id %% 3 = 0
            """,
            [],
        )
        cur.execute(
            "SELECT (SELECT count(*) FROM safety_incident), (SELECT count(*) FROM safety_videocheck),"
            " (SELECT count(*) FROM safety_facilityrecord), (SELECT count(*) FROM safety_schoolbus)"
        )
        counts = cur.fetchone()
    log(
        f"seeded {counts[0]:,} incidents, {counts[1]:,} video checks, {counts[2]:,} facility records, {counts[3]:,} buses"
    )


def count_queries(client, path: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(path)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    if response.status_code != 200:
        raise RuntimeError(f"GET {path} answered {response.status_code}")
    return len(ctx.captured_queries)


def section_queries(district, month) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from safety.monthly_report import safety_of_month

    with CaptureQueriesContext(connection) as ctx:
        safety_of_month(district, month)
    return len(ctx.captured_queries)


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

    pages = {
        "safety_overview": f"/safety/overview/?year={today().year}",
        "incident_list": "/safety/incidents/",
    }
    report = Report()
    data = Dataset()
    started = time.perf_counter()
    with transaction.atomic():
        data.build_geography()
        data.add_bureau_user()
        district = data.districts[0]
        small_ids = data.add_kindergartens(district, SMALL)
        seed_safety(small_ids, data.bureau_user.pk, today())
    analyze()
    client = Client()
    client.force_login(data.bureau_user)
    small_counts = {name: count_queries(client, path) for name, path in pages.items()}
    last_month = (today().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    small_section = section_queries(district, last_month)

    with transaction.atomic():
        more = data.add_kindergartens(district, KINDERGARTENS - SMALL)
        seed_safety(more, data.bureau_user.pk, today())
    analyze()
    log(f"built in {time.perf_counter() - started:.0f} s")

    for name, path in pages.items():
        queries = count_queries(client, path)
        timing = time_it(lambda path=path: client.get(path), runs=args.runs, warmups=2)
        report.below(f"{name}_ms", timing.median, "ms", TARGET_MS)
        report.figure(
            f"{name}_queries", queries, "queries", f"= {small_counts[name]} at {SMALL}", queries == small_counts[name]
        )
    from safety.monthly_report import safety_of_month

    queries = section_queries(district, last_month)
    timing = time_it(lambda: safety_of_month(district, last_month), runs=args.runs, warmups=2)
    report.below("safety_month_section_ms", timing.median, "ms", TARGET_MS)
    report.figure(
        "safety_month_section_queries", queries, "queries", f"= {small_section} at {SMALL}", queries == small_section
    )
    if report.misses:
        log(f"MISS: {', '.join(report.misses)}")
    return report.exit_code()


if __name__ == "__main__":
    sys.exit(main())
