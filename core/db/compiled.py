"""ORM queries a page runs on every request, built and compiled once per process.

Building a queryset with a few subqueries and compiling it to SQL costs Django more CPU than
PostgreSQL spends running it: the kindergarten record's safety panel (one query, five subqueries)
took 2.2 ms of CPU per request, nearly all of it in the ORM. ``CompiledQuery`` builds the queryset
once per database connection alias, with a stand-in value for each parameter, keeps the SQL and
where the stand-ins went, and then only substitutes the values, runs the SQL and converts the rows
with the compiler's own converters (dates on SQLite, decimals…), as the queryset would.

The queryset is written as usual, as a function of its parameters; what it must not do is read
anything else that changes (today's date, the user, settings): that would be frozen at the first
call. Parameters are integers (ids) or dates: their stand-ins are values no real row has, and a
stand-in that does not come out unchanged in the compiled parameters is an error, not a guess.
"""

from __future__ import annotations

import datetime
import threading
from collections.abc import Callable

from django.db import connections
from django.db.models import QuerySet

# Stand-ins: a value of the parameter's type no real query uses (negative ids; days in year 1).
_INT_BASE = -7_391_000_000
_DAY_BASE = datetime.date(1, 1, 1)


def _stand_in(kind: type, position: int):
    if kind is int:
        return _INT_BASE - position
    if kind is datetime.date:
        return _DAY_BASE + datetime.timedelta(days=position)
    raise TypeError(f"CompiledQuery parameters are int or datetime.date, not {kind.__name__}")


class CompiledQuery:
    """``CompiledQuery(build, kindergarten=int)``: ``build(kindergarten=…)`` returns a ``values()``
    queryset; ``.rows(kindergarten=5)`` its rows as dicts, ``.one(…)`` the only row (or None)."""

    def __init__(self, build: Callable[..., QuerySet], **params: type) -> None:
        self._build = build
        self._params = params
        self._compiled: dict[str, tuple] = {}
        self._lock = threading.Lock()

    def _compile(self, alias: str) -> tuple:
        stand_ins = {name: _stand_in(kind, i) for i, (name, kind) in enumerate(self._params.items())}
        queryset = self._build(**stand_ins)
        query = queryset.query
        if not query.values_select and not query.annotation_select:
            raise TypeError("CompiledQuery needs a values() queryset")
        compiler = query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        # As the backend adapts them (SQLite passes dates as text).
        by_value = {self._adapt(alias, value): name for name, value in stand_ins.items()}
        slots = [
            (i, by_value[p]) for i, p in enumerate(params) if isinstance(p, int | str | datetime.date) and p in by_value
        ]
        missing = set(stand_ins) - {name for _, name in slots}
        if missing:
            raise ValueError(f"CompiledQuery: the parameters {sorted(missing)} are not in the compiled SQL as given")
        names = [*query.extra_select, *query.values_select, *query.annotation_select]
        return sql, list(params), slots, names, compiler

    @staticmethod
    def _adapt(alias: str, value):
        if isinstance(value, datetime.date):
            return connections[alias].ops.adapt_datefield_value(value)
        return value

    def rows(self, **values) -> list[dict]:
        if set(values) != set(self._params):
            raise TypeError(f"CompiledQuery takes {sorted(self._params)}")
        alias = "default"
        compiled = self._compiled.get(alias)
        if compiled is None:
            with self._lock:
                compiled = self._compiled.get(alias) or self._compile(alias)
                self._compiled[alias] = compiled
        sql, params, slots, names, compiler = compiled
        params = list(params)
        for index, name in slots:
            params[index] = self._adapt(alias, values[name])
        with connections[alias].cursor() as cursor:
            cursor.execute(sql, params)
            fetched = cursor.fetchall()
        return [dict(zip(names, row, strict=True)) for row in compiler.results_iter(results=[fetched])]

    def one(self, **values) -> dict | None:
        rows = self.rows(**values)
        if len(rows) > 1:
            raise ValueError("CompiledQuery.one: more than one row")
        return rows[0] if rows else None
