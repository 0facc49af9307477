"""Staffing figures (issue 10) on PostgreSQL: 3,000 kindergartens with 75,000 staff in one district.

    .venv/bin/python bench/staffing.py [--runs N] [--kindergartens 3000] [--staff-per 25]

Builds its own database (``DATABASE_URL``'s name + ``_bench``; see ``bench/_common.py``): one city,
one district holding every kindergarten (the largest page a bureau user can ask for), 4–8 classes of
25–35 children each, 25 staff per kindergarten across the posts, 1–3 certificates each with expiry
dates spread over the coming year (some already expired), 200 blacklisted people. Rows are written
in bulk without audit entries: reading them is what is measured.

First only 10 kindergartens exist: the query count of each page there is the baseline. Figures:

* ``compliance_page_queries`` / ``expiring_page_queries`` / ``missing_page_queries``: queries of one
  request at full size (target: the same as with 10 kindergartens);
* ``compliance_page_ms``, ``expiring_page_ms`` (90 days), ``missing_page_ms``: server time of the page
  through the test client as the district's bureau staff, minimum of ``--runs`` (target < 1000 ms);
* ``holding_rates_page_ms``: the holding rates per post over the whole district (same 1 s target);
* ``missing_page_ms_district_setting``, ``holding_rates_page_ms_district_setting``: the same two pages
  once the district has its own certificate requirements (cooks need the guard licence too) and
  another district has its own as well (so the city-wide group is filtered too); same 1 s target;
* ``blacklist_check_ms``: ``check_not_blacklisted`` for a blacklisted and a clean ID (the check on
  every hire), median of 50 (target < 20 ms).

Exits 1 on any MISS, 2 when not on PostgreSQL.
"""

from __future__ import annotations

import argparse
import datetime
import random
import sys
import time
from pathlib import Path

_HERE = Path(__file__).resolve().parent
if sys.path and Path(sys.path[0] or ".").resolve() == _HERE:
    sys.path.pop(0)
sys.path.insert(0, str(_HERE.parent))

from bench._common import Report, analyze, log, setup_django, time_it  # noqa: E402

POSTS = (
    ["principal"] + ["vice_principal"] + ["teacher"] * 11 + ["caregiver"] * 6 + ["health_worker"] + ["cook"] * 2
    + ["guard"] * 2 + ["finance"]
)  # fmt: skip


def seed(*, kindergartens: int, staff_per: int, start: int, city, district, township, rng: random.Random) -> None:
    from django.utils import timezone

    from kindergartens.models import Kindergarten, KindergartenClass
    from staffing.idcard import keyed_hash, make_number, mask
    from staffing.models import Certificate, CertificateKind, Employment, Misconduct, Person

    kinds = {k.code: k for k in CertificateKind.objects.all()}
    today = timezone.localdate()
    kgs = Kindergarten._base_manager.bulk_create(
        [
            Kindergarten(
                name=f"基准幼儿园{n:05d}", district=district, township=township, nature="public", schedule="full_day"
            )
            for n in range(start, start + kindergartens)
        ]
    )
    classes = []
    for kg in kgs:
        for c in range(rng.randint(4, 8)):
            classes.append(
                KindergartenClass(kindergarten=kg, name=f"班{c + 1}", class_type="small", children=rng.randint(25, 35))
            )
    KindergartenClass._base_manager.bulk_create(classes, batch_size=5000)
    people, employments, certificates = [], [], []
    seq = start * staff_per
    for _kg in kgs:
        for _i in range(staff_per):
            seq += 1
            number = make_number(
                f"2111{seq // 1000 % 100:02d}19{80 + seq % 20}0{1 + seq % 9}1{seq % 10}{seq % 1000:03d}"
            )
            people.append(
                Person(
                    city=city,
                    name=f"教职工{seq}",
                    id_number=number,
                    id_masked=mask(number),
                    id_hash=keyed_hash(number),
                    gender="female",
                    birth_date=datetime.date(1985, 1, 1),
                )
            )
    # Sequence numbers repeat the same ID across kindergartens only by accident; make hashes unique.
    seen = set()
    for n, person in enumerate(people):
        if person.id_hash in seen:
            person.id_hash = f"{n:064d}"
        seen.add(person.id_hash)
    people = Person._base_manager.bulk_create(people, batch_size=5000)
    index = 0
    for kg in kgs:
        for i in range(staff_per):
            person = people[index]
            index += 1
            post = POSTS[i % len(POSTS)]
            employments.append(
                Employment(
                    person=person,
                    kindergarten=kg,
                    post=post,
                    post_type="not_established",
                    hire_date=datetime.date(2020, 9, 1),
                )
            )
            needed = ["health_certificate"] + {
                "teacher": ["teacher_qualification"],
                "principal": ["teacher_qualification", "principal_training"],
                "caregiver": ["caregiver_training"],
                "cook": ["food_worker"],
                "guard": ["guard_licence"],
            }.get(post, [])
            for code in needed:
                if rng.random() < 0.05:
                    continue  # missing
                expires = (
                    None if code == "teacher_qualification" else today + datetime.timedelta(days=rng.randint(-30, 365))
                )
                certificates.append(
                    Certificate(
                        person=person,
                        kind=kinds[code],
                        number=f"N{person.pk}{code[:2]}",
                        issued_on=datetime.date(2019, 1, 1),
                        expires_on=expires,
                    )
                )
    Employment._base_manager.bulk_create(employments, batch_size=5000)
    Certificate._base_manager.bulk_create(certificates, batch_size=5000)
    vetoed = rng.sample(people, min(200, len(people) // 10))
    Misconduct._base_manager.bulk_create(
        [
            Misconduct(
                person=p,
                district=district,
                occurred_on=today,
                decided_on=today,
                description="基准",
                sanction="dismissal",
                veto=True,
            )
            for p in vetoed
        ]
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--kindergartens", type=int, default=3000)
    parser.add_argument("--staff-per", type=int, default=25)
    args = parser.parse_args()
    setup_django()

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User
    from kindergartens.models import Bureau, Township
    from staffing.idcard import keyed_hash, make_number
    from staffing.models import Misconduct
    from staffing.services import Blacklisted, check_not_blacklisted

    rng = random.Random(10)
    city = Bureau.objects.create(name="基准市教育局", level="city", province="辽宁省")
    district = Bureau.objects.create(name="基准区教育局", level="district", parent=city, province="辽宁省")
    township = Township.objects.create(district=district, name="基准街道", urban_rural_code="111")
    user = User.objects.create_user(username="bench_staff", password="x", role="bureau_staff", bureau=district)
    client = Client()
    client.force_login(user)
    pages = {
        "compliance": "/staffing/compliance/",
        "expiring": "/staffing/certificates/?window=90",
        "missing": "/staffing/certificates/?window=missing",
        "holding_rates": "/staffing/certificates/rates/",
    }

    def queries(url: str) -> int:
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx)

    seed(kindergartens=10, staff_per=args.staff_per, start=0, city=city, district=district, township=township, rng=rng)
    baseline = {name: queries(url) for name, url in pages.items()}
    log(f"baseline queries at 10 kindergartens: {baseline}")
    started = time.perf_counter()
    seed(
        kindergartens=args.kindergartens - 10,
        staff_per=args.staff_per,
        start=10,
        city=city,
        district=district,
        township=township,
        rng=rng,
    )
    analyze()
    log(f"seeded {args.kindergartens} kindergartens in {time.perf_counter() - started:.0f} s")
    report = Report()
    staff = args.kindergartens * args.staff_per
    for name, url in pages.items():
        count = queries(url)
        report.figure(
            f"{name}_page_queries", count, "queries", f"= {baseline[name]} (10 kindergartens)", count == baseline[name]
        )
        timing = time_it(lambda url=url: client.get(url), runs=args.runs, warmups=1)
        report.below(f"{name}_page_ms", min(timing.samples_ms), "ms", 1000)
    log(f"{args.kindergartens} kindergartens, {staff} staff")
    # District settings (StaffingPolicy.certificate_requirements): this district's and another's.
    from staffing.models import CertificateKind, StaffingPolicy

    guard = CertificateKind.objects.get(code="guard_licence")
    other = Bureau.objects.create(name="基准另一区教育局", level="district", parent=city, province="辽宁省")
    for bureau in (district, other):
        StaffingPolicy.objects.create(
            district=bureau, certificate_requirements={str(guard.pk): {"posts": ["cook", "guard"], "all": False}}
        )
    for name in ("missing", "holding_rates"):
        timing = time_it(lambda url=pages[name]: client.get(url), runs=args.runs, warmups=1)
        report.below(f"{name}_page_ms_district_setting", min(timing.samples_ms), "ms", 1000)
    blacklisted = Misconduct.objects.filter(veto=True).values_list("person__id_hash", flat=True).first()
    clean = keyed_hash(make_number("11010119900101999"))

    def check_both():
        try:
            check_not_blacklisted(blacklisted)
        except Blacklisted:
            pass
        else:
            raise AssertionError("a blacklisted person passed the check")
        check_not_blacklisted(clean)

    timing = time_it(check_both, runs=50, warmups=3)
    report.below("blacklist_check_ms", timing.median / 2, "ms", 20)
    return report.exit_code()


if __name__ == "__main__":
    raise SystemExit(main())
