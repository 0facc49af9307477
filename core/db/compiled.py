"""ORM queries run on every request (or for every district), built and compiled once.

Building a queryset with a few joins or subqueries and compiling it to SQL costs Django more CPU
than PostgreSQL spends running it: the kindergarten record's safety panel (one query, five
subqueries) took 2.2 ms of CPU per request, nearly all of it in the ORM; a district report's build
spent ~15 ms building the "who owes the month" rule's SQL and ~1 ms the locked report's. A
``CompiledQuery`` is still written once, with the ORM, as a function of its parameters; it is built
with a stand-in value for each parameter, compiled, and then only the values are put in the
stand-ins' places, the SQL run, and the rows converted by the compiler's own converters (dates on
SQLite, decimals…) and, for a model queryset, turned into instances as ``ModelIterable`` does
(``select_related`` objects included).

- Parameters are integers (ids) or dates; their stand-ins are values no real row has. A stand-in
  that does not come out unchanged among the compiled parameters (the builder derived another value
  from it) is a programming error, raised, never guessed around.
- The builder must not read anything else that changes, unless that is passed as ``context`` (a
  hashable: the month, today's date): each context is compiled once (a bounded cache).
- A compiled query belongs to the connection it was compiled for (its converters run with it), so
  each thread's connection has its own.
- ``prepare=True``: on PostgreSQL the statement is also PREPAREd once per connection and then only
  EXECUTEd, so PostgreSQL does not plan it again on every run (core.db.prepared's way, for ORM
  queries). For queries run on every request whose planning costs more than their run.
"""

from __future__ import annotations

import collections
import datetime
import hashlib
import re
import threading
from collections.abc import Callable, Hashable

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction
from django.db.models import QuerySet
from django.db.models.query import get_related_populators

from core.db.params import adapt

# Stand-ins: a value of the parameter's type no real query uses (negative ids; days in year 1).
_INT_BASE = -7_391_000_000
_DAY_BASE = datetime.date(1, 1, 1)
_MAX_CACHED = 256
_PLACEHOLDER = re.compile(r"%%|%s")  # Django's SQL: %s a parameter, %% a literal %
_unpreparable: set[tuple[int, str]] = set()


class Like(str):
    """A parameter searched for with ``contains``/``icontains``/``startswith``…: its compiled value
    is a LIKE pattern holding the text, escaped by the database's own rule (``prep_for_like_query``,
    what the ORM's pattern lookups do). ``CompiledQuery(build, q=Like)``; a ``ShapedQuery`` value
    ``Like("幼儿园")``."""


def _stand_in(kind: type, position: int):
    if kind is int:
        return _INT_BASE - position
    if kind is datetime.date:
        return _DAY_BASE + datetime.timedelta(days=position)
    if kind is Like:  # private-use characters: no text typed into a page has them
        return Like(f"\ue000cq{position}\ue000")
    raise TypeError(f"CompiledQuery parameters are int, datetime.date or Like, not {kind.__name__}")


class _Compiled:
    """One compiled form: the SQL, its parameters with the stand-ins' places, and what turns rows into
    dicts or instances."""

    def __init__(self, queryset: QuerySet, connection, stand_ins: dict, *, prepare: bool = False) -> None:
        query = queryset.query
        self.compiler = query.get_compiler(connection=connection)
        self.sql, params = self.compiler.as_sql()
        self.params = tuple(params)
        self.prepare = prepare
        self.name = "cq_" + hashlib.sha1(self.sql.encode(), usedforsecurity=False).hexdigest()[:24]
        by_value = {adapt(connection, value): name for name, value in stand_ins.items() if not isinstance(value, Like)}
        patterns = {str(value): name for name, value in stand_ins.items() if isinstance(value, Like)}
        self.slots = []  # (position, name, None) or, for a Like, (position, name, (before, after))
        for i, p in enumerate(params):
            if isinstance(p, int | str | datetime.date) and not isinstance(p, bool) and p in by_value:
                self.slots.append((i, by_value[p], None))  # (a date on SQLite is text)
            elif isinstance(p, str):
                for text, name in patterns.items():
                    if text in p:
                        before, _, after = p.partition(text)
                        if not (before or after):
                            raise ValueError(f"CompiledQuery: the Like parameter {name} is compared as a whole")
                        self.slots.append((i, name, (before, after)))
                        break
        missing = set(stand_ins) - {name for _, name, _ in self.slots}
        if missing:
            raise ValueError(f"CompiledQuery: the parameters {sorted(missing)} are not in the compiled SQL as given")
        self.model, self.db = queryset.model, queryset.db
        self.is_values = queryset._fields is not None
        if self.is_values:
            self.names = [*query.extra_select, *query.values_select, *query.annotation_select]
        else:
            if queryset._known_related_objects:
                raise TypeError("CompiledQuery: a queryset with known related objects is not supported")
            klass_info, select = self.compiler.klass_info, self.compiler.select
            fields = klass_info["select_fields"]
            self.model_slice = slice(fields[0], fields[-1] + 1)
            self.init_list = [f[0].target.attname for f in select[self.model_slice]]
            self.populators = get_related_populators(klass_info, select, self.db)
            self.annotations = dict(self.compiler.annotation_col_map)

    def _prepared(self, connection, cursor) -> bool:
        """PREPAREd on this PostgreSQL connection (core.db.prepared keeps which ones a connection
        holds)? PostgreSQL then plans it once per connection instead of on every run: the record's
        kindergarten with its seven relations took 1.6 ms to plan and 0.25 ms to run. A statement
        PostgreSQL cannot prepare (a parameter whose type it cannot tell) runs as plain SQL."""
        from core.db.prepared import _prepared_on_this_connection

        held = _prepared_on_this_connection(cursor)
        if self.name in held:
            return True
        if (id(connection), self.name) in _unpreparable:
            return False
        numbers = iter(range(1, len(self.params) + 1))
        statement = _PLACEHOLDER.sub(lambda m: "%" if m[0] == "%%" else f"${next(numbers)}", self.sql)
        try:
            with transaction.atomic(using=connection.alias):  # a savepoint: a refusal spoils nothing
                cursor.execute(f"PREPARE {self.name} AS {statement}")
        except DatabaseError:
            _unpreparable.add((id(connection), self.name))
            return False
        held.add(self.name)
        return True

    def params_for(self, connection, values: dict) -> list:
        params = list(self.params)
        for index, name, pattern in self.slots:
            if pattern is None:
                params[index] = adapt(connection, values[name])
            else:
                params[index] = f"{pattern[0]}{connection.ops.prep_for_like_query(values[name])}{pattern[1]}"
        return params

    def run(self, connection, values: dict) -> list:
        params = self.params_for(connection, values)
        with connection.cursor() as cursor:
            if self.prepare and connection.vendor == "postgresql" and self._prepared(connection, cursor):
                placeholders = f"({', '.join(['%s'] * len(params))})" if params else ""
                cursor.execute(f"EXECUTE {self.name}{placeholders}", params)
            else:
                cursor.execute(self.sql, params)
            fetched = cursor.fetchall()
        rows = self.compiler.results_iter(results=[fetched])
        if self.is_values:
            return [dict(zip(self.names, row, strict=True)) for row in rows]
        objects = []
        for row in rows:
            obj = self.model.from_db(self.db, self.init_list, row[self.model_slice])
            for populator in self.populators:
                populator.populate(row, obj)
            for name, position in self.annotations.items():
                setattr(obj, name, row[position])
            objects.append(obj)
        return objects


class CompiledQuery:
    """``CompiledQuery(build, kindergarten=int)``: ``build(kindergarten=…)`` returns a queryset (a
    ``values()`` one for ``rows``/``one``, a model one for ``get``/``objects``). With ``context``,
    ``build(context, kindergarten=…)``: the context (hashable) is compiled once per value."""

    def __init__(self, build: Callable[..., QuerySet], *, prepare: bool = False, **params: type) -> None:
        self._build = build
        self._prepare = prepare
        self._params = params
        self._compiled: dict[tuple, _Compiled] = {}
        self._lock = threading.Lock()

    def _for(self, connection, context: Hashable) -> _Compiled:
        key = (id(connection), context)
        compiled = self._compiled.get(key)
        if compiled is None:
            with self._lock:
                compiled = self._compiled.get(key)
                if compiled is None:
                    stand_ins = {name: _stand_in(kind, i) for i, (name, kind) in enumerate(self._params.items())}
                    queryset = self._build(**stand_ins) if context is None else self._build(context, **stand_ins)
                    compiled = _Compiled(queryset, connection, stand_ins, prepare=self._prepare)
                    if len(self._compiled) >= _MAX_CACHED:
                        self._compiled.clear()
                    self._compiled[key] = compiled
        return compiled

    def _check(self, values: dict) -> None:
        if set(values) != set(self._params):
            raise TypeError(f"CompiledQuery takes {sorted(self._params)}")

    def sql(self, *, context: Hashable = None, **values) -> tuple[str, list]:
        """``(sql, params)``, to be used inside hand-written SQL."""
        self._check(values)
        connection = connections[DEFAULT_DB_ALIAS]
        compiled = self._for(connection, context)
        return compiled.sql, compiled.params_for(connection, values)

    def rows(self, *, context: Hashable = None, **values) -> list:
        """The rows: dicts for a ``values()`` queryset, instances for a model queryset."""
        self._check(values)
        connection = connections[DEFAULT_DB_ALIAS]
        return self._for(connection, context).run(connection, values)

    objects = rows

    def one(self, *, context: Hashable = None, **values):
        """The only row, or None."""
        rows = self.rows(context=context, **values)
        if len(rows) > 1:
            raise ValueError("CompiledQuery.one: more than one row")
        return rows[0] if rows else None

    def get(self, *, context: Hashable = None, **values):
        """``QuerySet.get()``: the only instance; ``DoesNotExist`` / ``MultipleObjectsReturned`` as the
        ORM raises them. (A ``select_for_update`` queryset: call it inside the transaction.)"""
        connection = connections[DEFAULT_DB_ALIAS]
        self._check(values)
        compiled = self._for(connection, context)
        rows = compiled.run(connection, values)
        if len(rows) == 1:
            return rows[0]
        name = compiled.model._meta.object_name
        if not rows:
            raise compiled.model.DoesNotExist(f"{name} matching query does not exist.")
        raise compiled.model.MultipleObjectsReturned(f"get() returned more than one {name}")


class ShapedQuery:
    """An ORM query whose SQL depends on a hashable ``shape`` (which filters a list page was given,
    its sort order…) and whose values are parameters (ids, dates, ``Like`` search text):
    ``build(shape, **values)`` returns the queryset. Each shape (with its parameters' names and
    kinds) is compiled once, with stand-ins, like a ``CompiledQuery``; ``bind(shape, **values)`` is
    one request's query: its SQL with the values in place, or the queryset itself for anything the
    compiled form does not do. A registry list's filters took longer to build and compile than the
    database took to run them."""

    # Compiled forms kept, all shapes together, least recently used dropped first: the shapes a
    # filter bar can make are many (a crawler trying every combination would otherwise fill memory).
    MAX_KEPT = 512

    def __init__(self, build: Callable[..., QuerySet]) -> None:
        self._build = build
        self._kept: collections.OrderedDict[tuple, _Compiled] = collections.OrderedDict()
        self._lock = threading.Lock()

    def _compiled(self, connection, shape: Hashable, values: dict) -> _Compiled:
        kinds = tuple((name, _kind_of(value)) for name, value in sorted(values.items()))
        key = (id(connection), kinds, shape)
        with self._lock:
            compiled = self._kept.get(key)
            if compiled is not None:
                self._kept.move_to_end(key)
                return compiled
        stand_ins = {name: _stand_in(kind, i) for i, (name, kind) in enumerate(kinds)}
        compiled = _Compiled(self._build(shape, **stand_ins), connection, stand_ins)
        with self._lock:
            self._kept[key] = compiled
            while len(self._kept) > self.MAX_KEPT:
                self._kept.popitem(last=False)
        return compiled

    def bind(self, shape: Hashable, **values) -> BoundQuery:
        if shape is None:
            raise TypeError("ShapedQuery: a shape is required")
        return BoundQuery(self, shape, values)


def _kind_of(value) -> type:
    if isinstance(value, Like):
        return Like
    if isinstance(value, bool) or not isinstance(value, int | datetime.date) or isinstance(value, datetime.datetime):
        raise TypeError(f"ShapedQuery values are int, datetime.date or Like, not {type(value).__name__}")
    return datetime.date if isinstance(value, datetime.date) else int


class BoundQuery:
    """One request's ``ShapedQuery``: ``compiled(connection)`` the compiled form and this request's
    parameters; ``queryset()`` the same query built by the ORM with the real values."""

    def __init__(self, query: ShapedQuery, shape: Hashable, values: dict) -> None:
        self.query, self.shape, self.values = query, shape, values
        self.db = DEFAULT_DB_ALIAS

    def compiled(self, connection) -> tuple[_Compiled, list]:
        compiled = self.query._compiled(connection, self.shape, self.values)
        return compiled, compiled.params_for(connection, self.values)

    def queryset(self) -> QuerySet:
        return self.query._build(self.shape, **self.values)

    def count(self) -> int:
        return self.queryset().count()
