"""Safety's indicators (safety/indicators.py) on a small world built by hand, each figure worked out
on paper below. Today is 15 May 2025: February, March and April are past months (the set-based
query, indicators.totals), May is the current month (row by row). Every figure is also checked
against the row-by-row path (``figures_by_rows``) month by month.

District A: 甲园 (a1, town), 乙园 (a2, village) count; 停办园 (suspended) does not. District B: 丙园,
with no safety data at all: every figure 暂无数据.
"""

import datetime

import pytest

from core.indicators import NO_DATA, display_value, get_indicator
from indicators.selectors import figures_by_rows, figures_for
from kindergartens.models import Status
from safety.models import FacilityRecord, Incident, SchoolBus
from supervision.models import RectificationOrder
from tests.factories import KindergartenFactory
from tests.safety.helpers import beijing

D = datetime.date
TODAY = D(2025, 5, 15)
FEB, MAR, APR, MAY = D(2025, 2, 1), D(2025, 3, 1), D(2025, 4, 1), D(2025, 5, 1)
MONTHS = [FEB, MAR, APR, MAY]
CODES = ("hazards-on-time", "incidents-on-time", "video-retention", "bus-inspection", "safety-officer")


def _order(kg, deadline, state="issued", verified_at=None, source_kind="hazard"):
    return RectificationOrder.objects.create(
        kindergarten=kg,
        source_kind=source_kind,
        source_label="安全隐患",
        description="消防通道堵塞",
        severity="minor",
        deadline=deadline,
        state=state,
        verified_at=verified_at,
    )


def _incident(cast, kg, occurred_at, late):
    return Incident.objects.create(
        kindergarten=kg,
        district=kg.district,
        occurred_at=occurred_at,
        reported_at=occurred_at + datetime.timedelta(minutes=30),
        reported_by=cast.bureau_staff,
        initial_deadline=occurred_at + datetime.timedelta(hours=1),
        written_deadline=occurred_at + datetime.timedelta(hours=2),
        late=late,
        kind="injury",
        grade="general",
    )


def _facility(cast, kg, effective_on, retention, officer, trained, certified):
    return FacilityRecord.objects.create(
        kindergarten=kg,
        effective_on=effective_on,
        video_retention_days=retention,
        safety_officer=officer,
        safety_officer_trained=trained,
        safety_officer_certified=certified,
        recorded_by=cast.bureau_staff,
    )


@pytest.fixture
def world(cast):
    # Registered in 2020 (the cast's kindergartens are registered today, after these months).
    a1 = KindergartenFactory(name="大洼街道甲园", township=cast.town_a, effective_date=D(2020, 1, 1))
    a2 = KindergartenFactory(name="西安镇乙园", township=cast.village_a, effective_date=D(2020, 1, 1))
    KindergartenFactory(name="双台子丙园", township=cast.town_b, effective_date=D(2020, 1, 1))
    stopped = KindergartenFactory(
        name="停办园", township=cast.town_a, status=Status.SUSPENDED, effective_date=D(2020, 1, 1)
    )
    # Hazards: due in March: a1 on the 10th accepted that evening (on time); a1 on the 31st accepted at
    # 00:30 on 1 April Beijing time (still 31 March in UTC: late); a2 on the 20th never answered (late).
    _order(a1, D(2025, 3, 10), "accepted", beijing(2025, 3, 10, 23, 30))
    _order(a1, D(2025, 3, 31), "accepted", beijing(2025, 4, 1, 0, 30))
    _order(a2, D(2025, 3, 20))
    _order(a2, D(2025, 3, 15), source_kind="manual")  # an inspection finding, not a hazard
    _order(stopped, D(2025, 3, 5))  # does not count
    # April: a2 on the 5th accepted on the 1st (on time); a1 on the 30th answered, not yet accepted.
    _order(a2, D(2025, 4, 5), "accepted", beijing(2025, 4, 1, 9))
    _order(a1, D(2025, 4, 30), "responded")
    # May (judged by today, the 15th): a1 on the 10th accepted on the 9th; a1 on the 20th not due yet.
    _order(a1, D(2025, 5, 10), "accepted", beijing(2025, 5, 9, 9))
    _order(a1, D(2025, 5, 20))
    # Incidents: March: a1 at 23:50 on the 31st (15:50 UTC), on time; a2 on the 5th, late.
    # April: a2 at 00:20 on the 1st (31 March in UTC), late; a1 on the 10th, on time.
    _incident(cast, a1, beijing(2025, 3, 31, 23, 50), late=False)
    _incident(cast, a2, beijing(2025, 3, 5, 10), late=True)
    _incident(cast, a2, beijing(2025, 4, 1, 0, 20), late=True)
    _incident(cast, a1, beijing(2025, 4, 10, 10), late=False)
    _incident(cast, stopped, beijing(2025, 4, 10, 10), late=True)  # does not count
    # Facilities: a1 from 31 March: 30 days, officer trained and certified; from 15 April: 15 days,
    # officer not certified. a2 from 30 April: 90 days, trained and certified but no officer named.
    _facility(cast, a1, D(2025, 3, 31), 30, "王安全", True, True)
    _facility(cast, a1, D(2025, 4, 15), 15, "王安全", True, False)
    _facility(cast, a2, D(2025, 4, 30), 90, "", True, True)
    _facility(cast, stopped, D(2025, 1, 1), 90, "李保卫", True, True)  # does not count
    # Buses: a1's first valid until 31 March; a1's second valid until 1 June, retired on 30 April;
    # a2's first never inspected; a2's second inspected on 20 April (unknown before: left out).
    SchoolBus.objects.create(
        kindergarten=a1, plate="辽L00001", seats=19, inspected_on=D(2024, 4, 1), valid_until=D(2025, 3, 31)
    )
    SchoolBus.objects.create(
        kindergarten=a1, plate="辽L00002", seats=19, inspected_on=D(2024, 6, 1), valid_until=D(2025, 6, 1),
        retired_on=D(2025, 4, 30),
    )  # fmt: skip
    SchoolBus.objects.create(kindergarten=a2, plate="辽L00003", seats=19)
    SchoolBus.objects.create(
        kindergarten=a2, plate="辽L00004", seats=19, inspected_on=D(2025, 4, 20), valid_until=D(2026, 4, 19)
    )
    return cast


def _figures(cast, by="district"):
    ids = [cast.district_a.pk, cast.district_b.pk]
    indicators = [get_indicator(code) for code in CODES]
    _frame, figures = figures_for(ids, MONTHS, today=TODAY, by=by, indicators=indicators)
    for month in MONTHS:  # the set-based figures are the row-by-row ones
        rows = figures_by_rows(ids, [month], today=TODAY, by=by, indicators=indicators)
        for code in CODES:
            got = {k: f for k, f in figures[code].items() if k[1] == month}
            assert got.keys() == rows[code].keys(), (code, month)
            for key, figure in rows[code].items():
                assert (got[key].numerator, got[key].denominator, got[key].notes) == (
                    figure.numerator,
                    figure.denominator,
                    figure.notes,
                ), (code, key)
    return figures


def _shown(figures, code, group, month):
    indicator = get_indicator(code)
    figure = figures[code].get((group, month))
    if figure is None:
        return NO_DATA, None, None
    return display_value(indicator, figure.value(indicator)), figure.numerator, figure.denominator


def test_the_safety_indicators_are_registered_with_their_rules():
    for code in CODES:
        indicator = get_indicator(code)
        assert indicator is not None and indicator.source == "安全管理"
        assert indicator.rule and indicator.sql is not None


def test_hazards_closed_on_time(world):
    f = _figures(world)
    a, b = world.district_a.pk, world.district_b.pk
    assert _shown(f, "hazards-on-time", a, FEB)[0] == NO_DATA  # nothing due
    assert _shown(f, "hazards-on-time", a, MAR) == ("33.3%", 1, 3)
    assert _shown(f, "hazards-on-time", a, APR) == ("50.0%", 1, 2)
    assert _shown(f, "hazards-on-time", a, MAY) == ("100.0%", 1, 1)
    assert _shown(f, "hazards-on-time", b, MAR)[0] == NO_DATA


def test_incidents_reported_on_time(world):
    f = _figures(world)
    a, b = world.district_a.pk, world.district_b.pk
    assert _shown(f, "incidents-on-time", a, FEB)[0] == NO_DATA
    assert _shown(f, "incidents-on-time", a, MAR) == ("50.0%", 1, 2)
    assert _shown(f, "incidents-on-time", a, APR) == ("50.0%", 1, 2)
    assert _shown(f, "incidents-on-time", a, MAY)[0] == NO_DATA
    assert _shown(f, "incidents-on-time", b, APR)[0] == NO_DATA


def test_video_retention_and_safety_officers_by_the_record_in_force(world):
    f = _figures(world)
    a, b = world.district_a.pk, world.district_b.pk
    for code in ("video-retention", "safety-officer"):
        assert _shown(f, code, a, FEB)[0] == NO_DATA  # no record yet: no part, not 0
        assert _shown(f, code, b, APR)[0] == NO_DATA
    # March: only a1 has a record (from the 31st); a2 is left out, and the figure says so.
    assert _shown(f, "video-retention", a, MAR) == ("100.0%", 1, 1)
    assert _shown(f, "safety-officer", a, MAR) == ("100.0%", 1, 1)
    assert f["video-retention"][(a, MAR)].notes == ("1 所幼儿园缺少本月数据，未计入",)
    # April and May: a1 keeps 15 days and its officer is not certified; a2 keeps 90 days, no officer named.
    for month in (APR, MAY):
        assert _shown(f, "video-retention", a, month) == ("50.0%", 1, 2)
        assert _shown(f, "safety-officer", a, month) == ("0.0%", 0, 2)


def test_bus_inspection_on_the_day(world):
    f = _figures(world)
    a, b = world.district_a.pk, world.district_b.pk
    # February and March: buses 1 and 2 valid, 3 never inspected, 4 unknown (inspected later).
    assert _shown(f, "bus-inspection", a, FEB) == ("66.7%", 2, 3)
    assert _shown(f, "bus-inspection", a, MAR) == ("66.7%", 2, 3)
    # April: 1 expired, 2 retired on the 30th, 3 never inspected, 4 valid.
    assert _shown(f, "bus-inspection", a, APR) == ("33.3%", 1, 3)
    assert _shown(f, "bus-inspection", a, MAY) == ("33.3%", 1, 3)
    assert _shown(f, "bus-inspection", b, MAR)[0] == NO_DATA  # no bus


def test_by_township_and_urban_rural_too(world):
    f = _figures(world, by="township")
    assert _shown(f, "hazards-on-time", world.town_a.pk, MAR) == ("50.0%", 1, 2)
    assert _shown(f, "hazards-on-time", world.village_a.pk, MAR) == ("0.0%", 0, 1)
    _figures(world, by="urban_rural")
    _figures(world, by="all")
