"""Who owes a monthly report for month M: every kindergarten that counted for the district's figures
(licensed and operating) on ANY day of M, read from the dated history, not from today's status.

One closed on the 31st still owes that month (it was open on the 30th); one opened on the 31st owes
it too. February of a common and of a leap year, and the turn of the year, are checked the same way.
"""

import datetime
import random

import pytest

from kindergartens.models import Kindergarten, KindergartenStatusChange, Nature, Status
from kindergartens.selectors import (
    COUNTED_NATURES,
    COUNTED_STATUSES,
    kindergartens_as_of,
    kindergartens_owing_report,
    month_bounds,
)
from kindergartens.services import kindergarten_create, kindergarten_update, today
from tests.factories import DistrictFactory, TownshipFactory

D = datetime.date


@pytest.fixture
def town(db):
    district = DistrictFactory(name="大洼区教育局")
    return TownshipFactory(district=district, name="大洼街道")


def _register(town, name, day, *, status=Status.OPERATING, nature=Nature.PUBLIC):
    recognised = {"inclusive_recognised_on": day} if nature == Nature.INCLUSIVE_PRIVATE else {}
    return kindergarten_create(
        actor=None,
        name=name,
        district=town.district,
        township=town,
        nature=nature,
        status=status,
        effective_date=day,
        capacity=100,
        **recognised,
    )


def _change(kg, day, **changes):
    kg.refresh_from_db()
    kindergarten_update(actor=None, kindergarten=kg, changes=changes, effective_date=day, check_rights=False)


def _owing(town, month) -> set[str]:
    qs = Kindergarten.objects.filter(district=town.district)
    return set(kindergartens_owing_report(qs, month).values_list("name", flat=True))


def test_month_bounds():
    assert month_bounds(D(2025, 1, 17)) == (D(2025, 1, 1), D(2025, 1, 31))
    assert month_bounds(D(2025, 2, 1)) == (D(2025, 2, 1), D(2025, 2, 28))
    assert month_bounds(D(2024, 2, 29)) == (D(2024, 2, 1), D(2024, 2, 29))
    assert month_bounds(D(2024, 12, 31)) == (D(2024, 12, 1), D(2024, 12, 31))
    assert month_bounds(D(2025, 4, 30)) == (D(2025, 4, 1), D(2025, 4, 30))


def test_opened_on_the_last_day_owes_that_month_not_the_one_before(town):
    _register(town, "一月末开办园", D(2025, 1, 31))
    assert _owing(town, D(2024, 12, 1)) == set()
    assert _owing(town, D(2025, 1, 1)) == {"一月末开办园"}
    assert _owing(town, D(2025, 2, 1)) == {"一月末开办园"}


def test_closed_on_the_last_day_still_owes_that_month(town):
    kg = _register(town, "一月末停办园", D(2024, 9, 1))
    _change(kg, D(2025, 1, 31), status=Status.SUSPENDED)
    assert _owing(town, D(2024, 12, 1)) == {"一月末停办园"}
    assert _owing(town, D(2025, 1, 1)) == {"一月末停办园"}
    assert _owing(town, D(2025, 2, 1)) == set()


def test_closed_on_the_first_day_owes_nothing_that_month(town):
    kg = _register(town, "二月一日停办园", D(2024, 9, 1))
    _change(kg, D(2025, 2, 1), status=Status.SUSPENDED)
    assert _owing(town, D(2025, 1, 1)) == {"二月一日停办园"}
    assert _owing(town, D(2025, 2, 1)) == set()


def test_closed_at_the_turn_of_the_year(town):
    kg = _register(town, "年末注销园", D(2023, 9, 1))
    _change(kg, D(2024, 12, 31), status=Status.SUSPENDED)
    _change(kg, D(2025, 1, 1), status=Status.CLOSED)
    assert _owing(town, D(2024, 12, 1)) == {"年末注销园"}
    assert _owing(town, D(2025, 1, 1)) == set()


def test_february_of_a_common_year(town):
    _register(town, "二月末开办园", D(2025, 2, 28))
    closing = _register(town, "二月末停办园", D(2024, 9, 1))
    _change(closing, D(2025, 2, 28), status=Status.SUSPENDED)
    _register(town, "三月一日开办园", D(2025, 3, 1))
    assert _owing(town, D(2025, 2, 1)) == {"二月末开办园", "二月末停办园"}
    assert _owing(town, D(2025, 3, 1)) == {"二月末开办园", "三月一日开办园"}


def test_february_of_a_leap_year(town):
    _register(town, "闰日开办园", D(2024, 2, 29))
    closing = _register(town, "闰日停办园", D(2023, 9, 1))
    _change(closing, D(2024, 2, 29), status=Status.SUSPENDED)
    _register(town, "三月一日开办园", D(2024, 3, 1))
    assert _owing(town, D(2024, 1, 1)) == {"闰日停办园"}
    assert _owing(town, D(2024, 2, 1)) == {"闰日开办园", "闰日停办园"}
    assert _owing(town, D(2024, 3, 1)) == {"闰日开办园", "三月一日开办园"}


def test_suspended_for_part_of_the_month_owes_it(town):
    kg = _register(town, "月中停办园", D(2024, 9, 1))
    _change(kg, D(2025, 3, 10), status=Status.SUSPENDED)
    _change(kg, D(2025, 5, 20), status=Status.OPERATING)
    assert _owing(town, D(2025, 3, 1)) == {"月中停办园"}
    assert _owing(town, D(2025, 4, 1)) == set()  # suspended the whole of April
    assert _owing(town, D(2025, 5, 1)) == {"月中停办园"}


def test_rectifying_counts_preparing_does_not(town):
    kg = _register(town, "整改园", D(2024, 9, 1))
    _change(kg, D(2025, 3, 1), status=Status.RECTIFYING)
    preparing = _register(town, "筹设园", D(2024, 9, 1), status=Status.PREPARING)
    _change(preparing, D(2025, 4, 30), status=Status.OPERATING)
    assert _owing(town, D(2025, 3, 1)) == {"整改园"}
    assert _owing(town, D(2025, 4, 1)) == {"整改园", "筹设园"}


def test_unlicensed_owes_only_once_licensed(town):
    kg = _register(town, "看护点", D(2024, 9, 1), nature=Nature.UNLICENSED)
    _register(town, "社区办园点", D(2024, 9, 1), nature=Nature.COMMUNITY)
    assert _owing(town, D(2025, 1, 1)) == {"社区办园点"}
    _change(kg, D(2025, 1, 31), nature=Nature.PRIVATE)  # licensed on the last day of January
    assert _owing(town, D(2024, 12, 1)) == {"社区办园点"}
    assert _owing(town, D(2025, 1, 1)) == {"看护点", "社区办园点"}


def test_the_history_not_todays_status(town):
    """Cancelled today, it still owes the months it was open; a future-dated closure is not yet in force."""
    kg = _register(town, "已注销园", D(2023, 9, 1))
    _change(kg, D(2025, 6, 1), status=Status.SUSPENDED)
    _change(kg, D(2025, 7, 1), status=Status.CLOSED)
    kg.refresh_from_db()
    assert kg.status == Status.CLOSED
    assert _owing(town, D(2025, 5, 1)) == {"已注销园"}
    assert _owing(town, D(2025, 6, 1)) == set()


def test_the_later_recorded_of_two_same_day_changes_wins(town):
    """A change corrected on the same effective date: only the correction held that day."""
    kg = _register(town, "更正园", D(2024, 9, 1))
    _change(kg, D(2025, 2, 1), status=Status.SUSPENDED)
    KindergartenStatusChange.objects.create(
        kindergarten=kg, attribute="status", value=Status.OPERATING, effective_date=D(2025, 3, 15)
    )
    KindergartenStatusChange.objects.create(
        kindergarten=kg, attribute="status", value=Status.SUSPENDED, effective_date=D(2025, 3, 15)
    )
    assert _owing(town, D(2025, 3, 1)) == set()


def test_scoped_to_the_given_queryset(town):
    _register(town, "本区园", D(2024, 9, 1))
    other = TownshipFactory(name="红旗街道")
    _register(other, "外区园", D(2024, 9, 1))
    assert _owing(town, D(2025, 1, 1)) == {"本区园"}


def _counted_on_some_day(qs, month) -> set[int]:
    """The rule written the slow way: look every day of the month up in the history."""
    first, last = month_bounds(month)
    owing = set()
    day = first
    while day <= last:
        for pk, status, nature in kindergartens_as_of(qs, day).values_list("pk", "status_on", "nature_on"):
            if status in COUNTED_STATUSES and nature in COUNTED_NATURES:
                owing.add(pk)
        day += datetime.timedelta(days=1)
    return owing


def test_agrees_with_looking_up_every_day(town):
    """Random histories (both attributes, same-day corrections, changes at both month ends) against the
    day-by-day reading of the history, for a 31-day month, both Februaries and a 30-day month."""
    rng = random.Random(20260210)  # fixed: a failure reproduces
    months = [D(2024, 1, 1), D(2024, 2, 1), D(2025, 2, 1), D(2025, 4, 1), D(2025, 12, 1)]
    days = [D(2023, 12, 31), D(2024, 1, 1), D(2024, 1, 31), D(2024, 2, 1), D(2024, 2, 28), D(2024, 2, 29)]
    days += [D(2025, 2, 1), D(2025, 2, 28), D(2025, 3, 1), D(2025, 4, 15), D(2025, 4, 30), D(2025, 12, 31)]
    statuses, natures = list(Status.values), list(Nature.values)
    for i in range(40):
        kg = _register(town, f"随机园{i}", D(2023, 9, 1), status=rng.choice(statuses), nature=rng.choice(natures))
        # Arbitrary histories straight into the table: the rule reads whatever the history says.
        for day in rng.sample(days, rng.randint(0, 5)):
            attribute = rng.choice(["status", "nature"])
            value = rng.choice(statuses if attribute == "status" else natures)
            KindergartenStatusChange.objects.create(
                kindergarten=kg, attribute=attribute, value=value, effective_date=day
            )
        # The current values follow the history up to today, as the services and the daily task keep them.
        now = kindergartens_as_of(Kindergarten.objects.filter(pk=kg.pk), today()).get()
        Kindergarten.objects.filter(pk=kg.pk).update(
            status=now.status_on, nature=now.nature_on, inclusive_recognised_on=D(2023, 9, 1)
        )
    qs = Kindergarten.objects.filter(district=town.district)
    for month in months:
        expected = _counted_on_some_day(qs, month)
        assert set(kindergartens_owing_report(qs, month).values_list("pk", flat=True)) == expected, month
        assert 0 < len(expected) < 40  # the data exercises both outcomes


def test_one_query(town, django_assert_num_queries):
    for i in range(5):
        _register(town, f"园{i}", D(2024, 9, 1))
    qs = Kindergarten.objects.filter(district=town.district)
    with django_assert_num_queries(1):
        assert len(list(kindergartens_owing_report(qs, D(2025, 1, 1)))) == 5
