"""Small, shared read caches with explicit invalidation.

``cached(key, build, depends_on=(Model, …))`` keeps what ``build()`` returns until any of the
models it was built from is saved or deleted (a generation counter per model, bumped by signals
that ``watch()`` connects), or for ``timeout`` seconds at most. Filter bars use it for their option
lists, which change a few times a year and were read on every list page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save

_PREFIX = "kgportal:gen:"


def _generation_key(model) -> str:
    return f"{_PREFIX}{model._meta.label_lower}"


def bump(model) -> None:
    """Invalidate everything built from ``model``."""
    key = _generation_key(model)
    try:
        cache.incr(key)
    except ValueError:  # not in the cache yet (or evicted): any new value invalidates
        import uuid

        cache.set(key, uuid.uuid4().int % 10**12, None)


def _on_change(sender, **kwargs) -> None:
    bump(sender)


def watch(*models) -> None:
    """Bump a model's generation whenever one of its rows is saved or deleted (bulk writes go through
    AuditedQuerySet, which bumps too)."""
    for model in models:
        uid = f"core-cache-{model._meta.label_lower}"
        post_save.connect(_on_change, sender=model, dispatch_uid=uid + "-save")
        post_delete.connect(_on_change, sender=model, dispatch_uid=uid + "-delete")


def cached(key: str, build: Callable[[], Any], *, depends_on: Iterable, timeout: int = 600) -> Any:
    models = list(depends_on)
    generations = cache.get_many([_generation_key(m) for m in models])
    stamp = ".".join(str(generations.get(_generation_key(m), 0)) for m in models)
    full_key = f"kgportal:cached:{key}:{stamp}"
    value = cache.get(full_key)
    if value is None:
        value = build()
        cache.set(full_key, value, timeout)
    return value
