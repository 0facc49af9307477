"""The shared pieces that keep every list fast: ids-first pages, labels once per language, one-pass selects."""

from html.parser import HTMLParser

import pytest
from django import forms
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from core.forms import FastSelect, StyledFormMixin
from core.lists import choice_labels, page_of_ids
from kindergartens.models import Kindergarten, Nature, Status
from kindergartens.selectors import kindergarten_list_rows, name_search, with_enrolment
from kindergartens.services import kindergarten_create, kindergarten_update


@pytest.fixture
def many(cast):
    for i in range(7):
        kindergarten_create(
            actor=None, name=f"测试{i}号园", district=cast.district_a, township=cast.town_a, nature="public", capacity=i
        )
    return Kindergarten.objects.filter(name__startswith="测试").order_by("-capacity", "id")


def test_page_of_ids_keeps_the_order_and_loads_only_the_page(many):
    request = RequestFactory().get("/", {"page": "2"})
    loaded = []

    def load(ids):
        loaded.append(list(ids))
        return Kindergarten.objects.filter(pk__in=ids).order_by("?")  # any order: the page restores it

    with CaptureQueriesContext(connection) as ctx:
        page = page_of_ids(request, with_enrolment(many), load=load, per_page=3)
    assert [kg.capacity for kg in page.object_list] == [3, 2, 1]
    assert page.paginator.count == 7 and page.number == 2 and len(loaded) == 1 and len(loaded[0]) == 3
    count_sql, ids_sql = ctx.captured_queries[0]["sql"], ctx.captured_queries[1]["sql"]
    # The narrow queries compute no per-row subquery (the enrolment sums are for the loaded rows only).
    assert "SUM(" not in count_sql.upper() and "SUM(" not in ids_sql.upper()


def test_page_of_ids_falls_back_on_junk_and_out_of_range(many):
    for junk, number in (("x", 1), ("99", 3), ("-1", 3)):
        page = page_of_ids(RequestFactory().get("/", {"page": junk}), many, load=lambda ids: many, per_page=3)
        assert page.number == number
    empty = page_of_ids(RequestFactory().get("/"), many.none(), load=lambda ids: many, per_page=3)
    assert list(empty.object_list) == [] and empty.paginator.count == 0


def test_list_rows_carry_labels_and_the_supervisor(cast):
    (row,) = kindergarten_list_rows([cast.kg_a1.pk])
    assert (row.nature_label, row.status_label) == ("公办", "在办")
    assert row.supervisor_display == cast.supervisor.display_name


def test_labels_once_per_language():
    assert choice_labels(Nature)["inclusive_private"] == "普惠性民办"
    assert choice_labels(Status) is choice_labels(Status)  # built once
    assert cast_display() == "普惠性民办"


def cast_display():
    kg = Kindergarten(nature="inclusive_private")
    with translation.override("zh-hans"):
        return kg.get_nature_display()


def test_display_falls_back_to_the_value_like_django():
    assert Kindergarten(nature="bogus").get_nature_display() == "bogus"
    assert Kindergarten(status="closed").get_status_display() == "注销"


@pytest.mark.parametrize(
    ("typed", "found"),
    [("ABC", True), ("abc", True), ("双语", True), ("蒙特", False), ("52 21", True), ("5221xx", False)],
)
def test_name_search(cast, typed, found):
    kg = kindergarten_create(
        actor=None, name="ABC双语幼儿园", district=cast.district_a, township=cast.town_a, nature="private"
    )
    kindergarten_update(actor=None, kindergarten=kg, changes={"credit_code": "52211104MJ000000K0"}, check_rights=False)
    assert Kindergarten.objects.filter(name_search(typed), pk=kg.pk).exists() is found


class _Options(HTMLParser):
    def __init__(self):
        super().__init__()
        self.options, self.attrs = [], {}

    def handle_starttag(self, tag, attrs):
        if tag == "select":
            self.attrs = dict(attrs)
        if tag == "option":
            a = dict(attrs)
            self.options.append((a["value"], "selected" in a))


class _Form(StyledFormMixin, forms.Form):
    kind = forms.ChoiceField(
        label="性质", choices=[("", "全部"), ("a", "A<甲>"), ("组", [("b", "B"), ("c", "C")])], required=False
    )
    must = forms.ChoiceField(label="必选", choices=[("", "请选择"), ("x", "X")])


@pytest.mark.parametrize("data", [{}, {"kind": "b", "must": "x"}, {"kind": "a"}])
def test_fast_select_renders_what_django_renders(data):
    form = _Form(data or None)
    assert type(form.fields["kind"].widget) is FastSelect
    for name in ("kind", "must"):
        fast = _Options()
        fast.feed(str(form[name]))
        form.fields[name].widget.__class__ = forms.Select
        slow = _Options()
        slow.feed(str(form[name]))
        form.fields[name].widget.__class__ = FastSelect
        assert fast.options == slow.options and fast.attrs == slow.attrs
    assert "A&lt;甲&gt;" in str(form["kind"])


@pytest.mark.parametrize("day", [None, "2024-08-31", "2025-02-28", "2025-03-31", "2025-04-30"])
def test_list_rows_agree_with_the_orm(cast, day):
    """The list's hand-written rows query says what the ORM's definitions say (as-of values, enrolment)."""
    import datetime as dt

    from kindergartens.selectors import kindergartens_as_of
    from supervision.models import SupervisorAssignment
    from tests.kindergartens.test_selectors import build_dated

    sun, star = build_dated(cast)
    day = dt.date.fromisoformat(day) if day else None
    ids = [cast.kg_a1.pk, cast.kg_a2.pk, sun.pk, star.pk]
    rows = {r.pk: r for r in kindergarten_list_rows(ids, as_of=day)}
    orm = with_enrolment(Kindergarten.objects.filter(pk__in=ids)).select_related("level", "township")
    if day:
        orm = kindergartens_as_of(orm, day)
    for kg in orm:
        row = rows[kg.pk]
        assert (row.name, row.nature, row.status, row.capacity, row.enrolled) == (
            kg.name,
            kg.nature,
            kg.status,
            kg.capacity,
            kg.enrolled,
        )
        assert row.level_name == (kg.level.name if kg.level_id else None)
        assert row.rural == kg.township.is_rural
        active = SupervisorAssignment.objects.filter(kindergarten=kg, ended_at__isnull=True).first()
        assert row.supervisor_display == (active.supervisor.display_name if active else "")
        if day:
            assert (row.status_on, row.nature_on) == (kg.status_on, kg.nature_on)
