"""core.db.template.SQLTemplate, and the dated history's filters written with it.

The registry's "status and nature on a past day" conditions are hand-written SQL inside the ORM's
query (kindergartens.selectors): they must mean exactly what the ORM's own subqueries say
(``kindergartens_as_of``, the display rule), on every day around the history's changes, also when
the query they sit in becomes a subquery of another (its tables relabelled)."""

import datetime

import pytest
from django.db.models import BooleanField, F, Q

from core.db.template import SQLTemplate
from kindergartens.models import Bureau, Kindergarten, Nature, Status
from kindergartens.selectors import kindergartens_as_of, kindergartens_on, with_values_on
from kindergartens.services import kindergarten_update, today
from tests.factories import KindergartenFactory

D = datetime.date


@pytest.fixture
def history(cast):
    """District A: the cast's kg_a1/kg_a2 plus kindergartens whose status and nature changed."""

    def make(name, nature, status, since):
        return KindergartenFactory(name=name, township=cast.town_a, nature=nature, status=status, effective_date=since)

    def change(kg, when, **changes):
        kindergarten_update(actor=None, kindergarten=kg, changes=changes, effective_date=when, check_rights=False)

    suspended = make("停办园", Nature.PRIVATE, Status.OPERATING, D(2024, 9, 1))
    change(suspended, D(2025, 1, 1), status=Status.SUSPENDED)
    reopened = make("复办园", Nature.PRIVATE, Status.OPERATING, D(2024, 3, 1))
    change(reopened, D(2024, 6, 1), status=Status.SUSPENDED)
    change(
        reopened,
        D(2025, 2, 1),
        status=Status.OPERATING,
        nature=Nature.INCLUSIVE_PRIVATE,
        inclusive_recognised_on=D(2025, 2, 1),
    )
    make("新园", Nature.PUBLIC, Status.PREPARING, D(2025, 5, 1))
    today_changed = make("今日变更园", Nature.PRIVATE, Status.OPERATING, D(2024, 1, 1))
    change(
        today_changed,
        today(),
        nature=Nature.INCLUSIVE_PRIVATE,
        status=Status.RECTIFYING,
        inclusive_recognised_on=today(),
    )
    return cast


DAYS = [
    D(2023, 12, 31),
    D(2024, 3, 1),
    D(2024, 5, 31),
    D(2024, 6, 1),
    D(2024, 12, 31),
    D(2025, 1, 1),
    D(2025, 1, 31),
    D(2025, 2, 1),
    D(2025, 4, 30),
    D(2025, 5, 1),
]


def _reference(day):
    """id -> (status, nature) on the day, by the ORM's own subqueries (the display rule)."""
    rows = kindergartens_as_of(Kindergarten.objects.all(), day).values_list("pk", "status_on", "nature_on")
    return {pk: (status, nature) for pk, status, nature in rows}


@pytest.mark.parametrize("offset", [None, -1, 0])
def test_the_dated_filters_mean_what_the_history_says(history, offset):
    days = DAYS if offset is None else [today() + datetime.timedelta(days=offset)]
    operating = [Status.OPERATING.value, Status.RECTIFYING.value]
    inclusive = [Nature.INCLUSIVE_PRIVATE.value, Nature.PUBLIC.value]
    for day in days:
        expected = _reference(day)
        registered = {pk for pk, (status, _n) in expected.items() if status is not None}
        assert set(kindergartens_on(Kindergarten.objects.all(), day).values_list("pk", flat=True)) == registered, day
        got = set(
            kindergartens_on(Kindergarten.objects.all(), day, statuses=operating, natures=inclusive).values_list(
                "pk", flat=True
            )
        )
        want = {pk for pk, (status, nature) in expected.items() if status in operating and nature in inclusive}
        assert got == want, day
        values = {
            pk: (s, n)
            for pk, s, n in with_values_on(Kindergarten.objects.all(), day).values_list(
                "pk", "status_then", "nature_then"
            )
        }
        assert values == expected, day


def test_a_change_effective_today_is_read_from_the_history(history):
    kg = Kindergarten.objects.get(name="今日变更园")
    row = with_values_on(Kindergarten.objects.filter(pk=kg.pk), today()).values("status_then", "nature_then").get()
    assert row == {"status_then": Status.RECTIFYING.value, "nature_then": Nature.INCLUSIVE_PRIVATE.value}
    yesterday = today() - datetime.timedelta(days=1)
    row = with_values_on(Kindergarten.objects.filter(pk=kg.pk), yesterday).values("status_then", "nature_then").get()
    assert row == {"status_then": Status.OPERATING.value, "nature_then": Nature.PRIVATE.value}


def test_no_value_matches_nothing(history):
    assert not kindergartens_on(Kindergarten.objects.all(), D(2025, 3, 1), statuses=[]).exists()


def test_inside_another_query_the_outer_columns_are_relabelled(history):
    """As a subquery of a query over another table, ``{pk}`` must name the subquery's own
    kindergarten (relabelled U0…), not a table of the outer query."""
    day = D(2025, 1, 15)
    inner = kindergartens_on(Kindergarten.objects.all(), day, statuses=[Status.SUSPENDED.value])
    assert set(inner.values_list("name", flat=True)) == {"停办园", "复办园"}
    districts = Bureau.objects.filter(pk__in=inner.values("district_id"))
    assert list(districts) == [history.district_a]
    again = Kindergarten.objects.filter(pk__in=inner.values("pk")).exclude(district=history.district_b)
    assert set(again.values_list("name", flat=True)) == {"停办园", "复办园"}
    joined = Bureau.objects.filter(pk=history.district_a.pk, kindergartens__in=inner.values("pk"))
    assert joined.count() == 2


def test_a_template_names_columns_and_takes_dates(cast):
    opened = SQLTemplate(
        "({name} = %s AND {pk} > %s AND %s > %s)",
        ["大洼区第一幼儿园", 0, D(2025, 2, 1), D(2025, 1, 1)],
        output_field=BooleanField(),
        name=F("name"),
        pk=F("pk"),
    )
    names = set(Kindergarten.objects.filter(opened).values_list("name", flat=True))
    assert names == set(Kindergarten.objects.filter(name="大洼区第一幼儿园").values_list("name", flat=True))
    assert Kindergarten.objects.filter(Q(opened) | Q(pk=cast.kg_b1.pk)).count() == len(names) + 1
    assert Kindergarten.objects.filter(~Q(opened)).count() == Kindergarten.objects.count() - len(names)


def test_a_column_with_parameters_is_refused(cast):
    from django.db.models import Value
    from django.db.models.functions import Concat

    bad = SQLTemplate("{x} = %s", ["a"], output_field=BooleanField(), x=Concat(F("name"), Value("!")))
    with pytest.raises(ValueError, match="compiled with parameters"):
        list(Kindergarten.objects.filter(bad))
