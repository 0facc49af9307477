"""Indicators: every indicator for every district of a 3,000-kindergarten city over 36 months, the
district dashboard page, and 普惠覆盖率 against one hand-written SQL query.

    .venv/bin/python bench/indicators.py [--runs N]

Builds, in its own PostgreSQL database (``DATABASE_URL``'s name + ``_indicators_bench``), one city of
10 districts with 300 kindergartens each (3,000) and 10 townships each, with 3 years of history
(January 2023 – December 2025): dated status and nature (some opened, suspended or recognised 普惠
during those years, some unlicensed), a month-end enrolment snapshot per kindergarten and month
(108,000 rows), resident children per township and year, 6 teachers and a principal per kindergarten
with certificates, and two submitted inspections a year; safety records (six hazard orders per
kindergarten, incidents, dated facility records, school buses) and two-year pairing agreements
between urban and rural kindergartens, so the safety and pairing indicators have data. Rows are written in bulk without audit
entries (reading them is what is measured). "Today" is 15 January 2026, so every month is history.

Figures:

* ``all_indicators_36m_s``: every registered indicator for every district, 36 months (target < 2 s);
* ``all_indicators_queries_36m`` / ``_12m`` / ``_3000kg_vs_1500kg``: its queries, the same for 12
  and 36 months and for half the districts (target: equal);
* ``dashboard_district_ms``: the district dashboard page through the test client (target < 300 ms);
* ``inclusive_city_36m_ms`` and ``inclusive_sql_36m_ms``: 普惠覆盖率 for the city for 36 months, the
  product's way and one hand-written query (figures checked equal first); ``inclusive_ratio`` their
  ratio (target ≤ 3).

Exits 1 on any MISS, 2 when not on PostgreSQL.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

_HERE = Path(__file__).resolve().parent
if sys.path and Path(sys.path[0] or ".").resolve() == _HERE:
    sys.path.pop(0)  # run as a script: don't let bench/*.py shadow top-level modules
sys.path.insert(0, str(_HERE.parent))

from bench._common import BENCH_SUFFIX, DEFAULT_DATABASE_URL, Report, analyze, bench_database_url, log, setup_django  # noqa: E402

SUFFIX = "_indicators" + BENCH_SUFFIX
TODAY = datetime.date(2026, 1, 15)
FIRST = datetime.date(2023, 1, 1)
RATIO_TARGET = 3.0


def database_url() -> str:
    url, name = bench_database_url(os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL)
    if not name.endswith(SUFFIX):
        name = name.removesuffix(BENCH_SUFFIX) + SUFFIX
    return urlunsplit(urlsplit(url)._replace(path="/" + name))


def bulk(model):
    from django.db import models

    return models.QuerySet(model)


def day_between(rng, start, end):
    return start + datetime.timedelta(days=rng.randint(0, (end - start).days))


def months_36() -> list[datetime.date]:
    from indicators.frame import months_back

    return months_back(datetime.date(2025, 12, 1), 36)


class Dataset:
    def __init__(self) -> None:
        self.rng = random.Random(20260115)
        self.count = 0
        self.people = 0

    def build(self) -> None:
        from django.contrib.auth.hashers import make_password

        from accounts.models import User
        from kindergartens.models import Bureau
        from staffing.defaults import certificate_kinds_ensure_defaults
        from supervision.checklists import checklists_ensure_defaults

        checklists_ensure_defaults()
        certificate_kinds_ensure_defaults()
        self.city = bulk(Bureau).create(name="基准市教育局", level="city", province="浙江省")
        self.viewer = bulk(User).create(
            username="city_viewer", role="city_viewer", bureau=self.city, password=make_password("bench-pass-2026")
        )
        self.districts, self.staff = [], {}
        for i in range(10):
            self.add_district(f"基准{i + 1}区教育局", 300)

    def add_district(self, name: str, count: int) -> None:
        from accounts.models import User
        from kindergartens.models import Bureau, Township

        district = bulk(Bureau).create(name=name, level="district", parent=self.city, province="浙江省")
        self.districts.append(district)
        towns = bulk(Township).bulk_create(
            [
                Township(district=district, name=f"{name}街道{t}", urban_rural_code="111" if t % 3 else "220")
                for t in range(10)
            ]
        )
        self.staff[district.pk] = bulk(User).create(
            username=f"staff_{district.pk}", role="bureau_staff", bureau=district
        )
        self.add_kindergartens(district, towns, count)

    def add_kindergartens(self, district, towns, count: int) -> None:
        from indicators.models import EnrolmentSnapshot, ResidentChildren
        from kindergartens.models import Kindergarten, KindergartenStatusChange
        from staffing.models import Certificate, CertificateKind, Employment, Person
        from supervision.models import ChecklistTemplate, Inspection

        rng = self.rng
        kgs, histories = [], []
        for _ in range(count):
            self.count += 1
            opened = day_between(rng, datetime.date(2005, 1, 1), datetime.date(2025, 6, 30))
            nature = rng.choices(
                ["public", "inclusive_private", "private", "community", "unlicensed"], [45, 30, 15, 7, 3]
            )[0]
            history = [("status", "operating", opened), ("nature", nature, opened)]
            roll = rng.random()
            if roll < 0.05:
                history.append(
                    ("status", "suspended", day_between(rng, max(opened, FIRST), datetime.date(2025, 12, 31)))
                )
            elif roll < 0.12 and nature == "private":
                history.append(
                    ("nature", "inclusive_private", day_between(rng, max(opened, FIRST), datetime.date(2025, 12, 31)))
                )
            current = {a: v for a, v, _ in sorted(history, key=lambda h: h[2])}
            kgs.append(
                Kindergarten(
                    name=f"基准幼儿园{self.count:05d}",
                    district=district,
                    township=rng.choice(towns),
                    nature=current["nature"],
                    status=current["status"],
                    inclusive_recognised_on=opened if current["nature"] == "inclusive_private" else None,
                    capacity=rng.randint(90, 360),
                )
            )
            histories.append(history)
        created = bulk(Kindergarten).bulk_create(kgs, batch_size=2000)
        bulk(KindergartenStatusChange).bulk_create(
            [
                KindergartenStatusChange(kindergarten=k, attribute=a, value=v, effective_date=d, note="bench")
                for k, history in zip(created, histories, strict=True)
                for a, v, d in history
            ],
            batch_size=5000,
        )
        snapshots, children_by_town = [], {}
        for k in created:
            base = rng.randint(60, min(k.capacity + 30, 380))
            classes = max(base // 28, 1)
            for index, month in enumerate(months_36()):
                children = int(base * (0.9 + 0.1 * index / 35))
                snapshots.append(
                    EnrolmentSnapshot(
                        kindergarten=k,
                        month=month,
                        district=district,
                        township_id=k.township_id,
                        children=children,
                        classes=classes,
                        compliant_classes=classes - (1 if rng.random() < 0.15 else 0),
                        capacity=k.capacity,
                        taken_on=month + datetime.timedelta(days=27),
                    )
                )
            children_by_town[k.township_id] = children_by_town.get(k.township_id, 0) + base
        bulk(EnrolmentSnapshot).bulk_create(snapshots, batch_size=5000)
        bulk(ResidentChildren).bulk_create(
            [
                ResidentChildren(
                    district=district,
                    township_id=town,
                    year=year,
                    children=int(children / 0.9),
                    source="statistics",
                    source_date=datetime.date(year, 1, 15),
                    is_estimate=year == 2025,
                )
                for town, children in children_by_town.items()
                for year in (2023, 2024)  # 2025 missing: last year's figure, said so
            ]
        )
        # Staff: a principal and 6 teachers per kindergarten, hired before or during the three years.
        people, posts = [], []
        for k in created:
            for post in ["principal"] + ["teacher"] * 6:
                self.people += 1
                people.append(
                    Person(
                        city=self.city,
                        name=f"教师{self.people}",
                        id_number=f"B{self.people:017d}",
                        id_masked="110101********0000",
                        id_hash=f"{self.people:064d}",
                        gender="female",
                        birth_date=datetime.date(1990, 1, 1),
                    )
                )
                posts.append((k, post))
        people = bulk(Person).bulk_create(people, batch_size=5000)
        employments, certificates = [], []
        kinds = {k.code: k for k in CertificateKind.objects.all()}
        teacher_kinds = [k for k in kinds.values() if k.required_for_post("teacher")]
        for person, (k, post) in zip(people, posts, strict=True):
            hire = day_between(rng, datetime.date(2015, 1, 1), datetime.date(2025, 6, 30))
            leave = (
                day_between(rng, hire, datetime.date(2025, 12, 31))
                if post == "teacher" and rng.random() < 0.1
                else None
            )
            employments.append(
                Employment(
                    person=person,
                    kindergarten=k,
                    post=post,
                    post_type="not_established",
                    hire_date=hire,
                    leave_date=leave,
                )
            )
            for kind in teacher_kinds:
                if rng.random() < 0.9:
                    certificates.append(
                        Certificate(person=person, kind=kind, number=f"Z{person.pk}", issued_on=hire, expires_on=None)
                    )
        bulk(Employment).bulk_create(employments, batch_size=5000)
        bulk(Certificate).bulk_create(certificates, batch_size=5000)
        template = ChecklistTemplate.objects.filter(is_current=True).first()
        bulk(Inspection).bulk_create(
            [
                Inspection(
                    kindergarten=k,
                    kind="routine",
                    template=template,
                    planned_on=day_between(rng, datetime.date(year, 1, 1), datetime.date(year, 12, 31)),
                    state="submitted",
                )
                for k in created
                for year in (2022, 2023, 2024, 2025)
                if rng.random() < 0.8
            ],
            batch_size=5000,
        )
        self.add_safety(district, created)
        self.add_pairing(district, created, towns)

    def add_safety(self, district, created) -> None:
        """Two hazard orders a year per kindergarten (most accepted, some late or open), an incident a
        year in one kindergarten of three, one to three dated facility records, one or two buses."""
        from django.utils import timezone

        from safety.models import FacilityRecord, Incident, SchoolBus
        from supervision.models import RectificationOrder

        rng, staff = self.rng, self.staff[district.pk]

        def moment(day, hour):
            return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 30)))

        orders, incidents, records, buses = [], [], [], []
        for k in created:
            for _ in range(6):
                deadline = day_between(rng, FIRST, datetime.date(2025, 12, 31))
                state = rng.choices(["accepted", "responded", "issued"], [80, 10, 10])[0]
                verified = moment(deadline + datetime.timedelta(days=rng.randint(-20, 5)), 10)
                orders.append(
                    RectificationOrder(
                        kindergarten=k, source_kind="hazard", source_label="安全隐患", description="隐患",
                        severity="minor", deadline=deadline, state=state,
                        verified_at=verified if state == "accepted" else None,
                    )
                )  # fmt: skip
            for _ in range(3 if rng.random() < 0.33 else 0):
                occurred = moment(day_between(rng, FIRST, datetime.date(2025, 12, 31)), rng.randint(0, 23))
                incidents.append(
                    Incident(
                        kindergarten=k, district=district, occurred_at=occurred, reported_at=occurred,
                        reported_by=staff, initial_deadline=occurred + datetime.timedelta(hours=1),
                        written_deadline=occurred + datetime.timedelta(hours=2), late=rng.random() < 0.1,
                        kind="injury", grade="general",
                    )
                )  # fmt: skip
            for day in {day_between(rng, datetime.date(2022, 6, 1), datetime.date(2025, 12, 31)) for _ in range(3)}:
                records.append(
                    FacilityRecord(
                        kindergarten=k, effective_on=day, video_retention_days=rng.choice([15, 30, 30, 90]),
                        safety_officer="安全员", safety_officer_trained=rng.random() < 0.8,
                        safety_officer_certified=rng.random() < 0.6, recorded_by=staff,
                    )
                )  # fmt: skip
            for n in range(rng.randint(0, 2)):
                inspected = day_between(rng, datetime.date(2022, 1, 1), datetime.date(2025, 12, 31))
                buses.append(
                    SchoolBus(
                        kindergarten=k, plate=f"浙B{k.pk:05d}{n}", seats=19, inspected_on=inspected,
                        valid_until=inspected + datetime.timedelta(days=365 if rng.random() < 0.9 else 200),
                        retired_on=day_between(rng, FIRST, TODAY) if rng.random() < 0.1 else None,
                    )
                )  # fmt: skip
        bulk(RectificationOrder).bulk_create(orders, batch_size=5000)
        bulk(Incident).bulk_create(incidents, batch_size=5000)
        bulk(FacilityRecord).bulk_create(records, batch_size=5000)
        bulk(SchoolBus).bulk_create(buses, batch_size=5000)

    def add_pairing(self, district, created, towns) -> None:
        """Two-year agreements: each urban kindergarten of ten helps two or three rural ones; a few
        ended early, the older ones completed."""
        from django.utils import timezone

        from pairing.models import Agreement, AgreementParty

        rng = self.rng
        rural_towns = {t.pk for t in towns if t.urban_rural_code.startswith("2")}
        rural = [k for k in created if k.township_id in rural_towns]
        urban = [k for k in created if k.township_id not in rural_towns]
        rng.shuffle(rural)
        agreements, parties = [], []
        for helper in urban[: len(urban) // 10]:
            helped = [rural.pop() for _ in range(min(len(rural), rng.randint(2, 3)))]
            if not helped:
                break
            start = datetime.date(rng.choice([2023, 2024, 2025]), 9, 1)
            end = start.replace(year=start.year + 2) - datetime.timedelta(days=1)
            state, ended_at = "active", None
            if rng.random() < 0.15:
                state = "ended"
                ended_at = timezone.make_aware(
                    datetime.datetime.combine(day_between(rng, start, TODAY), datetime.time(9))
                )
            elif end < TODAY:
                state = "completed"
                ended_at = timezone.make_aware(datetime.datetime.combine(end, datetime.time(23)))
            agreements.append(
                Agreement(
                    title="结对帮扶协议", mode="town_public", start_date=start, end_date=end, rights_obligations="帮扶",
                    content="帮扶", goals="帮扶", state=state, district=district,
                    created_by=self.staff[district.pk], ended_at=ended_at, end_reason="撤并" if state == "ended" else "",
                )
            )  # fmt: skip
            parties.append([(helper, "helping"), *((k, "helped") for k in helped)])
        agreements = bulk(Agreement).bulk_create(agreements)
        bulk(AgreementParty).bulk_create(
            [
                AgreementParty(agreement=a, kindergarten=k, side=side)
                for a, members in zip(agreements, parties, strict=True)
                for k, side in members
            ]
        )


HAND_SQL = """
WITH months AS (
    SELECT m::date AS month, (m + interval '1 month' - interval '1 day')::date AS last_day
      FROM generate_series(%(first)s::date, %(last)s::date, interval '1 month') AS m
), rows AS (
    SELECT s.month, s.children,
           (SELECT c.value FROM kindergartens_kindergartenstatuschange c
             WHERE c.kindergarten_id = s.kindergarten_id AND c.attribute = 'status' AND c.effective_date <= months.last_day
             ORDER BY c.effective_date DESC, c.recorded_at DESC, c.id DESC LIMIT 1) AS status,
           (SELECT c.value FROM kindergartens_kindergartenstatuschange c
             WHERE c.kindergarten_id = s.kindergarten_id AND c.attribute = 'nature' AND c.effective_date <= months.last_day
             ORDER BY c.effective_date DESC, c.recorded_at DESC, c.id DESC LIMIT 1) AS nature
      FROM indicators_enrolmentsnapshot s JOIN months ON months.month = s.month
     WHERE s.district_id = ANY(%(districts)s)
)
SELECT month,
       SUM(children) FILTER (WHERE nature IN ('public', 'inclusive_private')),
       SUM(children)
  FROM rows
 WHERE status IN ('operating', 'rectifying') AND nature <> 'unlicensed'
 GROUP BY month ORDER BY month
"""


def hand_inclusive(district_ids) -> dict:
    from django.db import connection

    months = months_36()
    with connection.cursor() as cursor:
        cursor.execute(HAND_SQL, {"first": months[0], "last": months[-1], "districts": district_ids})
        return {month: (float(num or 0), float(den or 0)) for month, num, den in cursor.fetchall()}


def product_inclusive(district_ids) -> dict:
    from core.indicators import get_indicator
    from indicators.selectors import figures_for

    _frame, figures = figures_for(
        district_ids, months_36(), today=TODAY, by="all", indicators=[get_indicator("inclusive-coverage")]
    )
    return {month: (f.numerator, f.denominator) for (_key, month), f in figures["inclusive-coverage"].items()}


def count_queries(fn) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx)


def all_figures(report: Report, data: Dataset, runs: int) -> None:
    from indicators.frame import months_back
    from indicators.selectors import figures_for

    ids = [d.pk for d in data.districts]
    figures_for(ids, months_36(), today=TODAY)  # warm: per-process caches (certificate kinds, expressions)
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        figures_for(ids, months_36(), today=TODAY)
        samples.append(time.perf_counter() - started)
    report.below("all_indicators_36m_s", min(samples), "s", 2)
    q36 = count_queries(lambda: figures_for(ids, months_36(), today=TODAY))
    q12 = count_queries(lambda: figures_for(ids, months_back(datetime.date(2025, 12, 1), 12), today=TODAY))
    q_half = count_queries(lambda: figures_for(ids[:5], months_36(), today=TODAY))
    report.figure("all_indicators_queries_36m", q36, "queries", f"= {q12} (as for 12 months)", q36 == q12)
    report.figure("all_indicators_queries_1500kg", q_half, "queries", f"= {q36} (as for 3,000)", q_half == q36)


def dashboard_figures(report: Report, data: Dataset, runs: int) -> None:
    import time_machine
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections
    from django.test import Client
    from django.urls import reverse

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    district = data.districts[0]
    client = Client()
    client.force_login(data.staff[district.pk])
    url = reverse("indicators:dashboard") + "?month=2025-12"
    with time_machine.travel(datetime.datetime(2026, 1, 15, 10, tzinfo=datetime.UTC), tick=True):
        response = client.get(url)
        if response.status_code != 200 or "普惠性幼儿园覆盖率" not in response.content.decode():
            report.na("dashboard_district_ms", f"status {response.status_code}", "< 300 ms")
            return
        samples = []
        for _ in range(runs):
            started = time.perf_counter()
            client.get(url)
            samples.append(time.perf_counter() - started)
    report.below("dashboard_district_ms", min(samples) * 1000, "ms", 300)


def ratio_figures(report: Report, data: Dataset, runs: int) -> None:
    ids = [d.pk for d in data.districts]
    expected, got = hand_inclusive(ids), product_inclusive(ids)
    mismatch = {m: (got.get(m), v) for m, v in expected.items() if got.get(m) != v}
    if mismatch or len(expected) != 36:
        report.na(
            "inclusive_ratio", f"figures differ from the hand-written query: {list(mismatch.items())[:3]}", "equal"
        )
        return
    product, sql = [], []
    for _ in range(runs):
        started = time.perf_counter()
        product_inclusive(ids)
        product.append(time.perf_counter() - started)
        started = time.perf_counter()
        hand_inclusive(ids)
        sql.append(time.perf_counter() - started)
    report.figure("inclusive_city_36m_ms", min(product) * 1000, "ms", "informative", True)
    report.figure("inclusive_sql_36m_ms", min(sql) * 1000, "ms", "informative: one hand-written query", True)
    ratio = min(product) / min(sql)
    report.figure("inclusive_ratio", ratio, "x", f"≤ {RATIO_TARGET:g}", ratio <= RATIO_TARGET)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="runs of each measure, minimum kept (default 5)")
    args = parser.parse_args(argv)
    began = time.perf_counter()
    os.environ["DATABASE_URL"] = database_url()
    setup_django("config.settings.test")
    from django.conf import settings

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    report = Report()
    data = Dataset()
    started = time.perf_counter()
    data.build()
    analyze()
    log(f"built 10 districts x 300 kindergartens with 36 months in {time.perf_counter() - started:.1f} s")
    all_figures(report, data, args.runs)
    ratio_figures(report, data, args.runs)
    dashboard_figures(report, data, args.runs)
    log(f"total run time {time.perf_counter() - began:.0f} s")
    if report.misses:
        log(f"MISS: {', '.join(report.misses)}")
    return report.exit_code()


if __name__ == "__main__":
    sys.exit(main())
