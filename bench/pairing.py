"""Pairing: the city's monthly pairing overview (月调度) in a province of 30,000 kindergartens with
3,000 agreements and three years of activities.

    .venv/bin/python bench/pairing.py [--runs N]

Builds, in its own PostgreSQL database (``DATABASE_URL``'s name + ``_pairing_bench``), one province of
10 cities × 10 districts × 300 kindergartens (30,000; six townships per district, three of them rural),
3,000 agreements (300 per city: cross-district ones among them, one-to-many ones, some ended or
completed, a few drafts) with their parties and confirmations, and an activity per agreement and month
for three years (September 2024 – August 2027, about half of the months with a second one): about
160,000 activities. Rows are written in bulk without audit entries (reading them is what is measured).

Figures:

* ``overview_city_ms``: the overview page (``/pairing/overview/?month=2025-10``) for a city viewer
  through the test client: 10 districts' month figures, rural participation against the year's
  target and the late list (target < 500 ms, median of ``--runs``);
* ``overview_city_queries``: its queries, and ``overview_small_city_queries``: the same page for a city
  of one district with two agreements (target: equal: a fixed number whatever the rows).

Exits 1 on any MISS, 2 when not on PostgreSQL.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import sys
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

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
    time_it,
)

SUFFIX = "_pairing" + BENCH_SUFFIX
CITIES, DISTRICTS, KGS = 10, 10, 300
AGREEMENTS_PER_CITY = 300
START = datetime.date(2024, 9, 15)
MONTH = datetime.date(2025, 10, 1)
TARGET_MS = 500


def database_url() -> str:
    url, name = bench_database_url(os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL)
    if not name.endswith(SUFFIX):
        name = name.removesuffix(BENCH_SUFFIX) + SUFFIX
    return urlunsplit(urlsplit(url)._replace(path="/" + name))


def bulk(model):
    from django.db import models

    return models.QuerySet(model)


class Dataset:
    def __init__(self) -> None:
        self.rng = random.Random(20241015)
        self.viewers = []

    def build(self) -> None:
        from django.contrib.auth.hashers import make_password

        from accounts.models import User
        from kindergartens.models import Bureau, Kindergarten, Township

        password = make_password("Bench-pass-2026")
        for c in range(CITIES):
            city = bulk(Bureau).create(name=f"基准{c}市教育局", level="city", province="辽宁省")
            self.viewers.append(
                User.objects.create(username=f"city{c}", full_name="市级查看", role="city_viewer", bureau=city,
                                    password=password, must_change_password=False)
            )  # fmt: skip
            districts = [
                bulk(Bureau).create(name=f"基准{c}市第{d}区教育局", level="district", parent=city, province="辽宁省")
                for d in range(DISTRICTS)
            ]
            towns = []
            for district in districts:
                towns.append(
                    bulk(Township).bulk_create(
                        [
                            Township(district=district, name=f"第{t}镇", urban_rural_code="220" if t % 2 else "121")
                            for t in range(6)
                        ]
                    )
                )
            kgs = []
            for district, district_towns in zip(districts, towns, strict=True):
                kgs.append(
                    bulk(Kindergarten).bulk_create(
                        [
                            Kindergarten(
                                name=f"第{k}幼儿园",
                                district=district,
                                township=district_towns[k % 6],
                                nature="public" if k % 3 == 0 else "inclusive_private",
                                inclusive_recognised_on=None if k % 3 == 0 else datetime.date(2020, 1, 1),
                                status="operating" if k % 40 else "suspended",
                                capacity=200,
                            )
                            for k in range(KGS)
                        ],
                        batch_size=1000,
                    )
                )
            self._agreements(city, districts, kgs)
            log(f"city {c + 1}/{CITIES} built")
        self.small_viewer = self._small_city(password)

    def _agreements(self, city, districts, kgs) -> None:
        from pairing.models import Activity, Agreement, AgreementParty, CityTarget, Confirmation

        rng = self.rng
        actor = self.viewers[-1]
        bulk(CityTarget).create(
            city=city, year=2025, participants=600, rural_share=Decimal(35), plan_due=datetime.date(2025, 9, 5),
            agreements_due=datetime.date(2025, 10, 15),
        )  # fmt: skip
        states = ["active"] * 85 + ["completed"] * 5 + ["ended"] * 5 + ["submitted"] * 3 + ["draft"] * 2
        agreements, parties, confirmations, activities = [], [], [], []
        plans = []
        for n in range(AGREEMENTS_PER_CITY):
            d = n % DISTRICTS
            cross = n % 10 == 0
            state = rng.choice(states)
            start = START + datetime.timedelta(days=rng.randint(0, 60))
            end = start.replace(year=start.year + 3) - datetime.timedelta(days=1)
            agreement = Agreement(
                title=f"结对协议{n}", mode="cross_district" if cross else "town_public", start_date=start,
                end_date=end, forms=["on_site", "send_teaching"], rights_obligations="权利义务", content="内容",
                goals="目标", state=state, district=districts[d], created_by=actor,
                filed_at=None if state in ("draft", "submitted") else datetime.datetime(
                    2024, 10, rng.randint(1, 28), 10, tzinfo=datetime.UTC),
                end_reason="停办" if state == "ended" else "",
            )  # fmt: skip
            helping = kgs[d][(n // DISTRICTS) * 2 % KGS]
            helped_district = (d + 1) % DISTRICTS if cross else d
            helped = [kgs[helped_district][(n // DISTRICTS * 2 + 1) % KGS]]
            if n % 7 == 0:
                helped.append(kgs[helped_district][(n // DISTRICTS * 2 + 3) % KGS])
            plans.append((agreement, helping, helped, state, start, end))
            agreements.append(agreement)
        bulk(Agreement).bulk_create(agreements, batch_size=1000)
        for agreement, helping, helped, state, start, end in plans:
            parties.append(AgreementParty(agreement=agreement, kindergarten=helping, side="helping"))
            parties += [AgreementParty(agreement=agreement, kindergarten=k, side="helped") for k in helped]
            if state not in ("draft", "submitted"):
                for district_id in {helping.district_id, *(k.district_id for k in helped)}:
                    confirmations.append(Confirmation(agreement=agreement, district_id=district_id, confirmed_by=actor))
                day = start + datetime.timedelta(days=20)
                last = min(end, datetime.date(2027, 8, 31))
                while day <= last:
                    for extra in range(1 + (rng.random() < 0.5)):
                        activities.append(
                            Activity(
                                agreement=agreement, date=day + datetime.timedelta(days=extra * 9),
                                form=rng.choice(["on_site", "send_teaching"]), helping_people=rng.randint(1, 6),
                                helped_people=rng.randint(3, 15), hours=Decimal(rng.choice(["2.0", "3.5", "8.0"])),
                                content="活动", kindergarten=helping if extra == 0 else helped[0], logged_by=actor,
                            )
                        )  # fmt: skip
                    day = (day.replace(day=1) + datetime.timedelta(days=32)).replace(day=min(day.day, 28))
        bulk(AgreementParty).bulk_create(parties, batch_size=2000)
        bulk(Confirmation).bulk_create(confirmations, batch_size=2000)
        bulk(Activity).bulk_create(activities, batch_size=5000)

    def _small_city(self, password):
        from accounts.models import User
        from kindergartens.models import Bureau, Kindergarten, Township
        from pairing.models import Agreement, AgreementParty, CityTarget

        city = bulk(Bureau).create(name="小市教育局", level="city", province="辽宁省")
        bulk(CityTarget).create(
            city=city, year=2025, participants=4, rural_share=Decimal(35), plan_due=datetime.date(2025, 9, 5),
            agreements_due=datetime.date(2025, 10, 15),
        )  # fmt: skip
        district = bulk(Bureau).create(name="小市唯一区教育局", level="district", parent=city, province="辽宁省")
        town = bulk(Township).create(district=district, name="镇", urban_rural_code="220")
        kgs = [
            bulk(Kindergarten).create(name=f"小{k}园", district=district, township=town, nature="public", capacity=100)
            for k in range(4)
        ]
        viewer = User.objects.create(username="small_city", full_name="小市查看", role="city_viewer", bureau=city,
                                     password=password, must_change_password=False)  # fmt: skip
        for n in range(2):
            a = bulk(Agreement).create(
                title=f"小协议{n}", mode="town_public", start_date=START, end_date=START.replace(year=2027),
                forms=["on_site"], rights_obligations="x", content="x", goals="x", state="active", district=district,
                created_by=viewer,
            )  # fmt: skip
            bulk(AgreementParty).create(agreement=a, kindergarten=kgs[2 * n], side="helping")
            bulk(AgreementParty).create(agreement=a, kindergarten=kgs[2 * n + 1], side="helped")
        return viewer


def overview_figures(report: Report, data: Dataset, runs: int) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    url = f"/pairing/overview/?month={MONTH:%Y-%m}"

    def client_for(user):
        client = Client()
        client.force_login(user)
        client.get(url)  # warm-up (the signed-in user is cached from the second request)
        return client

    big = client_for(data.viewers[0])
    small = client_for(data.small_viewer)

    def get(client):
        response = client.get(url)
        assert response.status_code == 200, response.status_code
        return response

    from kindergartens.models import Bureau
    from pairing.selectors import city_overview

    get(big)
    rows = city_overview(Bureau.objects.get(pk=data.viewers[0].bureau_id), MONTH)["rows"]
    log(
        "city 0, October 2025: "
        + ", ".join(
            f"{r['figures']['activities']} activities / {r['figures']['agreements']} agreements" for r in rows[:3]
        )
        + " …"
    )
    assert sum(r["figures"]["activities"] for r in rows) > 0
    timing = time_it(lambda: get(big), runs=runs, warmups=2)
    report.below("overview_city_ms", timing.median, "ms", TARGET_MS)
    with CaptureQueriesContext(connection) as big_queries:
        get(big)
    with CaptureQueriesContext(connection) as small_queries:
        get(small)
    report.figure("overview_city_queries", len(big_queries), "queries", "a fixed number", True)
    report.figure(
        "overview_small_city_queries",
        len(small_queries),
        "queries",
        f"= {len(big_queries)} (the 3,000-kindergarten city's)",
        len(small_queries) == len(big_queries),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20, help="timed runs of the page (default 20)")
    args = parser.parse_args(argv)
    began = time.perf_counter()
    os.environ["DATABASE_URL"] = database_url()
    setup_django("config.settings.test")
    import time_machine

    report = Report()
    data = Dataset()
    started = time.perf_counter()
    data.build()
    analyze()
    from pairing.models import Activity, Agreement

    log(
        f"built {CITIES * DISTRICTS * KGS:,} kindergartens, {Agreement.objects.count():,} agreements, "
        f"{Activity.objects.count():,} activities in {time.perf_counter() - started:.1f} s"
    )
    # "Today" is in the month shown, as when the city reads its month (the late list, participation).
    with time_machine.travel(datetime.datetime(2025, 10, 25, 9, tzinfo=datetime.UTC), tick=True):
        overview_figures(report, data, args.runs)
    log(f"total run time {time.perf_counter() - began:.0f} s")
    if report.misses:
        log(f"MISS: {', '.join(report.misses)}")
    return report.exit_code()


if __name__ == "__main__":
    sys.exit(main())
