"""The shared way to show a page of a long list fast (every app's list pages and API lists).

``page_of_ids``: the page's ids and the total come from the narrow queryset that filters and sorts,
in ONE query (no select-list joins or per-row subqueries, so PostgreSQL computes them for no row it
does not show and an index can give the order; the total is an uncorrelated subquery evaluated
once); then ``load(ids)`` fetches just those rows with everything the page shows, and they are put
back in the page's order. A 50-row page thus costs two queries, the same at 3,000 and at 100,000
rows apart from the count. Only a page past the end (a stale link, junk) costs a separate count.
"""

from __future__ import annotations

import functools
import hashlib
import math
import re
from collections.abc import Callable, Iterable

from django.apps import apps
from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.core.paginator import Page, Paginator
from django.db import connections
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL
from django.utils.translation import get_language

from core.cache import lookup, store, watched_tables


def page_ids_and_total(queryset, *, offset: int, limit: int) -> tuple[list, int | None]:
    """The pks of rows ``offset``…``offset + limit`` in the queryset's order and the number of rows
    it matches, in one query. The total is ``None`` when the page is past the end (no row carries it).
    ``queryset``: a QuerySet or a ``core.db.compiled.BoundQuery`` of one."""
    try:
        fetched = _fetch_page_with_total(queryset, offset=offset, limit=limit)
    except EmptyResultSet:  # .none(), an empty IN list: nothing can match
        return [], 0
    if isinstance(fetched, _KnownTotal):
        return fetched.ids, fetched.total if fetched.ids or offset == 0 else None
    if not fetched:
        return [], 0 if offset == 0 else None
    return [row[0] for row in fetched], fetched[0][-1]


class _KnownTotal:
    """The page's ids, the total read from the count cache."""

    def __init__(self, ids: list, total: int) -> None:
        self.ids, self.total = ids, total


_QUOTED = re.compile(r'"(\w+)"')


def _count_cache_key(connection, head: str, params) -> tuple[str, list] | None:
    """Where the total of the filtered rows ``head`` is kept, and the models it is built from; None
    when a table it reads is not watched by core.cache (a change to it would not invalidate)."""
    known = _db_tables()
    tables = {name for name in _QUOTED.findall(head) if name in known}
    watched = watched_tables()
    if not tables or not tables <= watched.keys():
        return None
    digest = hashlib.sha256(repr((connection.alias, connection.settings_dict["NAME"], head, params)).encode())
    return f"list-total:{digest.hexdigest()}", [watched[t] for t in sorted(tables)]


@functools.cache
def _db_tables() -> frozenset[str]:
    return frozenset(model._meta.db_table for model in apps.get_models(include_auto_created=True))


class _PageSQL:
    """A compiled ids query cut at its final ORDER BY: ``head`` (everything before it), ``order``,
    and ``head`` split at its first FROM into ``columns`` and ``rest``."""

    def __init__(self, head: str, order: str) -> None:
        self.head, self.order = head, order
        self.columns, _, self.rest = head.partition(" FROM ")


def _page_sql(compiler, sql: str) -> _PageSQL | None:
    """The cut, where the compiler's own ORDER BY is the statement's tail; None for SQL of another
    shape (no ordering, parameters in it, a subquery in the select list)."""
    ordering = compiler.get_order_by()
    order = ", ".join(order_sql for _expr, (order_sql, _params, _is_ref) in ordering)
    head, cut, tail = sql.rpartition(" ORDER BY ")
    columns, from_, _rest = head.partition(" FROM ")
    plain = ordering and tail == order and not any(p for _e, (_s, p, _r) in ordering) and "(" not in columns
    return _PageSQL(head, order) if cut and from_ and plain else None


def _fetch_page_with_total(source, *, offset: int, limit: int) -> list[tuple] | _KnownTotal:
    """Rows ``(pk, …, total)`` of the page. Django compiles the queryset once: the filtered, ordered
    ids query is cut at its final ORDER BY, and what comes before is counted in a subquery (its table
    names shadow the outer query's: uncorrelated, evaluated once). Compiling the as-of filters took
    longer than running them, so compiling them twice (count, then page) cost more than the query.
    ``source`` is a queryset, or a ``core.db.compiled.BoundQuery`` (a ``ShapedQuery`` of the pk:
    compiled, and cut, once per shape). SQL of a shape that cannot be cut takes the ORM's way, which
    compiles twice."""
    connection = connections[source.db]
    if isinstance(source, QuerySet):
        compiler = source.values_list("pk").query.get_compiler(connection=connection)
        sql, params = compiler.as_sql(with_limits=False)
        page = _page_sql(compiler, sql)
    else:
        compiled, params = source.compiled(connection)
        page = getattr(compiled, "page_sql", _UNSET)
        if page is _UNSET:  # cut once per compiled form
            page = compiled.page_sql = _page_sql(compiled.compiler, compiled.sql)
    if page is not None:
        head, order, columns, rest = page.head, page.order, page.columns, page.rest
        limits = connection.ops.limit_offset_sql(offset, offset + limit)
        # Paging through one filter counts its rows once: the total is kept until a table it reads
        # changes (core.cache generations), and the next pages are the ids query alone, which an
        # index in the page's order answers without visiting every match.
        keep = getattr(settings, "LIST_TOTAL_CACHE_SECONDS", 600)
        where = _count_cache_key(connection, head, params) if keep else None
        found, total, stamp = lookup(*where) if where else (False, None, "")
        with connection.cursor() as cursor:
            if found and offset < total:
                cursor.execute(f"{head} ORDER BY {order} {limits}", params)
                ids = [row[0] for row in cursor.fetchall()]
                # The rows must agree with the kept total; if they do not (rows written past the
                # ORM's signals, e.g. by hand in psql), the total is counted again below.
                if len(ids) == min(limit, total - offset):
                    return _KnownTotal(ids, total)
            # A page past the kept end is counted too: it may be the kept total that is short.
            count = f"(SELECT COUNT(*) FROM ({head}) page_total)"  # noqa: S608 - Django's own compiled SQL, values are parameters
            cursor.execute(f"{columns}, {count} FROM {rest} ORDER BY {order} {limits}", [*params, *params])
            rows = cursor.fetchall()
        if where and rows:
            store(where[0], stamp, rows[0][-1], keep)
        return rows
    queryset = source if isinstance(source, QuerySet) else source.queryset()
    count_sql, count_params = queryset.order_by().values_list("pk").query.sql_with_params()
    count = f"SELECT COUNT(*) FROM ({count_sql}) page_total"  # noqa: S608 - Django's own compiled SQL, values are parameters
    total = RawSQL(count, count_params)  # noqa: S611 - as above
    return list(queryset.annotate(page_total=total).values_list("pk", "page_total")[offset : offset + limit])


_UNSET = object()


def _requested_page(value) -> int | None:
    """The page number asked for: junk → 1, an integer below 1 → None (the last page, as Django's
    ``Paginator.get_page`` does)."""
    try:
        number = int(value) if value is not None else 1
    except (TypeError, ValueError):
        return 1
    return number if number >= 1 else None


def counted_paginator(total: int, per_page: int) -> Paginator:
    """A paginator that knows its count (nothing left to query)."""
    paginator = Paginator((), per_page)
    paginator.count = total  # a cached_property: set, it is never computed
    return paginator


def page_of_ids(request, queryset, *, load: Callable[[list], Iterable], per_page: int | None = None) -> Page:
    """A page (``?page=``; junk or out-of-range pages fall back to the nearest) whose ``object_list``
    is ``load(ids)`` in the order of ``queryset`` (a QuerySet, or a ``core.db.compiled.BoundQuery``
    of one: the list's filters compiled once per shape)."""
    per_page = per_page or settings.PAGE_SIZE
    number = _requested_page(request.GET.get("page"))
    ids, total = (
        ([], None) if number is None else page_ids_and_total(queryset, offset=(number - 1) * per_page, limit=per_page)
    )
    if total is None:  # past the end, or below 1: the last page
        total = queryset.count()
        number = max(1, math.ceil(total / per_page))
        ids = page_ids_and_total(queryset, offset=(number - 1) * per_page, limit=per_page)[0] if total else []
    return Page(load_in_order(ids, load), number, counted_paginator(total, per_page))


def load_in_order(ids: list, load: Callable[[list], Iterable]) -> list:
    """``load(ids)`` put back in the order of ``ids`` (no query for no id)."""
    if not ids:
        return []
    rows = {obj.pk: obj for obj in load(ids)}
    return [rows[pk] for pk in ids if pk in rows]


@functools.cache
def _labels(choices, language: str) -> dict[str, str]:
    return {value: str(label) for value, label in choices.choices}


def choice_labels(choices) -> dict[str, str]:
    """value -> label of a TextChoices class in the active language, built once per language
    (``get_FOO_display`` rebuilds a dict of lazy labels on every call)."""
    return _labels(choices, get_language() or settings.LANGUAGE_CODE)
