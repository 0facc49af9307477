"""Monthly reports: building a district's consolidated report, against one hand-written SQL query for
the same figures, and the completeness page of a 3,000-kindergarten city.

    .venv/bin/python bench/reports.py [--runs N]

Builds, in its own PostgreSQL database (``DATABASE_URL``'s name + ``_reports_bench``), one city of 10
districts with 300 kindergartens each (3,000), each with a dated status/nature history (opened
2005-2024; some closed, suspended or opened during February 2025 or just around it, some unlicensed),
and February 2025's kindergarten reports opened for everyone who owes one (the registry's rule),
about 85% submitted (most on time, some approved, some returned) with realistic figures. The two
measured districts (the first, and the 11th below) also get safety records for their report's 安全管理
section (seed_month_safety): five years of incidents and monthly video checks (bench/safety.py's
seed_safety), hazards found in January and February 2025 with their rectification orders (closed in
time, closed late, still open, not yet ordered), and February's zero reports. Rows are written in bulk
without audit entries (reading them is what is measured). Then an 11th district with 3,000
kindergartens is added the same way.

Figures:

* ``district_build_300_s`` / ``district_build_3000_s``: ``district_report_build`` for one district
  (figures, missing list, the contributed sections of supervision and safety, the save, its event and
  their audit entries, the commit), minimum of ``--runs`` interleaved runs (target < 1 s / < 10 s);
* ``district_build_<n>_queries``: its queries (target: the same at 300 and at 3,000);
* ``district_sql_<n>_ms``: one hand-written SQL query computing everything the build writes: the same
  figures (who owed the month from the history, submitted, on time, approved, the sums and counts), the
  list of who is missing, supervision's two sections (inspections and rectification orders of the
  month) and safety's (the month's incidents by grade and kind, late ones, open at the month's end,
  zero reports, hazards found / closed / overdue / waiting for an order, video-check coverage of the
  kindergartens counting on the month's last day). Before timing, every value is checked equal to
  what the build stored (figures, missing list, each section's rows);
* ``district_figures_<n>_ms`` / ``_ratio``: the build's reading of the kindergartens' reports alone
  (``district_figures``), and its ratio to the whole hand-written query (target ≤ 3);
* ``district_build_<n>_ratio``: build / query (target ≤ 3);
* ``completeness_city_3000_ms``: the completeness page for the city viewer over 3,000 kindergartens
  through the test client (target < 500 ms), and its queries.

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

SUFFIX = "_reports" + BENCH_SUFFIX
FEB = datetime.date(2025, 2, 1)
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


class Dataset:
    def __init__(self) -> None:
        self.rng = random.Random(20250210)
        self.count = 0

    def build_city(self) -> None:
        from django.contrib.auth.hashers import make_password

        from accounts.models import User
        from kindergartens.models import Bureau
        from reports.models import ReportType
        from reports.services import report_types_ensure_defaults

        self.city = bulk(Bureau).create(name="基准市教育局", level="city", province="浙江省")
        self.viewer = bulk(User).create(
            username="city_viewer", role="city_viewer", bureau=self.city, password=make_password("bench-pass-2026")
        )
        self.districts = []
        self.townships = {}
        report_types_ensure_defaults()
        self.kg_type = ReportType.objects.get(code="kg-monthly")
        self.district_type = ReportType.objects.get(code="district-monthly")
        self.bureau_staff = {}
        for i in range(10):
            self.add_district(f"基准{i + 1}区教育局", 300)

    def add_district(self, name: str, kindergartens: int):
        from accounts.models import User
        from kindergartens.models import Bureau, Township

        district = bulk(Bureau).create(name=name, level="district", parent=self.city, province="浙江省")
        self.districts.append(district)
        self.townships[district.pk] = bulk(Township).bulk_create(
            [
                Township(district=district, name=f"{name}街道{t}", urban_rural_code="111" if t % 3 else "220")
                for t in range(10)
            ]
        )
        self.bureau_staff[district.pk] = bulk(User).create(
            username=f"staff_{district.pk}", role="bureau_staff", bureau=district
        )
        self.add_kindergartens(district, kindergartens)
        return district

    def add_kindergartens(self, district, count: int) -> None:
        from kindergartens.models import Kindergarten, KindergartenStatusChange
        from reports.models import Submission

        rng = self.rng
        kgs, histories = [], []
        for _ in range(count):
            self.count += 1
            opened = day_between(rng, datetime.date(2005, 1, 1), datetime.date(2024, 6, 30))
            nature = rng.choices(
                ["public", "inclusive_private", "private", "community", "unlicensed"], [45, 30, 15, 7, 3]
            )[0]
            history = [("status", "operating", opened), ("nature", nature, opened)]
            roll = rng.random()
            if roll < 0.03:  # closed on a day of February 2025: still owes it
                history.append(
                    ("status", "suspended", day_between(rng, datetime.date(2025, 2, 2), datetime.date(2025, 2, 28)))
                )
            elif roll < 0.05:  # closed before February: owes nothing
                history.append(
                    ("status", "suspended", day_between(rng, datetime.date(2024, 9, 1), datetime.date(2025, 2, 1)))
                )
            elif roll < 0.07:  # opened during February
                history = [
                    ("status", "operating", day_between(rng, datetime.date(2025, 2, 1), datetime.date(2025, 2, 28))),
                    ("nature", nature, opened),
                ]
            elif roll < 0.09:  # rectifying around February (counts)
                history.append(("status", "rectifying", datetime.date(2025, 1, 15)))
            current = {a: v for a, v, _ in sorted(history, key=lambda h: h[2])}
            kgs.append(
                Kindergarten(
                    name=f"基准幼儿园{self.count:05d}",
                    district=district,
                    township=rng.choice(self.townships[district.pk]),
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
        # February's reports, as the monthly task opens them (the registry's rule), then filled.
        from kindergartens.selectors import kindergartens_owing_report

        owing = list(
            kindergartens_owing_report(Kindergarten.objects.filter(district=district), FEB).values_list("pk", flat=True)
        )
        version = self.kg_type.versions.get()
        due = self.kg_type.due_date(FEB)
        submissions = []
        for pk in owing:
            roll = rng.random()
            state, first, on_time, data = "open", None, None, {}
            if roll < 0.85:
                late = rng.random() < 0.12
                first = datetime.datetime(2025, 3, 12 if late else rng.randint(1, 10), 10, tzinfo=datetime.UTC)
                on_time = not late
                state = rng.choices(["submitted", "approved", "returned", "resubmitted"], [50, 35, 5, 10])[0]
                incident = rng.random() < 0.02
                drills = rng.randint(0, 3)
                data = {
                    "children": rng.randint(60, 360),
                    "classes": rng.randint(3, 12),
                    "staff_total": rng.randint(10, 60),
                    "staff_joined": rng.randint(0, 3),
                    "staff_left": rng.randint(0, 3),
                    "video_checked": "yes" if rng.random() < 0.95 else "no",
                    "video_full_coverage": "yes",
                    "video_retention_days": rng.choice([30, 30, 30, 60, 15]),
                    "video_networked": "yes" if rng.random() < 0.9 else "no",
                    "drills": [{"date": "2025-02-10", "kind": "fire", "participants": 100}] * drills,
                    "drills__rows": drills,
                    "no_incident": "had_incident" if incident else "confirmed",
                    "incident_count": 1 if incident else 0,
                }
            submissions.append(
                Submission(
                    report_type=self.kg_type,
                    version=version,
                    month=FEB,
                    kindergarten_id=pk,
                    district=district,
                    due_date=due,
                    state=state,
                    first_submitted_at=first,
                    submitted_at=first,
                    on_time=on_time,
                    data=data,
                    return_reason="请核对" if state == "returned" else "",
                )
            )
        bulk(Submission).bulk_create(submissions, batch_size=2000)


def seed_month_safety(data: Dataset, district) -> None:
    """The district's safety records, so that the report's 安全管理 section has something to count:
    five years of incidents and monthly video checks (bench/safety.py's seed_safety, dated around
    February 2025), hazards found around February with their rectification orders (found and closed in
    the month, overdue at its end, closed late, waiting for an order), and zero reports of February
    from most kindergartens without an incident in it. Written in bulk, without audit entries."""
    from django.db import connection, transaction
    from django.utils import timezone

    from bench.safety import seed_safety
    from kindergartens.models import Kindergarten
    from safety.models import Hazard
    from supervision.models import RectificationOrder
    from supervision.monthly_report import month_bounds

    start, end, _following = month_bounds(FEB)
    rng = random.Random(district.pk)
    staff = data.bureau_staff[district.pk]
    ids = list(Kindergarten.objects.filter(district=district).order_by("pk").values_list("pk", flat=True))

    def moment(day):
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10, 30)))

    with transaction.atomic():
        seed_safety(ids, staff.pk, datetime.date(2025, 3, 10))
        hazards, orders = [], []
        for pk in ids:
            roll = rng.random()
            if roll < 0.45:
                continue
            found = day_between(rng, datetime.date(2025, 1, 1), datetime.date(2025, 2, 28))
            order = None
            if roll < 0.85:  # ordered the next day, due two or three weeks later
                issued = found + datetime.timedelta(days=1)
                deadline = issued + datetime.timedelta(days=rng.choice([14, 21]))
                fate = rng.random()  # accepted before the deadline, accepted late, or still open
                verified = (
                    moment(deadline - datetime.timedelta(days=rng.randint(0, 7)))
                    if fate < 0.6
                    else moment(deadline + datetime.timedelta(days=rng.randint(1, 20)))
                    if fate < 0.8
                    else None
                )
                order = RectificationOrder(
                    kindergarten_id=pk, source_kind="hazard", source_label="安全隐患", description="隐患",
                    severity="minor", deadline=deadline, state="accepted" if verified else "issued",
                    issued_by=staff, issued_at=moment(issued), verified_at=verified,
                )  # fmt: skip
                orders.append(order)
            hazards.append(
                Hazard(
                    kindergarten_id=pk, category="fire", source="daily", found_on=found, description="灭火器过期",
                    recorded_by=staff, order=order,
                )
            )  # fmt: skip
        bulk(RectificationOrder).bulk_create(orders, batch_size=5000)
        for hazard in hazards:
            hazard.order_id = hazard.order.pk if hazard.order else None
        bulk(Hazard).bulk_create(hazards, batch_size=5000)
        with connection.cursor() as cursor:
            cursor.execute(
                """
                INSERT INTO safety_zeroreport (kindergarten_id, month, confirmed_at, confirmed_by_id)
                SELECT k.id, %s, %s, %s FROM kindergartens_kindergarten k
                 WHERE k.district_id = %s AND k.id %% 10 <> 0
                   AND NOT EXISTS (SELECT 1 FROM safety_incident i WHERE i.kindergarten_id = k.id
                                      AND i.occurred_at >= %s AND i.occurred_at < %s)
                """,
                [FEB, end, staff.pk, district.pk, start, end],
            )
    log(f"{district.name}: {len(hazards)} hazards, {len(orders)} orders")


HAND_SQL = """
WITH kg AS (
    SELECT k.id FROM kindergartens_kindergarten k WHERE k.district_id = %(district)s
), days AS (
    SELECT kg.id, %(first)s::date AS d FROM kg
    UNION
    SELECT c.kindergarten_id, c.effective_date FROM kindergartens_kindergartenstatuschange c
      JOIN kg ON kg.id = c.kindergarten_id
     WHERE c.effective_date > %(first)s AND c.effective_date <= %(last)s
), owing AS (
    SELECT DISTINCT days.id FROM days
     WHERE (SELECT s.value FROM kindergartens_kindergartenstatuschange s
             WHERE s.kindergarten_id = days.id AND s.attribute = 'status' AND s.effective_date <= days.d
             ORDER BY s.effective_date DESC, s.recorded_at DESC, s.id DESC LIMIT 1) IN ('operating', 'rectifying')
       AND (SELECT s.value FROM kindergartens_kindergartenstatuschange s
             WHERE s.kindergarten_id = days.id AND s.attribute = 'nature' AND s.effective_date <= days.d
             ORDER BY s.effective_date DESC, s.recorded_at DESC, s.id DESC LIMIT 1) <> 'unlicensed'
), counted AS (  -- counting on the month's last day (video-check coverage): the current value, or the
    -- history's for the few kindergartens changed since
    SELECT k.id FROM kindergartens_kindergarten k
     WHERE k.district_id = %(district)s
       AND CASE WHEN EXISTS (SELECT 1 FROM kindergartens_kindergartenstatuschange s WHERE s.kindergarten_id = k.id
                                AND s.attribute = 'status' AND s.effective_date > %(last)s)
                THEN (SELECT s.value FROM kindergartens_kindergartenstatuschange s
                       WHERE s.kindergarten_id = k.id AND s.attribute = 'status' AND s.effective_date <= %(last)s
                       ORDER BY s.effective_date DESC, s.recorded_at DESC, s.id DESC LIMIT 1)
                ELSE k.status END IN ('operating', 'rectifying')
       AND CASE WHEN EXISTS (SELECT 1 FROM kindergartens_kindergartenstatuschange s WHERE s.kindergarten_id = k.id
                                AND s.attribute = 'nature' AND s.effective_date > %(last)s)
                THEN (SELECT s.value FROM kindergartens_kindergartenstatuschange s
                       WHERE s.kindergarten_id = k.id AND s.attribute = 'nature' AND s.effective_date <= %(last)s
                       ORDER BY s.effective_date DESC, s.recorded_at DESC, s.id DESC LIMIT 1)
                ELSE k.nature END IN ('public', 'inclusive_private', 'private', 'community')
)
SELECT count(*) AS expected,
       count(r.first_submitted_at) AS submitted,
       count(*) FILTER (WHERE r.on_time) AS on_time,
       count(*) FILTER (WHERE r.state = 'approved') AS approved,
       coalesce(sum((r.data->>'children')::int) FILTER (WHERE r.state IN ('submitted','resubmitted','approved')), 0),
       coalesce(sum((r.data->>'classes')::int) FILTER (WHERE r.state IN ('submitted','resubmitted','approved')), 0),
       coalesce(sum((r.data->>'staff_total')::int) FILTER (WHERE r.state IN ('submitted','resubmitted','approved')), 0),
       coalesce(sum((r.data->>'staff_joined')::int) FILTER (WHERE r.state IN ('submitted','resubmitted','approved')), 0),
       coalesce(sum((r.data->>'staff_left')::int) FILTER (WHERE r.state IN ('submitted','resubmitted','approved')), 0),
       count(*) FILTER (WHERE r.state IN ('submitted','resubmitted','approved') AND r.data->>'video_checked' = 'no'),
       count(*) FILTER (WHERE r.state IN ('submitted','resubmitted','approved') AND (r.data->>'video_retention_days')::int < 30),
       count(*) FILTER (WHERE r.state IN ('submitted','resubmitted','approved') AND r.data->>'video_networked' = 'no'),
       coalesce(sum((r.data->>'drills__rows')::int) FILTER (WHERE r.state IN ('submitted','resubmitted','approved')), 0),
       coalesce(sum((r.data->>'incident_count')::int) FILTER (WHERE r.state IN ('submitted','resubmitted','approved')), 0),
       count(*) FILTER (WHERE r.state IN ('submitted','resubmitted','approved') AND r.data->>'no_incident' = 'had_incident'),
       -- The rest of what the build writes: the missing list and supervision's two sections.
       array_agg(kk.name ORDER BY kk.name) FILTER (WHERE r.first_submitted_at IS NULL) AS missing,
       (SELECT json_agg(x) FROM (
            SELECT i.kindergarten_id, i.kind, i.conclusion, i.vetoed, count(*) AS n
              FROM supervision_inspection i JOIN kindergartens_kindergarten k ON k.id = i.kindergarten_id
             WHERE k.district_id = %(district)s AND i.state = 'submitted'
               AND i.submitted_at >= %(start)s AND i.submitted_at < %(end)s
             GROUP BY 1, 2, 3, 4) x) AS inspections,
       (SELECT json_build_array(
            count(*) FILTER (WHERE o.issued_at >= %(start)s),
            count(*) FILTER (WHERE o.state = 'accepted' AND o.verified_at >= %(start)s AND o.verified_at < %(end)s),
            count(*) FILTER (WHERE NOT (o.state = 'accepted' AND o.verified_at IS NOT NULL AND o.verified_at < %(end)s)),
            count(*) FILTER (WHERE NOT (o.state = 'accepted' AND o.verified_at IS NOT NULL AND o.verified_at < %(end)s)
                               AND o.deadline < %(following)s))
          FROM supervision_rectificationorder o JOIN kindergartens_kindergarten k ON k.id = o.kindergarten_id
         WHERE k.district_id = %(district)s AND o.issued_at < %(end)s
           AND NOT (o.state = 'accepted' AND o.verified_at IS NOT NULL AND o.verified_at < %(start)s)) AS orders,
       -- Safety's section: the month's incidents by grade and kind with the late ones, those open at its
       -- end, zero reports, hazards, video-check coverage.
       (SELECT json_agg(x) FROM (
            SELECT i.grade, i.kind, count(*) AS n, count(*) FILTER (WHERE i.late) AS late
              FROM safety_incident i
             WHERE i.district_id = %(district)s AND i.occurred_at >= %(start)s AND i.occurred_at < %(end)s
             GROUP BY 1, 2) x) AS incidents_of_month,
       (SELECT count(*) FROM safety_incident i
         WHERE i.district_id = %(district)s AND i.occurred_at < %(end)s
           AND (i.final_at IS NULL OR i.final_at >= %(end)s)) AS incidents_open,
       (SELECT count(*) FROM safety_zeroreport z
         WHERE z.kindergarten_id IN (SELECT id FROM kg) AND z.month = %(first)s) AS zero_reports,
       (SELECT json_build_array(
            count(*) FILTER (WHERE h.found_on >= %(first)s AND h.found_on < %(following)s),
            count(*) FILTER (WHERE o.state = 'accepted' AND o.verified_at >= %(start)s AND o.verified_at < %(end)s),
            count(*) FILTER (WHERE o.issued_at < %(end)s AND o.deadline < %(following)s
                               AND NOT (o.state = 'accepted' AND o.verified_at IS NOT NULL AND o.verified_at < %(end)s)),
            count(*) FILTER (WHERE h.found_on < %(following)s AND (o.id IS NULL OR o.issued_at >= %(end)s)))
          FROM safety_hazard h LEFT JOIN supervision_rectificationorder o ON o.id = h.order_id
         WHERE h.kindergarten_id IN (SELECT id FROM kg)) AS hazards,
       (SELECT json_build_array(count(*), count(*) FILTER (WHERE EXISTS (
                   SELECT 1 FROM safety_videocheck v WHERE v.kindergarten_id = c.id AND v.month = %(first)s)))
          FROM counted c) AS video
  FROM owing o
  JOIN kindergartens_kindergarten kk ON kk.id = o.id
  LEFT JOIN reports_submission r ON r.kindergarten_id = o.id AND r.report_type_id = %(type)s AND r.month = %(first)s
"""
SQL_FIELDS = (
    "expected", "submitted", "on_time", "approved", "children", "classes", "staff_total", "staff_joined",
    "staff_left", "video_not_checked", "video_short_retention", "video_not_networked", "drills", "incidents",
    "kgs_with_incident", "missing", "inspections", "orders", "incidents_of_month", "incidents_open", "zero_reports",
    "hazards", "video",
)  # fmt: skip
# Compared with the build's figures; the rest of the row is what the build also writes (the missing
# list, supervision's and safety's sections), compared with what the build stored (hand_sections).
COMPARED = SQL_FIELDS[: SQL_FIELDS.index("missing")]


def hand_figures(data: Dataset, district) -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        from supervision.monthly_report import month_bounds

        start, end, following = month_bounds(FEB)
        cursor.execute(
            HAND_SQL,
            {
                "district": district.pk,
                "first": FEB,
                "last": datetime.date(2025, 2, 28),
                "type": data.kg_type.pk,
                "start": start,
                "end": end,
                "following": following,
            },
        )
        row = cursor.fetchone()
    return dict(zip(SQL_FIELDS, row, strict=True))


def _json(value):
    import json

    return json.loads(value) if isinstance(value, str) else value


def hand_sections(row: dict) -> dict[str, dict]:
    """The contributed sections the build stores, {key: {label: value}}, from the hand-written query's row."""
    from safety.models import Grade, IncidentKind
    from supervision.models import InspectionKind
    from supervision.monthly_report import ANNUAL_CONCLUSIONS

    inspections = _json(row["inspections"]) or []
    by_kind = {kind: sum(g["n"] for g in inspections if g["kind"] == kind) for kind, _ in InspectionKind.choices}
    supervision = {
        "督导检查次数": sum(g["n"] for g in inspections),
        "受检幼儿园数": len({g["kindergarten_id"] for g in inspections}),
        **{str(label): by_kind[kind] for kind, label in InspectionKind.choices},
        **{label: sum(g["n"] for g in inspections if g["conclusion"] == v) for v, label in ANNUAL_CONCLUSIONS},
        "一票否决的检查": sum(g["n"] for g in inspections if g["vetoed"]),
    }
    issued, closed, still_open, overdue = _json(row["orders"])
    orders = {
        "本月下达整改通知": issued,
        "本月验收通过（整改完成）": closed,
        "月末未完成整改": still_open,
        "其中逾期未整改": overdue,
    }
    incidents = _json(row["incidents_of_month"]) or []
    opened, fixed, late_hazards, waiting = _json(row["hazards"])
    counted, checked = _json(row["video"])
    by_kind = {kind: sum(g["n"] for g in incidents if g["kind"] == kind) for kind in IncidentKind.values}
    safety = {
        "本月发生安全事故": sum(g["n"] for g in incidents),
        **{f"其中{label}": sum(g["n"] for g in incidents if g["grade"] == v) for v, label in Grade.choices},
        **{f"{label}事故": by_kind[v] for v, label in IncidentKind.choices if by_kind[v]},
        "迟报": sum(g["late"] for g in incidents),
        "月末未终报的事故": row["incidents_open"],
        "本月确认零报告的幼儿园": row["zero_reports"],
        "本月发现安全隐患": opened,
        "本月整改完成的隐患": fixed,
        "月末逾期未整改的隐患": late_hazards,
        "月末待下达整改通知的隐患": waiting,
        "完成视频监控月度检查的幼儿园": checked,
        "视频监控月度检查覆盖率": f"{checked * 100 / counted:.1f}%" if counted else "—",
    }
    return {"supervision.inspections": supervision, "supervision.rectification": orders, "safety.month": safety}


def build_figures(report: Report, data: Dataset, district, size: int, runs: int, baseline: dict) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reports.models import Submission
    from reports.services import district_figures, district_report_build, submission_for

    submission = submission_for(report_type=data.district_type, month=FEB, district=district)
    # Warm (per-process caches: content types, the rules' SQL), and what is compared: what the build stored.
    district_report_build(actor=None, submission=submission)
    got = Submission.objects.get(pk=submission.pk).data
    row = hand_figures(data, district)
    expected = {k: row[k] for k in COMPARED}
    mismatch = {k: (got.get(k), v) for k, v in expected.items() if got.get(k) != v}
    if sorted(got["missing"]) != sorted(row["missing"] or []):
        mismatch["missing"] = (len(got["missing"]), len(row["missing"] or []))
    stored = {c["key"]: {label: value for label, value, _unit in c["rows"]} for c in got["contributions"]}
    for key, values in hand_sections(row).items():
        if stored.get(key) != values:
            mismatch[key] = (stored.get(key), values)
    if mismatch:
        report.na(
            f"district_build_{size}_s", f"the build differs from the hand-written query: {mismatch}", "equal figures"
        )
        return
    section = stored["safety.month"]
    log(
        f"district of {size}: safety: {section['本月发生安全事故']} incidents ({section['月末未终报的事故']} open at the"
        f" end), {section['本月确认零报告的幼儿园']} zero reports, hazards {section['本月发现安全隐患']} found /"
        f" {section['本月整改完成的隐患']} closed / {section['月末逾期未整改的隐患']} overdue /"
        f" {section['月末待下达整改通知的隐患']} waiting, video checks {section['视频监控月度检查覆盖率']}"
    )
    with CaptureQueriesContext(connection) as ctx:
        district_report_build(actor=None, submission=submission)
    baseline.setdefault("queries", len(ctx))
    build, figures, sql = [], [], []
    for _ in range(runs):  # interleaved, minimum kept
        started = time.perf_counter()
        district_report_build(actor=None, submission=Submission.objects.get(pk=submission.pk))
        build.append(time.perf_counter() - started)
        started = time.perf_counter()
        district_figures(district=district, report_type=data.district_type, month=FEB)
        figures.append(time.perf_counter() - started)
        started = time.perf_counter()
        hand_figures(data, district)
        sql.append(time.perf_counter() - started)
    limit = 1.0 if size <= 300 else 10.0
    report.below(f"district_build_{size}_s", min(build), "s", limit)
    report.figure(
        f"district_build_{size}_queries",
        len(ctx),
        "queries",
        f"= {baseline['queries']} (as at 300)",
        len(ctx) == baseline["queries"],
    )
    report.figure(
        f"district_sql_{size}_ms",
        min(sql) * 1000,
        "ms",
        "informative: one hand-written query, all the build writes",
        True,
    )
    report.figure(
        f"district_figures_{size}_ms", min(figures) * 1000, "ms", "informative: the build's reading part", True
    )
    ratio = min(figures) / min(sql)
    report.figure(f"district_figures_{size}_ratio", ratio, "x", f"≤ {RATIO_TARGET:g}", ratio <= RATIO_TARGET)
    # The whole build also locks, saves the report, its event and two audit rows, and commits.
    ratio = min(build) / min(sql)
    report.figure(f"district_build_{size}_ratio", ratio, "x", f"≤ {RATIO_TARGET:g}", ratio <= RATIO_TARGET)
    log(f"district of {size}: expected {got['expected']}, submitted {got['submitted']}, on time {got['on_time']}")


def completeness_figures(report: Report, data: Dataset, runs: int) -> None:
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections, connection
    from django.test import Client
    from django.urls import reverse

    # As under the test runner: keep the connection across requests, so its queries can be counted.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    client = Client()
    client.force_login(data.viewer)
    url = f"{reverse('reports:completeness')}?type={data.kg_type.pk}&month=2025-02"
    from reports.selectors import completeness_by_district, totals

    response = client.get(url)
    total = totals(completeness_by_district(data.viewer, data.kg_type, FEB))
    if (
        response.status_code != 200
        or total.expected < 2500
        or f"{total.reporting_rate}%" not in response.content.decode()
    ):
        report.na("completeness_city_3000_ms", f"status {response.status_code}, expected {total.expected}", "< 500 ms")
        return
    statements = []

    def count(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        client.get(url)
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        client.get(url)
        samples.append(time.perf_counter() - started)
    report.below("completeness_city_3000_ms", min(samples) * 1000, "ms", 500)
    report.figure("completeness_city_3000_queries", len(statements), "queries", "informative", True)
    log(f"city: expected {total.expected}, submitted {total.submitted}, rate {total.reporting_rate}%")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10, help="interleaved runs of each measure (default 10)")
    args = parser.parse_args(argv)
    began = time.perf_counter()
    os.environ["DATABASE_URL"] = database_url()
    setup_django("config.settings.test")
    from django.conf import settings

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    report = Report()
    data = Dataset()
    started = time.perf_counter()
    data.build_city()
    seed_month_safety(data, data.districts[0])
    analyze()
    log(f"built 10 districts x 300 kindergartens in {time.perf_counter() - started:.1f} s")
    baseline: dict = {}
    build_figures(report, data, data.districts[0], 300, args.runs, baseline)
    completeness_figures(report, data, args.runs)
    started = time.perf_counter()
    big = data.add_district("基准大区教育局", 3000)
    seed_month_safety(data, big)
    analyze()
    log(f"added a district of 3,000 kindergartens in {time.perf_counter() - started:.1f} s")
    build_figures(report, data, big, 3000, args.runs, baseline)
    log(f"total run time {time.perf_counter() - began:.0f} s")
    if report.misses:
        log(f"MISS: {', '.join(report.misses)}")
    return report.exit_code()


if __name__ == "__main__":
    sys.exit(main())
