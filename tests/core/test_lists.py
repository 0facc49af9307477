"""The shared pieces that keep every list fast: ids-first pages, labels once per language, one-pass selects."""

from html.parser import HTMLParser

import pytest
from django import forms
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.safestring import mark_safe

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
    # One query for the page's ids and the total, one for its rows.
    assert len(ctx.captured_queries) == 2
    ids_sql = ctx.captured_queries[0]["sql"]
    # The narrow query computes no per-row subquery (the enrolment sums are for the loaded rows only).
    assert "SUM(" not in ids_sql.upper() and "COUNT(*)" in ids_sql.upper()


@pytest.mark.parametrize(("number", "ids"), [(1, 3), (2, 3), (3, 1)])
def test_page_ids_and_total_in_one_query(many, number, ids):
    from core.lists import page_ids_and_total

    ordered = list(many.values_list("pk", flat=True))
    with CaptureQueriesContext(connection) as ctx:
        got, total = page_ids_and_total(with_enrolment(many), offset=(number - 1) * 3, limit=3)
    assert len(ctx.captured_queries) == 1
    assert total == 7 and got == ordered[(number - 1) * 3 : number * 3] and len(got) == ids


def test_page_ids_and_total_past_the_end(many):
    from core.lists import page_ids_and_total

    assert page_ids_and_total(many, offset=9, limit=3) == ([], None)
    assert page_ids_and_total(many.none(), offset=0, limit=3) == ([], 0)
    # A filtered queryset counts only what it matches (the subquery carries the same WHERE).
    assert page_ids_and_total(many.filter(capacity__lt=2), offset=0, limit=3)[1] == 2


def test_page_of_ids_falls_back_on_junk_and_out_of_range(many):
    for junk, number in (("x", 1), ("99", 3), ("-1", 3), ("0", 3), ("", 1), ("2.5", 1), ("3", 3)):
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


class _Inputs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.inputs = []

    def handle_starttag(self, tag, attrs):
        self.inputs.append((tag, dict(attrs)))


class _InputForm(StyledFormMixin, forms.Form):
    q = forms.CharField(
        label="搜索",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "名称"}),
    )
    month = forms.CharField(label="月份", max_length=7, widget=forms.TextInput(attrs={"type": "month"}))
    places = forms.IntegerField(label="学位数", min_value=0)
    day = forms.DateField(label="日期", required=False)
    mail = forms.EmailField(label="邮箱", required=False)
    token = forms.CharField(widget=forms.HiddenInput, required=False)
    secret = forms.CharField(label="密码", widget=forms.PasswordInput, required=False)


@pytest.mark.parametrize(
    "data",
    [
        None,
        {"q": "a\"<b>&'c", "month": "2025-03", "places": "12", "day": "2025-03-01", "token": "x&y"},
        {"q": "", "month": "", "places": "-1", "mail": "不是邮箱", "secret": "s3cret"},
    ],
)
def test_fast_inputs_render_what_django_renders(data):
    import datetime

    from core.forms import FastInputMixin

    form = _InputForm(data, initial={"day": datetime.date(2025, 3, 31), "places": 7})
    if data:
        form.is_valid()
    fast_types = {name for name, field in form.fields.items() if isinstance(field.widget, FastInputMixin)}
    assert fast_types == {"q", "month", "places", "day", "mail", "token"}  # the password keeps Django's
    for name in form.fields:
        fast = _Inputs()
        fast.feed(str(form[name]))
        widget = form.fields[name].widget
        swapped = widget.__class__
        widget.__class__ = swapped.__mro__[2] if isinstance(widget, FastInputMixin) else swapped
        slow = _Inputs()
        slow.feed(str(form[name]))
        widget.__class__ = swapped
        assert fast.inputs == slow.inputs, name
    assert 'value="a&quot;&lt;b&gt;&amp;&#x27;c"' in str(form["q"]) or not data or not data.get("q")


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


@pytest.mark.parametrize(
    "attrs",
    [
        {"id": "id_q", "class": "form-control", "required": True, "disabled": False, "maxlength": 100},
        {"placeholder": "a\"<b>&'c", "data-x": None, "aria-label": "搜索"},
        {"title": mark_safe("<b>已转义</b>"), "autofocus": True, "hidden": True},
    ],
)
def test_attrs_html_is_djangos_flatatt(attrs):
    from django.forms.utils import flatatt

    from core.forms import attrs_html

    assert attrs_html(attrs) == flatatt(attrs)


def test_lazy_labels_are_translated_per_language():
    from django.utils.translation import gettext_lazy

    from core.forms import text

    label = gettext_lazy("Yes")
    with translation.override("zh-hans"):
        assert text(label) == str(label) == "是"
        assert text(label) == "是"
    with translation.override("en"):
        assert text(label) == "Yes"
    assert text(5) == "5"


def _slow_page(queryset, offset, limit):
    ids = list(queryset.values_list("pk", flat=True))
    page = ids[offset : offset + limit]
    return page, len(ids) if page or offset == 0 else None  # past the end: no row carries the total


@pytest.mark.parametrize("offset", [0, 3, 6])
def test_page_and_total_from_one_compilation(many, monkeypatch, offset):
    """The usual lists (plain ordering) take the one-compilation path and agree with reading every
    row; the as-of filters' subqueries with their own ORDER BY do not confuse the cut."""
    import datetime

    import core.lists
    from core.lists import page_ids_and_total
    from kindergartens.selectors import with_values_on

    def refuse(*args, **kwargs):
        raise AssertionError("took the two-compilation path")

    querysets = [
        many,
        many.order_by("name", "id"),
        many.order_by("-capacity", "id").distinct(),
        with_values_on(many, datetime.date(2030, 1, 31)).filter(status_then="operating").order_by("name", "id"),
        many.filter(name__contains="号园").exclude(capacity=3).order_by("capacity", "-id"),
    ]
    monkeypatch.setattr(core.lists, "RawSQL", refuse)
    for queryset in querysets:
        assert page_ids_and_total(queryset, offset=offset, limit=3) == _slow_page(queryset, offset, 3)


def test_other_shapes_take_the_orm_path(many):
    from django.db.models import Case, IntegerField, Value, When

    from core.lists import page_ids_and_total

    # A parameter in the ORDER BY (and no ordering at all): compiled twice, the same answer.
    weighted = many.order_by(
        Case(When(capacity__gte=4, then=Value(0)), default=Value(1), output_field=IntegerField()), "id"
    )
    assert page_ids_and_total(weighted, offset=2, limit=3) == _slow_page(weighted, 2, 3)
    unordered = many.order_by()
    ids, total = page_ids_and_total(unordered, offset=0, limit=10)
    assert sorted(ids) == sorted(many.values_list("pk", flat=True)) and total == 7


def test_a_filter_select_reads_its_options_once_per_form(monkeypatch):
    """The options of a filter select come from the cache once per form, however often the select is
    walked; an optional select does not read them to decide on ``required``."""
    import kindergartens.forms as kg_forms
    from core.forms import FastSelect

    reads = []

    def fake_lookup_many(entries):
        reads.extend(key for key, _depends_on in entries)
        return [(False, None, "") for _entry in entries]

    monkeypatch.setattr(kg_forms, "lookup_many", fake_lookup_many)
    choices = kg_forms.CachedChoices("k", lambda: [(1, "甲"), (2, "乙")], (), "全部")
    widget = FastSelect(choices=())
    widget.choices = choices
    widget.is_required = False
    assert widget.use_required_attribute(None) is False and reads == []
    html = widget.render("district", "2")
    assert list(choices) == [("", "全部"), (1, "甲"), (2, "乙")]
    assert reads == ["k"] and 'value="2" selected' in html
    widget.is_required = True
    assert widget.use_required_attribute(None) is True  # an empty first option: "required" may be set
    assert reads == ["k"]


def test_a_filter_bars_selects_are_read_in_one_round_trip(cast, monkeypatch):
    """The list's filter bar has four cached option lists: the first one rendered reads them all, in
    one round trip to the cache, and each shows its own options (built once, then kept)."""
    import kindergartens.forms as kg_forms
    from core import cache as core_cache

    calls = []
    real = core_cache.lookup_many

    def counting(entries):
        calls.append([key for key, _d in entries])
        return real(entries)

    monkeypatch.setattr(kg_forms, "lookup_many", counting)
    for _ in range(2):  # built and kept, then read
        form = kg_forms.KindergartenFilterForm({"district": ""}, user=cast.bureau_staff)
        html = form.as_div() if hasattr(form, "as_div") else str(form)
        assert cast.town_a.name in str(html) and cast.village_a.name in str(html)
    assert len(calls) == 2 and all(len(keys) == 4 for keys in calls)
    assert calls[0] == calls[1]
    # A township added since: the kept options are stale, and read again.
    from tests.factories import TownshipFactory

    TownshipFactory(district=cast.district_a, name="新设街道")
    form = kg_forms.KindergartenFilterForm({"district": ""}, user=cast.bureau_staff)
    assert "新设街道" in str(form) and len(calls) == 3
