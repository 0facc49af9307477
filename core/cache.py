"""Small, shared read caches with explicit invalidation.

``cached(key, build, depends_on=(Model, …))`` keeps what ``build()`` returns until any of the
models it was built from is saved or deleted (a generation counter per model, bumped by signals
that ``watch()`` connects), or for ``timeout`` seconds at most. Filter bars use it for their option
lists, which change a few times a year and were read on every list page; the authentication
backend for the signed-in user (accounts.backends), read on every request.

The cache must be one for all processes (Redis in production) for a change made in one process to
be seen by the others at once; with the local-memory cache, each process sees only its own.
"""

from __future__ import annotations

import contextvars
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from django.core.cache import cache
from django.core.signals import request_started
from django.db import transaction
from django.db.models.signals import post_delete, post_migrate, post_save

_PREFIX = "kgportal:gen:"
_watched: dict[str, Any] = {}


def _generation_key(model) -> str:
    return f"{_PREFIX}{model._meta.label_lower}"


def _new_generation() -> int:
    return uuid.uuid4().int % 10**12


def _increment(key: str) -> None:
    try:
        cache.incr(key)
    except ValueError:  # not in the cache yet (or evicted): any new value invalidates
        cache.set(key, _new_generation(), None)


def bump(model) -> None:
    """Invalidate everything built from ``model``.

    At once (what this transaction reads next is rebuilt), and again when the transaction commits:
    another request that rebuilt the value between the change and the commit read the rows as
    they were before it, and must not keep them.
    """
    key = _generation_key(model)
    _increment(key)
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(lambda: _increment(key))


def _on_change(sender, **kwargs) -> None:
    bump(sender)


def _on_migrate(sender, **kwargs) -> None:
    # A migration writes without the models' signals: whatever was built before it is stale.
    for model in _watched.values():
        _increment(_generation_key(model))


def watch(*models) -> None:
    """Bump a model's generation whenever one of its rows is saved or deleted (bulk writes go through
    AuditedQuerySet, which bumps too; after ``migrate`` every watched model is bumped)."""
    for model in models:
        uid = f"core-cache-{model._meta.label_lower}"
        _watched[model._meta.label_lower] = model
        post_save.connect(_on_change, sender=model, dispatch_uid=uid + "-save")
        post_delete.connect(_on_change, sender=model, dispatch_uid=uid + "-delete")
    post_migrate.connect(_on_migrate, dispatch_uid="core-cache-migrate")


def watched_tables() -> dict[str, Any]:
    """db_table -> model of every watched model: a value built from SQL over these tables can be
    kept with ``lookup``/``store`` and is stale as soon as one of them changes."""
    return {model._meta.db_table: model for model in _watched.values()}


# Entries read ahead in this request, with another read (accounts.sessions reads the signed-in user's
# entry with the session): (the keys asked, what was found). Used once by ``lookup``; emptied when a
# request starts, so nothing read for one request is ever taken for another.
_read_ahead: contextvars.ContextVar[tuple[frozenset, dict] | None] = contextvars.ContextVar(
    "kgportal_cache_read_ahead", default=None
)


def keys_for(key: str, depends_on: Iterable) -> list[str]:
    """The cache keys ``lookup(key, depends_on)`` reads (to read them ahead with something else)."""
    return [*(_generation_key(m) for m in depends_on), f"kgportal:cached:{key}"]


def read_ahead(asked: Iterable[str], found: dict) -> None:
    """Keep what a ``cache.get_many(asked)`` made for this request found, for the next ``lookup``
    whose keys are all among ``asked``."""
    _read_ahead.set((frozenset(asked), found))


def _forget_read_ahead(**_kwargs) -> None:
    _read_ahead.set(None)


request_started.connect(_forget_read_ahead, dispatch_uid="core-cache-read-ahead")


def lookup(key: str, depends_on: Iterable) -> tuple[bool, Any, str]:
    """``(found, value, stamp)`` of an entry kept with ``store``: found only when none of the models
    in ``depends_on`` changed since it was built. One round trip to the cache: the generations and
    the value (stored with the generations it was built under) are read together. ``stamp`` is what
    to ``store`` a newly built value under: read BEFORE building, so that a change committed while
    building leaves the entry stale rather than wrong."""
    generation_keys = [_generation_key(m) for m in depends_on]
    full_key = f"kgportal:cached:{key}"
    wanted = [*generation_keys, full_key]
    ahead = _read_ahead.get()
    if ahead is not None and ahead[0].issuperset(wanted):
        _read_ahead.set(None)  # used once
        found = {k: ahead[1][k] for k in wanted if k in ahead[1]}
    else:
        found = cache.get_many(wanted)
    missing = [k for k in generation_keys if k not in found]
    if missing:  # never set, or evicted: start it at a random value, so no entry built before matches
        for k in missing:
            cache.add(k, _new_generation(), None)
        found.update(cache.get_many(missing))
    stamp = ".".join(str(found.get(k, 0)) for k in generation_keys)
    entry = found.get(full_key)
    if entry is not None and entry[0] == stamp:
        return True, entry[1], stamp
    return False, None, stamp


def lookup_many(entries: list[tuple[str, Iterable]]) -> list[tuple[bool, Any, str]]:
    """``lookup(key, depends_on)`` of each entry, all in one round trip to the cache (a filter bar's
    option lists: one round trip each was a tenth of a list page's CPU)."""
    generation_keys = {m: _generation_key(m) for _key, depends_on in entries for m in depends_on}
    wanted = [*dict.fromkeys(generation_keys.values()), *(f"kgportal:cached:{key}" for key, _d in entries)]
    found = cache.get_many(wanted)
    missing = [k for k in dict.fromkeys(generation_keys.values()) if k not in found]
    if missing:  # as lookup(): never set, or evicted
        for k in missing:
            cache.add(k, _new_generation(), None)
        found.update(cache.get_many(missing))
    results = []
    for key, depends_on in entries:
        stamp = ".".join(str(found.get(generation_keys[m], 0)) for m in depends_on)
        entry = found.get(f"kgportal:cached:{key}")
        results.append((True, entry[1], stamp) if entry is not None and entry[0] == stamp else (False, None, stamp))
    return results


def store(key: str, stamp: str, value: Any, timeout: int = 600) -> None:
    cache.set(f"kgportal:cached:{key}", (stamp, value), timeout)


def cached(key: str, build: Callable[[], Any], *, depends_on: Iterable, timeout: int = 600) -> Any:
    """``build()``'s value, rebuilt when a model in ``depends_on`` changed; ``None`` is never kept."""
    found, value, stamp = lookup(key, depends_on)
    if found:
        return value
    value = build()
    if value is not None:
        store(key, stamp, value, timeout)
    return value
