"""Audit trail capture.

Every create, update and delete of an audited model is written to ``core.AuditEntry``
with who, when, what changed and from which request or task. Capture sits at the ORM
edge rather than in each service because admin edits, imports, the shell and bulk
writes must be recorded too: ``save()``/``delete()`` are caught by model signals, and
``QuerySet.update()``/``bulk_create()`` (and ``bulk_update()``, which runs through ``update()``) by ``AuditedQuerySet``, which
every audited model uses as its default manager. This is infrastructure, not business
logic; services stay the only place where domain rules live.

The entries themselves are append-only: the queryset refuses updates and deletes, the
admin is read-only, and the database refuses UPDATE (and, on PostgreSQL, DELETE) by
trigger (migration core 0002).
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime
import decimal
import functools
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models.fields.files import FieldFile
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.utils.translation import get_language


@dataclass(frozen=True)
class AuditContext:
    source: str = "system"
    request_id: str = ""
    path: str = ""
    ip: str | None = None
    actor_id: int | None = None
    actor_label: str = ""
    request: Any = None  # the HttpRequest, so the actor is read after authentication (DRF tokens)


_context: contextvars.ContextVar[AuditContext | None] = contextvars.ContextVar("audit_context", default=None)


def current_context() -> AuditContext:
    ctx = _context.get() or AuditContext()
    request = ctx.request
    if request is not None and ctx.actor_id is None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            ctx = replace(ctx, actor_id=user.pk, actor_label=user.get_username())
    return ctx


@contextlib.contextmanager
def audit_context(**kwargs: Any) -> Iterator[AuditContext]:
    """Run a block with the given audit context (request, task or command)."""
    base = _context.get() or AuditContext()
    if "actor" in kwargs:
        actor = kwargs.pop("actor")
        kwargs["actor_id"] = actor.pk if actor is not None else None
        kwargs["actor_label"] = actor.get_username() if actor is not None else ""
    kwargs.setdefault("request_id", base.request_id or uuid.uuid4().hex)
    ctx = replace(base, **kwargs)
    token = _context.set(ctx)
    try:
        yield ctx
    finally:
        _context.reset(token)


class AuditedModel(models.Model):
    """Mixin for domain models whose every change is recorded.

    ``audit_exclude``: fields never written to the trail (secrets); a change is noted as "***".
    ``audit_ignore``: bookkeeping fields never recorded (last_login, updated_at).
    """

    audit_exclude: frozenset[str] = frozenset()
    audit_ignore: frozenset[str] = frozenset()
    # Display (core.history): JSON fields whose keys are fields of another model, shown with that
    # model's labels and values: {"proposed": "kindergartens.Kindergarten"}.
    audit_json_models: dict[str, str] = {}

    class Meta:
        abstract = True

    @classmethod
    def audit_display_value(cls, field_name: str, value: Any, entry) -> str | None:
        """Display hook (core.history): the text of a stored value whose meaning depends on
        another field of the entry (a generic "value" column), or None for the usual rendering."""
        return None

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        # The values as loaded, kept by reference: the "before" of a later save. Building a dict
        # here cost every read (50-row list pages) for the few instances that are saved.
        instance._audit_raw = (field_names, values)
        return instance

    def audit_district_id(self) -> int | None:
        """The district this record belongs to, so a district's change log can be listed."""
        return None

    def _get_FIELD_display(self, field):
        # get_FOO_display: Django builds a dict of the choices' lazy labels on every call; a list
        # page or an API page calls it hundreds of times. The labels are built once per language.
        value = getattr(self, field.attname)
        return _choice_labels(field, get_language() or settings.LANGUAGE_CODE).get(value, value)


class AuditedQuerySet(models.QuerySet):
    """A queryset whose bulk writes are recorded like single saves."""

    def update(self, **kwargs):
        model = self.model
        with transaction.atomic(using=self.db):
            pks = list(self.values_list("pk", flat=True))
            if not pks:
                return super().update(**kwargs)
            names = _field_attnames(model, kwargs.keys())
            before = _values_by_pk(model, pks, names, self.db)
            count = super().update(**kwargs)
            after = _values_by_pk(model, pks, names, self.db)
            objs = {o.pk: o for o in model._base_manager.using(self.db).filter(pk__in=pks)}
            entries = []
            for pk in pks:
                changes = _diff(model, before.get(pk, {}), after.get(pk, {}))
                if changes and pk in objs:
                    entries.append(_entry(objs[pk], "update", changes))
            _write(entries, self.db)
            _bump(model)
            return count

    def bulk_create(self, objs, *args, **kwargs):
        with transaction.atomic(using=self.db):
            created = super().bulk_create(objs, *args, **kwargs)
            _write([_entry(o, "create", _created_changes(o)) for o in created if o.pk is not None], self.db)
            _bump(self.model)
            return created

    # bulk_update needs no override: Django runs its UPDATEs through self.filter(...).update(),
    # which records them above (an override here wrote every change twice).


AuditedManager = models.Manager.from_queryset(AuditedQuerySet)


# --- helpers -----------------------------------------------------------------------


def _bump(model) -> None:
    """Read caches built from ``model`` (core.cache) are stale after a bulk write."""
    from core.cache import bump

    bump(model)


@functools.cache
def _choice_labels(field, language: str) -> dict[Any, str]:
    return {value: str(label) for value, label in field.flatchoices}


def _field_attnames(model, names: Iterable[str]) -> list[str]:
    result = []
    for name in names:
        field = model._meta.get_field(name)
        result.append(field.attname)
    return result


def _values_by_pk(model, pks, attnames, using) -> dict[Any, dict[str, Any]]:
    rows = model._base_manager.using(using).filter(pk__in=pks).values("pk", *attnames)
    return {row.pop("pk"): row for row in rows}


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, FieldFile):  # an empty one raises on .url, so no hasattr() probing
        return value.name or ""
    return str(value)


def _diff(model, before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    exclude = _attnames(model, getattr(model, "audit_exclude", ()))
    ignore = _attnames(model, getattr(model, "audit_ignore", ()))
    changes: dict[str, list[Any]] = {}
    for name, new in after.items():
        if name not in before or name in ignore:
            continue
        old = before[name]
        if _jsonable(old) == _jsonable(new):
            continue
        if name in exclude:
            changes[name] = ["***", "***"]
        else:
            changes[name] = [_jsonable(old), _jsonable(new)]
    return changes


def _attnames(model, names) -> set[str]:
    result = set()
    for name in names:
        try:
            result.add(model._meta.get_field(name).attname)
        except Exception:
            result.add(name)
    return result


def _snapshot(instance) -> dict[str, Any]:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def _created_changes(instance) -> dict[str, list[Any]]:
    model = type(instance)
    exclude = _attnames(model, getattr(model, "audit_exclude", ()))
    ignore = _attnames(model, getattr(model, "audit_ignore", ()))
    changes = {}
    for name, value in _snapshot(instance).items():
        if value in (None, "") or name == instance._meta.pk.attname or name in ignore:
            continue
        changes[name] = [None, "***" if name in exclude else _jsonable(value)]
    return changes


def _entry(instance, action: str, changes: dict[str, list[Any]]):
    from core.models import AuditEntry

    ctx = current_context()
    district_id = None
    district_fn = getattr(instance, "audit_district_id", None)
    if district_fn is not None:
        try:
            district_id = district_fn()
        except Exception:
            district_id = None
    return AuditEntry(
        actor_id=ctx.actor_id,
        actor_label=ctx.actor_label,
        content_type=ContentType.objects.get_for_model(type(instance), for_concrete_model=False),
        object_id=str(instance.pk),
        object_repr=str(instance)[:200],
        district_id=district_id,
        action=action,
        changes=changes,
        source=ctx.source,
        request_id=ctx.request_id,
        path=ctx.path[:300],
        ip=ctx.ip,
    )


_batch: contextvars.ContextVar[tuple[str, list] | None] = contextvars.ContextVar("audit_batch", default=None)


@contextlib.contextmanager
def audit_batched(using: str = "default") -> Iterator[None]:
    """Inside a transaction: the entries of the writes in the block are inserted together, in one
    INSERT, when the block ends (a report's build saves the report and its event: one round trip
    instead of two). If the block raises, nothing is written (its transaction rolls back anyway).
    Nested blocks join the outer one."""
    if _batch.get() is not None:
        yield
        return
    pending: list = []
    token = _batch.set((using, pending))
    try:
        yield
    finally:
        _batch.reset(token)
    _write(pending, using)


def _write(entries, using) -> None:
    from core.models import AuditEntry

    batch = _batch.get()
    if batch is not None and batch[0] == using:
        batch[1].extend(entries)
    elif entries:
        AuditEntry.objects.using(using).bulk_create(entries)


# --- signal receivers ----------------------------------------------------------------


def _loaded(instance) -> dict[str, Any]:
    """The field values as last loaded or saved (attname -> value)."""
    loaded = getattr(instance, "_audit_loaded", None)
    if loaded is None:
        raw = getattr(instance, "_audit_raw", None)
        loaded = dict(zip(raw[0], raw[1], strict=True)) if raw is not None else {}
        instance._audit_loaded = loaded
    return loaded


def _pre_save(sender, instance, raw, using, **kwargs):
    if raw or instance._state.adding or hasattr(instance, "_audit_loaded") or hasattr(instance, "_audit_raw"):
        return
    # A save of an instance that was not loaded from the database: read the old row.
    row = sender._base_manager.using(using).filter(pk=instance.pk).values().first()
    instance._audit_loaded = row or {}


def _post_save(sender, instance, created, raw, using, update_fields=None, **kwargs):
    if raw:
        return
    after = _snapshot(instance)
    if created:
        entry = _entry(instance, "create", _created_changes(instance))
    else:
        before = _loaded(instance)
        if update_fields is not None:
            names = _field_attnames(sender, update_fields)
            after = {k: v for k, v in after.items() if k in names}
        changes = _diff(sender, before, after)
        entry = _entry(instance, "update", changes) if changes else None
    if entry is not None:
        _write([entry], using)
    loaded = dict(_loaded(instance))
    loaded.update(_snapshot(instance))
    instance._audit_loaded = loaded


def _post_delete(sender, instance, using, origin=None, **kwargs):
    model = type(instance)
    exclude = _attnames(model, getattr(model, "audit_exclude", ()))
    changes = {
        name: ["***" if name in exclude else _jsonable(value), None]
        for name, value in _snapshot(instance).items()
        if value not in (None, "")
    }
    _write([_entry(instance, "delete", changes)], using)


def _m2m_changed(sender, instance, action, reverse, model, pk_set, using, **kwargs):
    if action not in ("post_add", "post_remove", "post_clear") or reverse:
        return
    if not isinstance(instance, AuditedModel):
        return
    field_name = next(
        (f.name for f in instance._meta.many_to_many if f.remote_field.through is sender), sender.__name__
    )
    ids = sorted(pk_set or [])
    label = {"post_add": "+", "post_remove": "-", "post_clear": "clear"}[action]
    _write([_entry(instance, "update", {field_name: [label, ids]})], using)


def connect_audited_models() -> None:
    for model in apps.get_models():
        if issubclass(model, AuditedModel):
            uid = f"audit-{model._meta.label_lower}"
            pre_save.connect(_pre_save, sender=model, dispatch_uid=uid + "-pre")
            post_save.connect(_post_save, sender=model, dispatch_uid=uid + "-post")
            post_delete.connect(_post_delete, sender=model, dispatch_uid=uid + "-del")
            for field in model._meta.many_to_many:
                m2m_changed.connect(_m2m_changed, sender=field.remote_field.through, dispatch_uid=f"{uid}-{field.name}")


def history_for(obj, *, include: Iterable[models.QuerySet] = ()) -> models.QuerySet:
    """Entries for one record, newest first (served by audit_object_history_idx).

    ``include``: querysets of dependent records whose entries belong on this record's
    history too (a kindergarten's supervisor assignments).
    """
    from core.models import AuditEntry

    ct = ContentType.objects.get_for_model(type(obj), for_concrete_model=False)
    condition = models.Q(content_type=ct, object_id=str(obj.pk))
    for qs in include:
        dep_ct = ContentType.objects.get_for_model(qs.model, for_concrete_model=False)
        ids = [str(pk) for pk in qs.values_list("pk", flat=True)]
        if ids:
            condition |= models.Q(content_type=dep_ct, object_id__in=ids)
    return AuditEntry.objects.filter(condition).select_related("content_type", "actor")
