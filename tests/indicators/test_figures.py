"""Each indicator against the number worked out on paper, for a small district built by hand.

District A (大洼区): 大洼街道 (urban, 111) and 西安镇 (rural, 220); district B: 红旗街道. March 2025:

| kindergarten | town | nature on 31 Mar | status on 31 Mar | children | classes (ok) | places |
|---|---|---|---|---|---|---|
| 一园 | 大洼街道 | 公办 | 在办 | 100 | 4 (3) | 120 |
| 二园 | 西安镇 | 普惠性民办 from 15 Mar (民办 before) | 在办 | 50 | 2 (2) | 60 |
| 三园 | 大洼街道 | 公办 | 停办 on 31 Mar | 30 | 1 (1) | 40 |
| 四点 | 大洼街道 | 社区办园点 | 在办 | 20 | 1 (1) | 20 |
| 五园 | 西安镇 | 无证园 | 在办 | 15 | 1 (1) | 20 |
| 六园 | B in March, A from April | 公办 | 在办 | 40 | 2 (2) | 50 |
| 七园 | 西安镇 | 非普惠性民办 | 在办 | 60 | 3 (2) | 90 |

Counted in A for March: 一园, 二园, 四点, 七园 (三园 停办 that day, 五园 无证, 六园 was in B).
Children 230; 普惠 150 → 65.2%; 公办 100 → 43.5%; classes 8 of 10 → 80%; places 230 / 290 → 79.3%.
Residents 3–5: 大洼街道 2025 = 200 (公安); 西安镇 has only 2024 = 100 (estimate) → 300; 230 / 300 = 76.7%.
January 2025 has no snapshot at all: every enrolment indicator is 暂无数据, never 0.
"""

import datetime

import pytest

from core.indicators import NO_DATA, display_value, get_indicator
from indicators.models import EnrolmentSnapshot, ResidentChildren
from indicators.selectors import RURAL, URBAN, figures_for
from kindergartens.models import Nature, Status, UrbanRural
from kindergartens.services import kindergarten_create, kindergarten_update
from tests.factories import CityFactory, DistrictFactory, TownshipFactory

D = datetime.date
MARCH, FEB, JAN, APRIL = D(2025, 3, 1), D(2025, 2, 1), D(2025, 1, 1), D(2025, 4, 1)
TODAY = D(2025, 5, 15)
OPENED = D(2024, 9, 1)


def _register(town, name, *, nature=Nature.PUBLIC, day=OPENED, capacity=100):
    recognised = {"inclusive_recognised_on": day} if nature == Nature.INCLUSIVE_PRIVATE else {}
    return kindergarten_create(
        actor=None,
        name=name,
        district=town.district,
        township=town,
        nature=nature,
        status=Status.OPERATING,
        effective_date=day,
        capacity=capacity,
        **recognised,
    )


def _change(kg, day, **changes):
    kg.refresh_from_db()
    kindergarten_update(actor=None, kindergarten=kg, changes=changes, effective_date=day, check_rights=False)


def _snap(kg, month, town, children, classes, compliant, capacity):
    EnrolmentSnapshot.objects.create(
        kindergarten=kg,
        month=month,
        district_id=town.district_id,
        township=town,
        children=children,
        classes=classes,
        compliant_classes=compliant,
        capacity=capacity,
        taken_on=month.replace(day=28),
    )


@pytest.fixture
def world(db):
    # The shipped checklists and certificate kinds, as the migrations write them: a transactional
    # test run before this one on the same database flushed every table.
    from staffing.defaults import certificate_kinds_ensure_defaults
    from supervision.checklists import checklists_ensure_defaults

    checklists_ensure_defaults()
    certificate_kinds_ensure_defaults()
    city = CityFactory(name="盘锦市教育局")
    a = DistrictFactory(name="大洼区教育局", parent=city)
    b = DistrictFactory(name="双台子区教育局", parent=city)
    town_a = TownshipFactory(district=a, name="大洼街道", urban_rural_code=UrbanRural.MAIN_URBAN)
    rural_a = TownshipFactory(district=a, name="西安镇", urban_rural_code=UrbanRural.VILLAGE)
    town_b = TownshipFactory(district=b, name="红旗街道")
    k1 = _register(town_a, "一园")
    k2 = _register(rural_a, "二园", nature=Nature.PRIVATE)
    _change(k2, D(2025, 3, 15), nature=Nature.INCLUSIVE_PRIVATE, inclusive_recognised_on=D(2025, 3, 15))
    k3 = _register(town_a, "三园")
    _change(k3, D(2025, 3, 31), status=Status.SUSPENDED)
    k4 = _register(town_a, "四点", nature=Nature.COMMUNITY)
    k5 = _register(rural_a, "五园", nature=Nature.UNLICENSED)
    k6 = _register(town_a, "六园")  # today in A; in March it was in B (the snapshot says where)
    k7 = _register(rural_a, "七园", nature=Nature.PRIVATE)
    for month in (FEB, MARCH):
        _snap(k1, month, town_a, 100, 4, 3, 120)
        _snap(k2, month, rural_a, 50, 2, 2, 60)
        _snap(k3, month, town_a, 30, 1, 1, 40)
        _snap(k4, month, town_a, 20, 1, 1, 20)
        _snap(k5, month, rural_a, 15, 1, 1, 20)
        _snap(k6, month, town_b, 40, 2, 2, 50)
        _snap(k7, month, rural_a, 60, 3, 2, 90)
    _snap(k6, APRIL, town_a, 40, 2, 2, 50)
    ResidentChildren.objects.create(
        district=a, township=town_a, year=2025, children=200, source="police", source_date=D(2025, 1, 5)
    )
    ResidentChildren.objects.create(
        district=a,
        township=rural_a,
        year=2024,
        children=100,
        source="health",
        source_date=D(2024, 1, 5),
        is_estimate=True,
    )
    return {"a": a, "b": b, "town_a": town_a, "rural_a": rural_a, "kgs": [k1, k2, k3, k4, k5, k6, k7]}


def _value(figures, code, key, month):
    figure = figures[code].get((key, month))
    return figure.value(get_indicator(code)) if figure else None


def test_march_figures_match_the_paper(world):
    a = world["a"].pk
    frame, figures = figures_for([a], [JAN, FEB, MARCH], today=TODAY)
    march = {code: figures[code][(a, MARCH)] for code in figures if (a, MARCH) in figures[code]}
    assert march["inclusive-coverage"].numerator == 150 and march["inclusive-coverage"].denominator == 230
    assert _value(figures, "inclusive-coverage", a, MARCH) == pytest.approx(150 * 100 / 230)
    assert _value(figures, "public-share", a, MARCH) == pytest.approx(100 * 100 / 230)
    assert _value(figures, "class-size", a, MARCH) == pytest.approx(80.0)
    assert _value(figures, "places-filled", a, MARCH) == pytest.approx(230 * 100 / 290)
    gross = march["gross-enrolment"]
    assert (gross.numerator, gross.denominator) == (230, 300)
    assert "部分街道/乡镇沿用 2024 年常住儿童数" in gross.notes and "常住儿童数含估算数" in gross.notes
    assert display_value(get_indicator("gross-enrolment"), gross.value(get_indicator("gross-enrolment"))) == "76.7%"


def test_recognised_mid_month_counts_for_that_month_not_before(world):
    a = world["a"].pk
    _frame, figures = figures_for([a], [FEB, MARCH], today=TODAY)
    # February: 二园 was still 非普惠性民办 on the 28th: 普惠 is 一园 only, of 230 counted (三园 open then too: 260).
    feb = figures["inclusive-coverage"][(a, FEB)]
    assert (feb.numerator, feb.denominator) == (130, 260)  # 一园 100 + 三园 30 of 260
    march = figures["inclusive-coverage"][(a, MARCH)]
    assert march.numerator == 150


def test_closed_on_the_last_day_does_not_count_that_month(world):
    a = world["a"].pk
    frame, _figures = figures_for([a], [MARCH], today=TODAY)
    k3 = world["kgs"][2]
    row = frame.rows[(k3.pk, MARCH)]
    assert not row.counted and row.reason == "停办"
    assert not frame.rows[(world["kgs"][4].pk, MARCH)].counted  # 无证园
    assert frame.rows[(world["kgs"][4].pk, MARCH)].reason == "无证园"


def test_a_kindergarten_counts_where_it_was_that_month(world):
    a, b = world["a"].pk, world["b"].pk
    k6 = world["kgs"][5]
    frame, figures = figures_for([a, b], [MARCH, APRIL], today=TODAY)
    assert frame.rows[(k6.pk, MARCH)].district_id == b
    assert frame.rows[(k6.pk, APRIL)].district_id == a
    assert figures["public-share"][(b, MARCH)].denominator == 40
    # district A alone does not pick up 六园's March either
    frame_a, _ = figures_for([a], [MARCH], today=TODAY)
    assert (k6.pk, MARCH) not in frame_a.rows


def test_a_month_without_data_is_no_data_never_zero(world):
    a = world["a"].pk
    _frame, figures = figures_for([a], [JAN], today=TODAY)
    for code in ("gross-enrolment", "inclusive-coverage", "public-share", "class-size", "places-filled"):
        indicator = get_indicator(code)
        figure = figures[code].get((a, JAN))
        value = figure.value(indicator) if figure else None
        assert value is None, code
        assert display_value(indicator, value) == NO_DATA


def test_townships_and_urban_rural_split(world):
    a = world["a"].pk
    _frame, by_town = figures_for([a], [MARCH], today=TODAY, by="township")
    town_a, rural_a = world["town_a"].pk, world["rural_a"].pk
    assert (
        by_town["gross-enrolment"][(town_a, MARCH)].numerator,
        by_town["gross-enrolment"][(town_a, MARCH)].denominator,
    ) == (120, 200)
    assert _value(by_town, "gross-enrolment", rural_a, MARCH) == pytest.approx(110.0)
    _frame, split = figures_for([a], [MARCH], today=TODAY, by="urban_rural")
    assert split["inclusive-coverage"][(URBAN, MARCH)].numerator == 100
    assert split["inclusive-coverage"][(RURAL, MARCH)].numerator == 50


def test_queries_do_not_grow_with_kindergartens(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    a = world["a"].pk
    figures_for([a], [FEB, MARCH], today=TODAY)  # warm-up: the certificate kinds are cached
    with CaptureQueriesContext(connection) as first:
        figures_for([a], [FEB, MARCH], today=TODAY)
    town = world["town_a"]
    for i in range(5):
        kg = _register(town, f"新园{i}")
        _snap(kg, MARCH, town, 10, 1, 1, 10)
    with CaptureQueriesContext(connection) as second:
        figures_for([a], [FEB, MARCH], today=TODAY)
    assert len(second) == len(first)


def test_teachers_on_the_last_day_and_certificate_holding(world):
    from accounts.roles import Role
    from staffing.models import Employment
    from tests.factories import UserFactory
    from tests.staffing.helpers import hire

    a = world["a"].pk
    k1 = world["kgs"][0]
    clerk = UserFactory(role=Role.BUREAU_STAFF, bureau=world["a"])
    for seq in (1, 2, 3):
        hire(clerk, k1, seq, hire_date=D(2024, 9, 1))
    # the third leaves on 31 March: not in office on the month's last day
    Employment.objects.filter(person__name="教师3").update(leave_date=D(2025, 3, 31))
    _frame, figures = figures_for([a], [FEB, MARCH], today=TODAY)
    march = figures["teacher-ratio"][(a, MARCH)]
    assert (march.numerator, march.denominator) == (230, 2)
    assert display_value(get_indicator("teacher-ratio"), march.value(get_indicator("teacher-ratio"))) == "1:115.0"
    assert figures["teacher-ratio"][(a, FEB)].denominator == 3
    holding = figures["certificate-holding"][(a, MARCH)]
    assert (holding.numerator, holding.denominator) == (0, 2)  # nobody has registered a certificate


def test_inspection_coverage_over_the_twelve_months_to_the_day(world):
    from supervision.models import ChecklistTemplate, Inspection

    a = world["a"].pk
    k1, k2, _k3, k4 = world["kgs"][:4]
    template = ChecklistTemplate.objects.get(family="safety", is_current=True)
    Inspection.objects.create(
        kindergarten=k1, kind="routine", template=template, planned_on=D(2024, 6, 1), state="submitted"
    )
    Inspection.objects.create(
        kindergarten=k2, kind="routine", template=template, planned_on=D(2024, 3, 15), state="submitted"
    )
    Inspection.objects.create(
        kindergarten=k4, kind="routine", template=template, planned_on=D(2025, 3, 10), state="planned"
    )
    _frame, figures = figures_for([a], [MARCH], today=TODAY)
    coverage = figures["inspection-coverage"][(a, MARCH)]
    assert (coverage.numerator, coverage.denominator) == (1, 4)


def test_queries_do_not_grow_with_months(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from indicators.frame import months_back

    a = world["a"].pk
    figures_for([a], [MARCH], today=TODAY)  # warm-up
    with CaptureQueriesContext(connection) as two:
        figures_for([a], months_back(MARCH, 2), today=TODAY)
    with CaptureQueriesContext(connection) as thirty_six:
        _frame, figures = figures_for([a], months_back(MARCH, 36), today=TODAY)
    assert len(thirty_six) == len(two)
    assert figures["inclusive-coverage"][(a, MARCH)].numerator == 150  # the same figure as month by month
