"""The set-based figures (indicators.totals: one query for every past month) against the row-by-row
ones (each definition's ``compute`` over the frame, month by month), on randomised small worlds:
dated status and nature changes (mid-month, on the last day, before and after the months), missing
snapshots, kindergartens that moved between districts, teachers who come and go, certificates that
never expire and certificates that do, submitted and planned inspections. And the query count: the
same for 1 and 36 months, and for 2 and 20 kindergartens."""

import contextlib
import datetime
import random
import zoneinfo

import pytest
from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.indicators import all_indicators
from indicators.frame import months_back
from indicators.models import EnrolmentSnapshot, ResidentChildren
from indicators.selectors import figures_by_rows, figures_for
from kindergartens.models import Nature, Status, UrbanRural
from kindergartens.services import kindergarten_create, kindergarten_update
from tests.factories import CityFactory, DistrictFactory, TownshipFactory

D = datetime.date
SH = zoneinfo.ZoneInfo("Asia/Shanghai")
TODAY = D(2025, 5, 15)
MONTHS = months_back(D(2025, 5, 1), 17)  # January 2024 – May 2025 (May: the current month)


def _day(rng, start, end):
    return start + datetime.timedelta(days=rng.randint(0, (end - start).days))


class World:
    def __init__(self, seed: int):
        from staffing.defaults import certificate_kinds_ensure_defaults
        from supervision.checklists import checklists_ensure_defaults

        checklists_ensure_defaults()
        certificate_kinds_ensure_defaults()
        self.rng = random.Random(seed)
        city = CityFactory(name="随机市教育局")
        self.a = DistrictFactory(name="甲区教育局", parent=city)
        self.b = DistrictFactory(name="乙区教育局", parent=city)
        self.towns = {
            self.a.pk: [
                TownshipFactory(district=self.a, name="甲街道", urban_rural_code=UrbanRural.MAIN_URBAN),
                TownshipFactory(district=self.a, name="甲镇", urban_rural_code=UrbanRural.VILLAGE),
            ],
            self.b.pk: [TownshipFactory(district=self.b, name="乙街道", urban_rural_code=UrbanRural.MAIN_URBAN)],
        }
        from accounts.roles import Role
        from tests.factories import UserFactory

        self.clerks = {d.pk: UserFactory(role=Role.BUREAU_STAFF, bureau=d) for d in (self.a, self.b)}
        self.people = 0
        for town in self.towns[self.a.pk]:
            ResidentChildren.objects.create(
                district=self.a, township=town, year=2024, children=300, source="police", source_date=D(2024, 1, 5)
            )
        ResidentChildren.objects.create(
            district=self.b,
            township=self.towns[self.b.pk][0],
            year=2025,
            children=150,
            source="health",
            source_date=D(2025, 1, 5),
            is_estimate=True,
        )

    def add(self, count: int) -> None:
        for _ in range(count):
            self.add_one()

    def add_one(self) -> None:
        from staffing.models import Certificate, CertificateKind, Employment
        from supervision.models import ChecklistTemplate, Inspection
        from tests.staffing.helpers import hire

        rng = self.rng
        district = rng.choice([self.a, self.b])
        town = rng.choice(self.towns[district.pk])
        nature = rng.choice(
            [Nature.PUBLIC, Nature.INCLUSIVE_PRIVATE, Nature.PRIVATE, Nature.COMMUNITY, Nature.UNLICENSED]
        )
        opened = _day(rng, D(2023, 6, 1), D(2025, 3, 1))
        extra = {"inclusive_recognised_on": opened} if nature == Nature.INCLUSIVE_PRIVATE else {}
        kg = kindergarten_create(
            actor=None,
            name=f"随机园{rng.randint(0, 10**6)}",
            district=district,
            township=town,
            nature=nature,
            status=Status.OPERATING,
            effective_date=opened,
            capacity=rng.randint(60, 200),
            **extra,
        )
        for _ in range(rng.randint(0, 3)):  # dated changes, some on a month's last day
            day = _day(rng, opened, D(2025, 5, 10))
            if rng.random() < 0.3:
                day = (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1) - datetime.timedelta(days=1)
            changes = (
                {"status": rng.choice([Status.SUSPENDED, Status.OPERATING, Status.RECTIFYING])}
                if rng.random() < 0.5
                else {"nature": Nature.INCLUSIVE_PRIVATE, "inclusive_recognised_on": day}
            )
            kg.refresh_from_db()
            with contextlib.suppress(ValidationError):
                kindergarten_update(
                    actor=None, kindergarten=kg, changes=changes, effective_date=day, check_rights=False
                )
        other = self.b if district == self.a else self.a
        for month in MONTHS[:-1]:
            if rng.random() < 0.15:  # no snapshot that month
                continue
            moved = rng.random() < 0.1
            where = other if moved else district
            classes = rng.randint(1, 6)
            EnrolmentSnapshot.objects.create(
                kindergarten=kg,
                month=month,
                district=where,
                township=self.towns[where.pk][0] if moved else town,
                children=rng.randint(0, 200),
                classes=classes,
                compliant_classes=rng.randint(0, classes),
                capacity=rng.randint(50, 220),
                taken_on=month.replace(day=28),
            )
        kinds = [k for k in CertificateKind.objects.all() if k.required_for_post("teacher")]
        for _ in range(rng.randint(0, 4)):
            self.people += 1
            hired = _day(rng, D(2022, 1, 1), D(2025, 4, 30))
            person = hire(self.clerks[district.pk], kg, self.people + 1000 * kg.pk, hire_date=hired).person
            if rng.random() < 0.4:
                Employment.objects.filter(person=person).update(leave_date=_day(rng, hired, D(2025, 6, 30)))
            for kind in kinds:
                if rng.random() < 0.7:
                    issued = _day(rng, D(2020, 1, 1), D(2025, 4, 30))
                    expires = _day(rng, issued, D(2026, 1, 1)) if rng.random() < 0.3 else None
                    Certificate.objects.create(
                        person=person, kind=kind, number="Z1", issued_on=issued, expires_on=expires
                    )
        template = ChecklistTemplate.objects.filter(is_current=True).first()
        for _ in range(rng.randint(0, 3)):
            Inspection.objects.create(
                kindergarten=kg,
                kind="routine",
                template=template,
                planned_on=_day(rng, D(2022, 6, 1), D(2025, 5, 10)),
                state=rng.choice(["submitted", "submitted", "planned"]),
            )
        # one exactly twelve months before a month's last day: outside that month's window
        month_end = (rng.choice(MONTHS[:-1]) + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
        Inspection.objects.create(
            kindergarten=kg,
            kind="routine",
            template=template,
            planned_on=month_end - relativedelta(years=1),
            state="submitted",
        )
        self.add_safety(kg, district)
        self.add_pairing(kg, district)

    def add_safety(self, kg, district) -> None:
        """Hazard orders due around month ends (accepted on, before or after the deadline, or not),
        incidents around Beijing midnight at a month's turn, dated facility records (some on a month's
        last day), buses retired, inspected late, never inspected."""
        from safety.models import FacilityRecord, Incident, SchoolBus
        from supervision.models import RectificationOrder

        rng, clerk = self.rng, self.clerks[district.pk]
        for _ in range(rng.randint(0, 4)):
            deadline = _day(rng, D(2023, 12, 1), D(2025, 5, 31))
            if rng.random() < 0.3:  # a month's last day
                deadline = (deadline.replace(day=28) + datetime.timedelta(days=4)).replace(day=1) - datetime.timedelta(
                    days=1
                )
            state = rng.choice(["issued", "responded", "returned", "accepted", "accepted", "accepted"])
            verified = None
            if state == "accepted":  # 00:30 or 23:30 Beijing (the day before, or the same day, in UTC)
                day = deadline + datetime.timedelta(days=rng.choice([-5, -1, 0, 0, 1, 3]))
                verified = datetime.datetime.combine(day, datetime.time(rng.choice([0, 23]), 30), tzinfo=SH)
            RectificationOrder.objects.create(
                kindergarten=kg,
                source_kind=rng.choice(["hazard", "hazard", "manual"]),
                source_label="安全隐患",
                description="消防通道堵塞",
                severity="minor",
                deadline=deadline,
                state=state,
                verified_at=verified,
                return_reason="证据不全" if state == "returned" else "",
            )
        for _ in range(rng.randint(0, 3)):
            day = _day(rng, D(2023, 12, 25), D(2025, 5, 14))
            if rng.random() < 0.4:  # the first of a month at 00:30 Beijing: the previous day in UTC
                day = day.replace(day=1)
            occurred = datetime.datetime.combine(day, datetime.time(0, 30), tzinfo=SH)
            Incident.objects.create(
                kindergarten=kg,
                district=district,
                occurred_at=occurred,
                reported_at=occurred + datetime.timedelta(minutes=30),
                reported_by=clerk,
                initial_deadline=occurred + datetime.timedelta(hours=1),
                written_deadline=occurred + datetime.timedelta(hours=2),
                late=rng.random() < 0.3,
                kind="injury",
                grade="general",
            )
        days = {_day(rng, D(2023, 10, 1), D(2025, 5, 14)) for _ in range(rng.randint(0, 3))}
        if rng.random() < 0.3:
            days.add(rng.choice(MONTHS[:-1]) + relativedelta(months=1) - datetime.timedelta(days=1))
        for day in days:
            FacilityRecord.objects.create(
                kindergarten=kg,
                effective_on=day,
                video_retention_days=rng.choice([7, 29, 30, 90]),
                safety_officer=rng.choice(["", "王安全", "李保卫"]),
                safety_officer_trained=rng.random() < 0.7,
                safety_officer_certified=rng.random() < 0.6,
                recorded_by=clerk,
            )
        for n in range(rng.randint(0, 3)):
            inspected = _day(rng, D(2023, 1, 1), D(2025, 5, 10)) if rng.random() < 0.85 else None
            valid = inspected + relativedelta(years=1) if inspected and rng.random() < 0.9 else None
            retired = _day(rng, D(2024, 1, 1), D(2025, 6, 1)) if rng.random() < 0.25 else None
            SchoolBus.objects.create(
                kindergarten=kg,
                plate=f"辽L{kg.pk:04d}{n}",
                seats=19,
                inspected_on=inspected,
                valid_until=valid,
                retired_on=retired,
            )

    def add_pairing(self, kg, district) -> None:
        """Agreements in every state, some completed or ended early (in Beijing time around midnight)."""
        from pairing.models import Agreement, AgreementParty

        rng = self.rng
        for _ in range(rng.choice([0, 1, 1, 2])):
            start = _day(rng, D(2023, 6, 1), D(2025, 4, 1))
            end = start + relativedelta(years=2) - datetime.timedelta(days=1)
            state = rng.choice(["draft", "submitted", "confirmed", "active", "active", "completed", "ended"])
            ended_at = None
            if state in ("completed", "ended"):
                ended_on = _day(rng, start, min(end, D(2025, 5, 14)))
                if rng.random() < 0.3:  # on a month's first day at 00:10 Beijing (the day before in UTC)
                    ended_on = ended_on.replace(day=1)
                ended_at = datetime.datetime.combine(ended_on, datetime.time(0, 10), tzinfo=SH)
            agreement = Agreement.objects.create(
                title="结对帮扶协议",
                mode="town_public",
                start_date=start,
                end_date=end,
                rights_obligations="帮扶",
                content="帮扶",
                goals="帮扶",
                state=state,
                district=district,
                created_by=self.clerks[district.pk],
                ended_at=ended_at,
                end_reason="撤并" if state == "ended" else "",
            )
            AgreementParty.objects.create(agreement=agreement, kindergarten=kg, side=rng.choice(["helping", "helped"]))


def _same(expected, got):
    assert got.keys() == expected.keys()
    for key, figure in expected.items():
        other = got[key]
        assert other.numerator == pytest.approx(figure.numerator), key
        assert other.denominator == pytest.approx(figure.denominator), key
        assert (other.notes, other.kindergartens) == (figure.notes, figure.kindergartens), key


@pytest.mark.parametrize("seed", [1, 2])
def test_set_based_figures_equal_the_row_by_row_ones_month_by_month(db, seed):
    world = World(seed)
    world.add(12)
    ids = [world.a.pk, world.b.pk]
    for by in ("district", "township", "urban_rural", "all"):
        _frame, figures = figures_for(ids, MONTHS, today=TODAY, by=by)
        for month in MONTHS:
            expected = figures_by_rows(ids, [month], today=TODAY, by=by)
            for indicator in all_indicators():
                got = {key: f for key, f in figures[indicator.code].items() if key[1] == month}
                _same(expected[indicator.code], got)
            if by == "district":  # the world is not trivial: every indicator has figures with data
                for indicator in all_indicators():
                    assert any(f.numerator for f in figures[indicator.code].values()), indicator.code
    # one district alone: the kindergartens that were in the other one that month stay out
    _frame, figures = figures_for([world.a.pk], MONTHS, today=TODAY)
    expected = figures_by_rows([world.a.pk], MONTHS, today=TODAY)
    for indicator in all_indicators():
        _same(expected[indicator.code], figures[indicator.code])


def _queries(fn) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx)


def test_queries_the_same_for_one_and_thirty_six_months(db):
    world = World(3)
    world.add(4)
    ids = [world.a.pk, world.b.pk]
    past = D(2025, 4, 1)
    figures_for(ids, [past], today=TODAY)  # warm-up: the certificate kinds are cached
    one = _queries(lambda: figures_for(ids, [past], today=TODAY))
    many = _queries(lambda: figures_for(ids, months_back(past, 36), today=TODAY))
    assert many == one
    # with the current month too: a fixed few more (today's classes), whatever the months before
    with_now_12 = _queries(lambda: figures_for(ids, months_back(D(2025, 5, 1), 12), today=TODAY))
    with_now_36 = _queries(lambda: figures_for(ids, months_back(D(2025, 5, 1), 36), today=TODAY))
    assert with_now_12 == with_now_36


def test_queries_the_same_for_two_and_twenty_kindergartens(db):
    world = World(4)
    world.add(2)
    ids = [world.a.pk, world.b.pk]
    figures_for(ids, MONTHS[:-1], today=TODAY)
    two = _queries(lambda: figures_for(ids, MONTHS[:-1], today=TODAY))
    world.add(18)
    twenty = _queries(lambda: figures_for(ids, MONTHS[:-1], today=TODAY))
    assert twenty == two
