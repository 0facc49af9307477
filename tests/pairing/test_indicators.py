"""Pairing's indicator (农村园结对帮扶参与率, pairing/indicators.py) on a small world built by hand,
the figures worked out on paper below. Today is 15 May 2025: February–April are past months (the
set-based query), May the current month (row by row); both checked against ``figures_by_rows``.

District A: 街道园 (town, urban), 西安镇一园 and 西安镇二园 (village: rural) count; 西安镇停办园
(rural, suspended) does not. District B: 红旗园 (urban) only: its figure is 暂无数据.

Agreements: X (active, 15 March 2025 – 14 March 2027): 街道园 helps 一园. Y (ended early at 00:10 on
1 April 2025 Beijing time, i.e. 31 March in UTC; 1 September 2024 – 31 August 2026): 二园 and 停办园.
Z (a draft from January 2025): 二园.

Rural participation on each month's last day (today for May):
    February: 一园 no (X starts 15 March), 二园 yes (Y)            → 1 / 2 = 50.0%
    March:    一园 yes, 二园 yes (Y ended on 1 April, Beijing)     → 2 / 2 = 100.0%
    April, May: 一园 yes, 二园 no (Y ended; Z is a draft)          → 1 / 2 = 50.0%
    January 2024: nobody in an agreement yet                        → 0 / 2 = 0.0%
"""

import datetime

import pytest

from core.indicators import NO_DATA, display_value, get_indicator
from indicators.selectors import RURAL, URBAN, figures_by_rows, figures_for
from kindergartens.models import Status
from pairing.models import Agreement, AgreementParty, Side
from pairing.selectors import participation_by_district
from tests.factories import KindergartenFactory, TownshipFactory
from tests.pairing.helpers import agreement_fields
from tests.safety.helpers import beijing

D = datetime.date
TODAY = D(2025, 5, 15)
JAN24, FEB, MAR, APR, MAY = D(2024, 1, 1), D(2025, 2, 1), D(2025, 3, 1), D(2025, 4, 1), D(2025, 5, 1)
MONTHS = [JAN24, FEB, MAR, APR, MAY]
CODE = "pairing-rural"


def _agreement(cast, parties, **fields):
    agreement = Agreement.objects.create(
        **agreement_fields(**fields), district=cast.district_a, created_by=cast.bureau_staff
    )
    for kg, side in parties:
        AgreementParty.objects.create(agreement=agreement, kindergarten=kg, side=side)
    return agreement


@pytest.fixture
def world(cast):
    since = D(2020, 1, 1)  # the cast's kindergartens are registered today, after these months
    town = KindergartenFactory(name="街道园", township=cast.town_a, effective_date=since)
    one = KindergartenFactory(name="西安镇一园", township=cast.village_a, effective_date=since)
    two = KindergartenFactory(name="西安镇二园", township=cast.village_a, effective_date=since)
    stopped = KindergartenFactory(
        name="西安镇停办园", township=cast.village_a, status=Status.SUSPENDED, effective_date=since
    )
    KindergartenFactory(name="红旗园", township=cast.town_b, effective_date=since)
    _agreement(
        cast,
        [(town, Side.HELPING), (one, Side.HELPED)],
        state=Agreement.State.ACTIVE,
        start_date=D(2025, 3, 15),
        end_date=D(2027, 3, 14),
    )
    _agreement(
        cast,
        [(two, Side.HELPED), (stopped, Side.HELPED)],
        state=Agreement.State.ENDED,
        start_date=D(2024, 9, 1),
        end_date=D(2026, 8, 31),
        ended_at=beijing(2025, 4, 1, 0, 10),
        end_reason="被帮扶园撤并",
    )
    _agreement(
        cast, [(two, Side.HELPED)], state=Agreement.State.DRAFT, start_date=D(2025, 1, 1), end_date=D(2027, 1, 1)
    )
    return cast


def _figures(cast, by):
    ids = [cast.district_a.pk, cast.district_b.pk]
    indicators = [get_indicator(CODE)]
    _frame, figures = figures_for(ids, MONTHS, today=TODAY, by=by, indicators=indicators)
    for month in MONTHS:
        rows = figures_by_rows(ids, [month], today=TODAY, by=by, indicators=indicators)[CODE]
        got = {k: f for k, f in figures[CODE].items() if k[1] == month}
        assert got.keys() == rows.keys(), month
        for key, figure in rows.items():
            assert (got[key].numerator, got[key].denominator, got[key].notes) == (
                figure.numerator,
                figure.denominator,
                figure.notes,
            ), key
    return figures[CODE]


def _shown(figures, group, month):
    indicator = get_indicator(CODE)
    figure = figures.get((group, month))
    if figure is None:
        return NO_DATA, None, None
    return display_value(indicator, figure.value(indicator)), figure.numerator, figure.denominator


def test_registered_with_its_rule():
    indicator = get_indicator(CODE)
    assert indicator.source == "结对帮扶" and "2 开头" in indicator.rule and indicator.sql is not None


def test_rural_participation_per_district_on_each_months_last_day(world):
    f = _figures(world, "district")
    a, b = world.district_a.pk, world.district_b.pk
    assert _shown(f, a, JAN24) == ("0.0%", 0, 2)
    assert _shown(f, a, FEB) == ("50.0%", 1, 2)
    assert _shown(f, a, MAR) == ("100.0%", 2, 2)
    assert _shown(f, a, APR) == ("50.0%", 1, 2)
    assert _shown(f, a, MAY) == ("50.0%", 1, 2)
    for month in MONTHS:  # no rural kindergarten: no data, not 0
        assert _shown(f, b, month)[0] == NO_DATA


def test_city_and_urban_rural(world):
    f = _figures(world, "all")
    assert _shown(f, "all", MAR) == ("100.0%", 2, 2)
    assert _shown(f, "all", APR) == ("50.0%", 1, 2)
    f = _figures(world, "urban_rural")
    assert _shown(f, RURAL, FEB) == ("50.0%", 1, 2)
    assert _shown(f, URBAN, FEB)[0] == NO_DATA
    _figures(world, "township")


def test_the_plan_checks_count_by_the_same_dated_rule(world):
    """participation_by_district (the plan checks, the monthly report, the home card) uses the same
    running-agreement rule: an agreement ended since still counted on a day before its end. (Its
    denominator is the registry's present operating rural kindergartens: 一园, 二园, and the cast's
    西安镇中心幼儿园.)"""
    a = world.district_a.pk
    assert participation_by_district([a], D(2025, 2, 28))[a] == (1, 3)
    assert participation_by_district([a], D(2025, 3, 31))[a] == (2, 3)
    assert participation_by_district([a], D(2025, 4, 1))[a] == (1, 3)


def test_a_new_rural_township_counts_where_its_code_says(world):
    """A township coded 2xx later added to district B makes B's figure a number."""
    village_b = TownshipFactory(district=world.district_b, name="陆家镇", urban_rural_code="220")
    KindergartenFactory(name="陆家镇园", township=village_b, effective_date=D(2020, 1, 1))
    f = _figures(world, "district")
    assert _shown(f, world.district_b.pk, APR) == ("0.0%", 0, 1)
