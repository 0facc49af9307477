"""Statements planned once per connection (core.db.prepared)."""

import datetime

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from core.db.prepared import _portable, fetch_prepared
from kindergartens.selectors import kindergarten_list_rows

SQL = "SELECT k.id, k.name FROM kindergartens_kindergarten k WHERE k.id = ANY($1) AND $2 IS NOT NULL ORDER BY k.id"


def test_portable_sql_follows_the_text():
    text, params = _portable("SELECT 1 WHERE a = ANY($1) AND b <= $2 AND c <= $2 OR d = ANY($3)", [[1, 2], "x", []])
    assert text == "SELECT 1 WHERE a IN (%s, %s) AND b <= %s AND c <= %s OR d IN (NULL)"
    assert params == [1, 2, "x", "x"]


def test_rows_are_the_same_either_way(cast):
    ids = [cast.kg_a1.pk, cast.kg_a2.pk]
    day = datetime.date(2030, 1, 31)
    rows = fetch_prepared("kg_test_rows", SQL, [ids, day], types=["bigint[]", "date"])
    assert rows == sorted((kg.pk, kg.name) for kg in (cast.kg_a1, cast.kg_a2))
    assert fetch_prepared("kg_test_rows", SQL, [[], day], types=["bigint[]", "date"]) == []


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_prepared_once_per_connection_and_kept_across_a_rollback(cast):
    ids = [cast.kg_a1.pk]
    fetch_prepared("kg_test_once", SQL, [ids, datetime.date(2030, 1, 1)], types=["bigint[]", "date"])
    with CaptureQueriesContext(connection) as ctx:
        try:
            with transaction.atomic():
                fetch_prepared("kg_test_once", SQL, [ids, datetime.date(2030, 1, 1)], types=["bigint[]", "date"])
                raise RuntimeError("roll back")
        except RuntimeError:
            pass
        rows = fetch_prepared("kg_test_once", SQL, [ids, datetime.date(2030, 1, 2)], types=["bigint[]", "date"])
    statements = [q["sql"] for q in ctx.captured_queries]
    assert not any(s.startswith("PREPARE") for s in statements)
    assert rows == [(cast.kg_a1.pk, cast.kg_a1.name)]


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_a_new_connection_prepares_again(cast):
    fetch_prepared("kg_test_reconnect", SQL, [[cast.kg_a1.pk], datetime.date(2030, 1, 1)], types=["bigint[]", "date"])
    # A statement prepared behind our back (another path, a lost record) is found, not prepared twice.
    connection._kg_prepared = None
    fetch_prepared("kg_test_reconnect", SQL, [[cast.kg_a1.pk], datetime.date(2030, 1, 1)], types=["bigint[]", "date"])
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE name = 'kg_test_reconnect'")
        assert cursor.fetchone() == (1,)


def test_list_rows_after_the_connection_closes(cast):
    first = kindergarten_list_rows([cast.kg_a1.pk])
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        connection.close()
    assert kindergarten_list_rows([cast.kg_a1.pk]) == first


def test_a_prepared_statement_is_not_planned_again_on_postgresql(db):
    """plan_cache_mode = force_generic_plan (config.settings.base): PostgreSQL runs the statement's one
    generic plan; by default its first five runs (and any later one it judged better so) are planned
    anew (pg_prepared_statements counts both)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    sql = "SELECT id FROM kindergartens_kindergarten WHERE id = ANY($1)"
    for ids in ([1, 2], [3], [4, 5, 6]):
        fetch_prepared("test_generic", sql, [ids], types=["bigint[]"])
    with connection.cursor() as cursor:
        cursor.execute("SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE name = 'test_generic'")
        assert cursor.fetchone() == (3, 0)
