"""The list total kept between pages (core.lists): counted once per filter, recounted after any change."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.lists import page_ids_and_total
from kindergartens.models import Kindergarten
from kindergartens.models import KindergartenStatusChange as Change
from tests.factories import KindergartenFactory

pytestmark = pytest.mark.django_db


def _page(qs, offset=0, limit=2):
    with CaptureQueriesContext(connection) as ctx:
        result = page_ids_and_total(qs, offset=offset, limit=limit)
    return result, [q["sql"] for q in ctx.captured_queries]


def test_the_second_page_of_a_filter_does_not_count_again():
    kgs = KindergartenFactory.create_batch(5)
    qs = Kindergarten.objects.filter(pk__in=[k.pk for k in kgs]).order_by("name", "id")
    (ids1, total1), sqls1 = _page(qs)
    assert total1 == 5 and any("COUNT(*)" in sql for sql in sqls1)
    (ids2, total2), sqls2 = _page(qs, offset=2)
    assert total2 == 5
    assert not any("COUNT(*)" in sql for sql in sqls2), sqls2
    assert ids2 == list(qs.values_list("pk", flat=True)[2:4])
    assert set(ids1).isdisjoint(ids2)


def test_a_saved_kindergarten_makes_the_list_count_again():
    kgs = KindergartenFactory.create_batch(3)
    qs = Kindergarten.objects.filter(pk__in=[k.pk for k in kgs], status="operating").order_by("name", "id")
    before = _page(qs)[0][1]
    kgs[0].status = "suspended"
    kgs[0].save()
    (_ids, total), sqls = _page(qs)
    assert total == before - 1
    assert any("COUNT(*)" in sql for sql in sqls)


def test_a_bulk_update_makes_the_list_count_again():
    kgs = KindergartenFactory.create_batch(3)
    qs = Kindergarten.objects.filter(pk__in=[k.pk for k in kgs], status="operating").order_by("name", "id")
    assert _page(qs)[0][1] == 3
    Kindergarten.objects.filter(pk=kgs[1].pk).update(status="suspended")
    assert _page(qs)[0][1] == 2


def test_a_new_dated_change_makes_an_as_of_list_count_again():
    import datetime

    from kindergartens.selectors import kindergartens_on

    kgs = KindergartenFactory.create_batch(3)  # registered today: no history on a day in 2025
    day = datetime.date(2025, 1, 31)
    Change.objects.create(kindergarten=kgs[0], attribute="status", value="operating", effective_date=day)
    scoped = Kindergarten.objects.filter(pk__in=[k.pk for k in kgs])
    qs = kindergartens_on(scoped, day, statuses=["operating"]).order_by("name", "id")
    assert _page(qs)[0] == ([kgs[0].pk], 1)
    # A correction backdated before the day: kgs[2] was operating then too.
    Change.objects.create(
        kindergarten=kgs[2], attribute="status", value="operating", effective_date=datetime.date(2024, 9, 1)
    )
    (ids, total), sqls = _page(qs)
    assert total == 2 and ids == sorted([kgs[0].pk, kgs[2].pk], key=lambda pk: Kindergarten.objects.get(pk=pk).name)
    assert any("COUNT(*)" in sql for sql in sqls)


def test_a_page_past_the_kept_end_is_counted_again():
    kgs = KindergartenFactory.create_batch(3)
    qs = Kindergarten.objects.filter(pk__in=[k.pk for k in kgs]).order_by("name", "id")
    _page(qs)
    (ids, total), sqls = _page(qs, offset=10)
    assert ids == [] and total is None
    assert any("COUNT(*)" in sql for sql in sqls)


def test_rows_written_past_the_signals_do_not_leave_a_wrong_page():
    """A kept total that the rows contradict (rows written without the ORM's signals, as by hand in
    psql or a bulk load) is counted again: never an empty page when rows exist, never stale ids."""
    from django.db import models

    kgs = KindergartenFactory.create_batch(5)
    plain = models.QuerySet(Kindergarten)  # writes that send no signal
    qs = Kindergarten.objects.filter(name__startswith="批量").order_by("name", "id")
    plain.filter(pk__in=[k.pk for k in kgs[:2]]).update(name="批量园")
    assert _page(qs, limit=2)[0][1] == 2  # counted and kept: 2
    plain.filter(pk__in=[k.pk for k in kgs[2:]]).update(name="批量园")
    # Page 2 lies past the kept end: counted again, and it shows the rows there are.
    (ids, total), sqls = _page(qs, offset=2, limit=2)
    assert total == 5 and len(ids) == 2 and any("COUNT(*)" in sql for sql in sqls)
    plain.filter(pk__in=[k.pk for k in kgs]).update(name="已改名")
    # The kept 5 promises two rows on page 2; none are left: counted again, past the end.
    (ids, total), sqls = _page(qs, offset=2, limit=2)
    assert (ids, total) == ([], None) and any("COUNT(*)" in sql for sql in sqls)
