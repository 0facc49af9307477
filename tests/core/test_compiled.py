"""ORM queries compiled once (core.db.compiled): the same rows and instances, converted the same way,
as the queryset they are built from; the builder runs once per context; a parameter that does not
reach the SQL as given is refused."""

import datetime

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.db.compiled import CompiledQuery
from kindergartens.models import Kindergarten, KindergartenStatusChange
from safety.home import PANEL_QUERY, _panel_query
from safety.services import video_check_record
from tests.safety.helpers import report


def test_the_safety_panel_reads_what_its_queryset_reads(cast):
    report(cast, occurred_at=timezone.now() - datetime.timedelta(hours=1))
    report(cast, occurred_at=timezone.now() - datetime.timedelta(hours=2))
    video_check_record(
        actor=cast.kg_director,
        kindergarten=cast.kg_a1,
        month=timezone.localdate().replace(day=1),
        cameras_total=12,
        cameras_working=11,
        retention_days=30,
        retention_verified=True,
        faults="一个摄像头镜头污损，已清洁。",
    )
    PANEL_QUERY.one(kindergarten=cast.kg_a1.pk)  # compiled (and on PostgreSQL prepared) here
    for kg in (cast.kg_a1, cast.kg_a2, cast.kg_b1):
        expected = _panel_query(kg.pk).get()
        with CaptureQueriesContext(connection) as ctx:
            assert PANEL_QUERY.one(kindergarten=kg.pk) == expected
        assert len(ctx) == 1
    row = PANEL_QUERY.one(kindergarten=cast.kg_a1.pk)
    assert row["open_incidents"] == 2 and row["check_working"] == 11
    assert row["check_month"] == timezone.localdate().replace(day=1)  # a date, also on SQLite
    assert PANEL_QUERY.one(kindergarten=-1) is None


def test_built_once_and_run_with_each_calls_values(cast):
    built = []

    def changes(kindergarten, since):
        built.append((kindergarten, since))
        return KindergartenStatusChange.objects.filter(kindergarten_id=kindergarten, effective_date__gte=since).values(
            "kindergarten_id", "effective_date"
        )

    query = CompiledQuery(changes, kindergarten=int, since=datetime.date)
    for kg in (cast.kg_a1, cast.kg_a2):
        for since in (datetime.date(2000, 1, 1), datetime.date(2999, 1, 1)):
            assert query.rows(kindergarten=kg.pk, since=since) == list(changes(kg.pk, since))
    assert len(built) == 1 + 4  # the stand-ins once, then the comparisons' own calls
    with pytest.raises(TypeError):
        query.rows(kindergarten=cast.kg_a1.pk)


def test_a_parameter_the_sql_does_not_carry_as_given_is_refused(cast):
    shifted = CompiledQuery(
        lambda kindergarten: Kindergarten.objects.filter(pk=kindergarten + 1).values("pk"), kindergarten=int
    )
    with pytest.raises(ValueError, match="kindergarten"):
        shifted.rows(kindergarten=cast.kg_a1.pk)
    with pytest.raises(TypeError):
        CompiledQuery(lambda name: Kindergarten.objects.filter(name=name).values("pk"), name=str).rows(name="x")
    with pytest.raises(TypeError):  # the parameters named, no more, no fewer
        shifted.rows(kindergarten=cast.kg_a1.pk, district=1)
    # A model queryset's rows are instances.
    (kg,) = CompiledQuery(lambda kindergarten: Kindergarten.objects.filter(pk=kindergarten), kindergarten=int).rows(
        kindergarten=cast.kg_a1.pk
    )
    assert isinstance(kg, Kindergarten) and kg.pk == cast.kg_a1.pk and kg.name == cast.kg_a1.name


def test_the_record_pages_open_orders_count_is_the_scoped_count(cast):
    from supervision.access import orders_visible_to
    from supervision.home import OPEN_ORDERS
    from supervision.models import RectificationOrder
    from supervision.selectors import ORDER_FILTERS
    from tests.supervision.test_record_links import _issue

    _issue(cast, cast.kg_a1)
    _issue(cast, cast.kg_a1, "午睡室消防器材过期")
    assert RectificationOrder.objects.filter(kindergarten=cast.kg_a1).count() == 2
    for kg in (cast.kg_a1, cast.kg_a2):
        scoped = orders_visible_to(cast.bureau_staff).filter(ORDER_FILTERS["open"][1], kindergarten_id=kg.pk).count()
        row = OPEN_ORDERS.one(kindergarten=kg.pk)
        assert (row["n"] if row else 0) == scoped
    assert OPEN_ORDERS.one(kindergarten=cast.kg_a1.pk) == {"n": 2}


def _with_relations(pk):
    return Kindergarten.objects.select_related("district", "township").filter(pk=pk)


WITH_RELATIONS = CompiledQuery(_with_relations, pk=int)


def test_get_is_the_orms_get_with_its_related_objects(cast, django_assert_num_queries):
    WITH_RELATIONS.get(pk=cast.kg_a1.pk)  # compiled here
    for kg in (cast.kg_a1, cast.kg_a2, cast.kg_b1):
        with django_assert_num_queries(1):
            got = WITH_RELATIONS.get(pk=kg.pk)
            assert got.district.name == kg.district.name and got.township.name == kg.township.name
        expected = _with_relations(kg.pk).get()
        assert [getattr(got, f.attname) for f in Kindergarten._meta.concrete_fields] == [
            getattr(expected, f.attname) for f in Kindergarten._meta.concrete_fields
        ]
        assert got._state.db == expected._state.db and not got._state.adding
    with pytest.raises(Kindergarten.DoesNotExist):
        WITH_RELATIONS.get(pk=10**9)


def test_get_locks_inside_a_transaction(cast):
    locked = CompiledQuery(
        lambda pk: Kindergarten.objects.select_for_update(of=("self",)).select_related("district").filter(pk=pk),
        pk=int,
    )
    with transaction.atomic():
        assert locked.get(pk=cast.kg_a2.pk).pk == cast.kg_a2.pk
        assert locked.get(pk=cast.kg_b1.pk).district == cast.kg_b1.district


def test_sql_puts_the_district_in_the_stand_ins_place_once_per_context(cast):
    built = []

    def query(context, district):
        built.append(context)
        return Kindergarten.objects.filter(district_id=district, capacity__gte=context[0]).order_by().values("pk")

    district_query = CompiledQuery(query, district=int)
    for context in ((0,), (10**6,)):
        for district in (cast.district_a, cast.district_b, cast.district_a):
            sql, params = district_query.sql(context=context, district=district.pk)
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                got = {row[0] for row in cursor.fetchall()}
            expected = query(context, district.pk)
            built.pop()
            assert got == set(expected.values_list("pk", flat=True))
    assert built == [(0,), (10**6,)]  # compiled once per context


def test_a_prepared_query_is_planned_once_per_connection_and_runs_as_plain_sql_elsewhere(cast):
    from django.db import DEFAULT_DB_ALIAS, connections
    from django.db.models import BooleanField
    from django.db.models.expressions import RawSQL

    query = CompiledQuery(_with_relations, prepare=True, pk=int)
    for kg in (cast.kg_a1, cast.kg_b1, cast.kg_a1):
        assert query.get(pk=kg.pk).township == kg.township
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE name LIKE 'cq_%%'")
            assert cursor.fetchone()[0] >= 1
    # A statement PostgreSQL cannot prepare ("$1 IS NULL": the parameter's type is unknown) runs as plain
    # SQL, in the same transaction, which stays usable.
    echo = CompiledQuery(
        lambda pk: (
            Kindergarten.objects.filter(pk=pk)
            .annotate(echo=RawSQL("%s IS NULL", (pk,), output_field=BooleanField()))
            .values("pk", "echo")
        ),
        prepare=True,
        pk=int,
    )
    assert echo.one(pk=cast.kg_a2.pk)["pk"] == cast.kg_a2.pk
    assert echo.one(pk=cast.kg_b1.pk)["pk"] == cast.kg_b1.pk
    assert Kindergarten.objects.filter(pk=cast.kg_a2.pk).exists()
    if connection.vendor == "postgresql":
        from core.db import compiled

        (form,) = echo._compiled.values()
        wrapper = connections[DEFAULT_DB_ALIAS]
        assert (id(wrapper), form.name) in compiled._unpreparable
        (kept,) = query._compiled.values()
        assert (id(wrapper), kept.name) not in compiled._unpreparable


def test_the_record_reads_its_panels_figures_with_the_kindergarten(cast):
    """core.registry.panel_annotations: the record's one query carries each panel's figures, named for
    the panel; they are what the panels' own queries (the fallback) count."""
    from core.registry import panel_annotations, panel_values
    from kindergartens.access import kindergarten_get_for_user
    from safety.home import PANEL_QUERY
    from supervision.home import OPEN_ORDERS
    from tests.supervision.test_record_links import _issue

    _issue(cast, cast.kg_a1)
    _issue(cast, cast.kg_a1, "午睡室消防器材过期")
    names = set(panel_annotations("kindergarten-actions"))
    assert {"panel_safety_open_incidents", "panel_supervision_open_orders"} <= names
    for kg in (cast.kg_a1, cast.kg_a2):
        read = kindergarten_get_for_user(cast.bureau_staff, kg.pk, panels="kindergarten-actions")
        orders = OPEN_ORDERS.one(kindergarten=kg.pk)
        assert panel_values("kindergarten-actions", "supervision", read) == {
            "open_orders": orders["n"] if orders else 0
        }
        assert panel_values("kindergarten-actions", "safety", read) == PANEL_QUERY.one(kindergarten=kg.pk)
        plain = kindergarten_get_for_user(cast.bureau_staff, kg.pk)
        assert panel_values("kindergarten-actions", "safety", plain) is None  # the panel reads them itself
    assert panel_values("kindergarten-actions", "supervision", read)["open_orders"] == 0
    assert panel_values("no-such-slot", "safety", read) is None
