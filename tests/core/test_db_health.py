"""core.db.postgresql: a persistent connection is checked at the start of a request without a round
trip; a session the server ended is replaced by a new one, and a healthy one is kept untouched."""

import time

import pytest
from django.db import connection, connections

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's backend")


@pytest.fixture
def second():
    """A connection of its own (the test's own runs inside its transaction), health-checked."""
    wrapper = connections.create_connection("default")
    wrapper.health_check_enabled = True
    wrapper.ensure_connection()
    yield wrapper
    wrapper.close()


def _backend_pid(wrapper) -> int:
    with wrapper.connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _last_statement(pid: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_a_healthy_connection_is_kept_and_asked_nothing(second):
    pid = _backend_pid(second)
    with second.connection.cursor() as cursor:
        cursor.execute("SELECT 'marker'")
    raw = second.connection
    second.health_check_done = False  # a new request
    second.close_if_health_check_failed()
    assert second.connection is raw and second.health_check_done
    assert _last_statement(pid) == "SELECT 'marker'"  # no SELECT 1 was sent


@pytest.mark.django_db
def test_a_session_the_server_ended_is_replaced(second):
    pid = _backend_pid(second)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and _alive(pid):
        time.sleep(0.05)
    second.health_check_done = False  # the next request
    second.close_if_health_check_failed()
    assert second.connection is None  # closed: the request opens a new one
    with second.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != pid


@pytest.mark.django_db
def test_a_connection_inside_a_transaction_is_not_taken_for_idle(second):
    second.connection.autocommit = False
    with second.connection.cursor() as cursor:
        cursor.execute("SELECT 1")  # a transaction is open now
    second.health_check_done = False
    second.close_if_health_check_failed()
    assert second.connection is None


def _alive(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone() is not None
