"""Statements a list page runs on every request, planned once per database connection.

PostgreSQL spent longer planning a list page's row query (four joins, two subqueries per row:
about 0.9 ms) than running it (0.5 ms). Connections persist (``CONN_MAX_AGE``), so each such
statement is ``PREPARE``d once per connection and then only ``EXECUTE``d. A prepared statement
belongs to the session, not the transaction (a rollback keeps it), and dies with the connection;
which ones a connection holds is asked of ``pg_prepared_statements`` the first time, so a name is
never prepared twice. Other databases (SQLite, the embedded default) run the same SQL as is.
The connection sets ``plan_cache_mode = force_generic_plan`` (config.settings.base): otherwise
PostgreSQL re-plans a statement with parameters on every run whenever its generic plan looks
costlier than a custom one, which it did for the API list's rows (an array of ids), and nothing is
saved.

The SQL is written with ``$1``, ``$2``… placeholders; ``= ANY($n)`` takes a list (a page's ids),
which elsewhere becomes ``IN (…)``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from django.db import connection

# "= ANY($n)" (a list) or "$n" (one value), left to right.
_PLACEHOLDER = re.compile(r"= ANY\(\$(\d+)\)|\$(\d+)")


def fetch_prepared(name: str, sql: str, params: Sequence, *, types: Sequence[str]) -> list[tuple]:
    """The rows of ``sql`` run with ``params`` (``types``: their PostgreSQL types, for PREPARE)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            if name not in _prepared_on_this_connection(cursor):
                cursor.execute(f"PREPARE {name}({', '.join(types)}) AS {sql}")
                _prepared_on_this_connection(cursor).add(name)
            cursor.execute(f"EXECUTE {name}({', '.join(['%s'] * len(params))})", list(params))
        else:
            cursor.execute(*_portable(sql, params))
        return cursor.fetchall()


def _prepared_on_this_connection(cursor) -> set[str]:
    raw = connection.connection  # psycopg2's connection: a new one after every reconnect
    known = getattr(connection, "_kg_prepared", None)
    if known is None or known[0] is not raw:
        cursor.execute("SELECT name FROM pg_prepared_statements")
        known = (raw, {row[0] for row in cursor.fetchall()})
        connection._kg_prepared = known
    return known[1]


def _portable(sql: str, params: Sequence) -> tuple[str, list]:
    """``sql`` with ``%s`` placeholders in the order they occur, and the matching parameters."""
    flat: list = []

    def placeholder(match: re.Match) -> str:
        if match[1] is not None:  # = ANY($n): a list
            values = list(params[int(match[1]) - 1])
            flat.extend(values)
            return f"IN ({', '.join(['%s'] * len(values))})" if values else "IN (NULL)"
        flat.append(params[int(match[2]) - 1])
        return "%s"

    return _PLACEHOLDER.sub(placeholder, sql), flat
