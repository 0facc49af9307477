"""The change history as a person reads it: names, labels and Beijing times, never machine values.

``AuditEntry.changes`` keeps ``{field: [old, new]}`` in JSON form (foreign keys as ids, choices
as their stored values, datetimes as UTC ISO strings, decimals as strings, JSON fields as dicts).
``entry_views`` turns a page of entries into what the history page, the API and the admin show:
the referenced records' names (one query per kind of record on the page, whatever its length),
choice labels, 是/否, dates as 2025-03-15 and datetimes in Beijing time as 2025-03-15 08:00.

A model tunes this through two hooks on ``core.audit.AuditedModel``: ``audit_display_value`` for
a value whose meaning depends on another field, and ``audit_json_models`` for a JSON field whose
keys are the fields of another model.
"""

from __future__ import annotations

import datetime
import decimal
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.utils import timezone

EMPTY = "—"
HIDDEN = "（已隐藏）"
DELETED = "（已删除）"
SYSTEM = "系统"
DELETED_ACCOUNT = "（已删除的账号）"
DATE_FORMAT = "%Y-%m-%d"
DATETIME_FORMAT = "%Y-%m-%d %H:%M"
ENTRY_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
M2M_ACTIONS = {"+": "新增", "-": "移除"}
M2M_CLEARED = "全部移除"


@dataclass(frozen=True)
class ChangeRow:
    """One changed field: its label and both values as text, with the stored values beside them."""

    name: str
    label: str
    old: str
    new: str
    old_value: Any
    new_value: Any


@dataclass(frozen=True)
class EntryView:
    """One audit entry as shown: when (Beijing time), who, what kind of record and the changes."""

    entry: Any
    at: datetime.datetime
    at_text: str
    actor: str
    action_label: str
    source_label: str
    model_label: str
    object_label: str
    changes: tuple[ChangeRow, ...]


def beijing(value: datetime.datetime) -> datetime.datetime:
    """An aware datetime in the project's time zone (Asia/Shanghai); a naive one is taken as already local."""
    tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    if timezone.is_naive(value):
        return value.replace(tzinfo=tz)
    return value.astimezone(tz)


def entry_views(entries: Iterable[Any]) -> list[EntryView]:
    """Readable views of ``entries`` (AuditEntry rows), in the same order.

    Names of referenced records and of actors are fetched in one query per model for all the
    entries together: rendering runs twice, first to learn which records are named, then to
    write the text.
    """
    entries = list(entries)
    names = _Names()
    for entry in entries:
        _view(entry, names)
    names.load()
    return [_view(entry, names) for entry in entries]


def actor_name(entry) -> str:
    """Who made one change: the person's name; no query when the entry select_related() its actor."""
    names = _Names()
    name = _actor(entry, names)
    if names.wanted:
        names.load()
        name = _actor(entry, names)
    return name


def model_label(entry) -> str:
    """The Chinese name of the kind of record an entry is about."""
    model = entry.content_type.model_class()
    return str(model._meta.verbose_name) if model is not None else entry.content_type.model


# --- names of referenced records ------------------------------------------------------------------


class _Names:
    """Collects (model, pk) pairs on the first pass and answers with names on the second."""

    def __init__(self) -> None:
        self.wanted: dict[type[models.Model], set[Any]] = defaultdict(set)
        self.found: dict[tuple[type[models.Model], Any], str] = {}
        self.loaded = False

    def name(self, model: type[models.Model], value: Any) -> str:
        model = model._meta.concrete_model
        try:
            pk = model._meta.pk.to_python(value)
        except (ValidationError, TypeError, ValueError):
            return DELETED
        if (model, pk) in self.found:
            return self.found[(model, pk)]
        if not self.loaded:
            self.wanted[model].add(pk)
            return ""
        return DELETED

    def remember(self, obj: models.Model) -> None:
        """A record already at hand (an entry's select_related actor) needs no query."""
        self.found[(type(obj)._meta.concrete_model, obj.pk)] = record_label(obj)

    def load(self) -> None:
        for model, pks in self.wanted.items():
            for obj in model._base_manager.filter(pk__in=pks):
                self.remember(obj)
        self.loaded = True


def record_label(obj: models.Model) -> str:
    """How a referenced record is named: a person by name (``display_name``), anything else by str()."""
    name = getattr(obj, "display_name", None)
    return str(name) if name else str(obj)


# --- one entry --------------------------------------------------------------------------------------


def _view(entry, names: _Names) -> EntryView:
    model = entry.content_type.model_class()
    rows = []
    for key, pair in _in_field_order(model, entry.changes or {}):
        old, new = _pair(pair)
        field = _field_for(model, key)
        if field is not None and field.primary_key:
            continue  # a deletion's snapshot includes the row's own id: machine data, not a change
        label = str(field.verbose_name) if field is not None else key
        if field is not None and field.many_to_many:
            old_text, new_text = EMPTY, _m2m_text(field, old, new, names)
        else:
            old_text = display_value(model, field, key, old, entry, names)
            new_text = display_value(model, field, key, new, entry, names)
            if old_text == new_text and isinstance(field, models.DateTimeField):  # within one minute
                old_text = display_value(model, field, key, old, entry, names, seconds=True)
                new_text = display_value(model, field, key, new, entry, names, seconds=True)
        rows.append(ChangeRow(key, label, old_text, new_text, old, new))
    at = beijing(entry.at)
    return EntryView(
        entry=entry,
        at=at,
        at_text=at.strftime(ENTRY_TIME_FORMAT),
        actor=_actor(entry, names),
        action_label=str(entry.get_action_display()),
        source_label=str(entry.get_source_display()),
        model_label=str(model._meta.verbose_name) if model is not None else entry.content_type.model,
        object_label=entry.object_repr,
        changes=tuple(rows),
    )


def _pair(pair: Any) -> tuple[Any, Any]:
    if isinstance(pair, list | tuple) and len(pair) == 2:
        return pair[0], pair[1]
    return None, pair


def _actor(entry, names: _Names) -> str:
    if entry.actor_id is None:
        return entry.actor_label or SYSTEM
    if type(entry).actor.is_cached(entry):  # select_related("actor"): no query
        if entry.actor is None:
            return entry.actor_label or DELETED_ACCOUNT
        names.remember(entry.actor)
    name = names.name(get_user_model(), entry.actor_id)
    if name == DELETED:
        return entry.actor_label or DELETED_ACCOUNT
    return name


def _field_for(model, name: str) -> models.Field | None:
    if model is None:
        return None
    for field in model._meta.concrete_fields:
        if name in (field.name, field.attname):
            return field
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return field if field.concrete or field.many_to_many else None


def _in_field_order(model, values: dict[str, Any]) -> list[tuple[str, Any]]:
    """Items in the model's field order (PostgreSQL's jsonb does not keep the order they were written in)."""
    if model is None:
        return list(values.items())
    fields = [*model._meta.concrete_fields, *model._meta.many_to_many]
    position = {name: i for i, f in enumerate(fields) for name in (f.name, getattr(f, "attname", f.name))}
    return sorted(values.items(), key=lambda item: position.get(item[0], len(position)))


def _m2m_text(field, action: Any, ids: Any, names: _Names) -> str:
    if action == "clear":
        return M2M_CLEARED
    listed = "、".join(names.name(field.related_model, pk) for pk in (ids or []))
    return f"{M2M_ACTIONS.get(action, '')}：{listed or EMPTY}"


# --- one value --------------------------------------------------------------------------------------


def display_value(model, field, key: str, value: Any, entry, names: _Names, *, seconds: bool = False) -> str:
    """What a person reads for one stored value of ``field`` (``None`` when the field is gone)."""
    if value is None or value == "" or value == {} or value == []:
        return EMPTY
    if value == "***":
        return HIDDEN
    hook = getattr(model, "audit_display_value", None)
    if hook is not None:
        shown = hook(field.name if field is not None else key, value, entry)
        if shown is not None:
            return str(shown)
    if field is None:
        return json_text(value, None, entry, names)
    return field_text(field, value, entry, names, json_model=_json_model(model, field), seconds=seconds)


def field_text(field, value: Any, entry, names: _Names, *, json_model=None, seconds: bool = False) -> str:
    """The text of a value of a known model field (a foreign key's name, a choice's label…)."""
    if value is None or value == "":
        return EMPTY
    if value == "***":
        return HIDDEN
    if field.is_relation and field.related_model is not None and not field.many_to_many:
        return names.name(field.related_model, value)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool) or isinstance(field, models.BooleanField):
        return "是" if value else "否"
    if isinstance(field, models.DateTimeField):
        return _datetime_text(value, ENTRY_TIME_FORMAT if seconds else DATETIME_FORMAT)
    if isinstance(field, models.DateField):
        return _date_text(value)
    if isinstance(field, models.TimeField):
        return _time_text(value)
    if isinstance(field, models.DecimalField):
        return _decimal_text(value, field.decimal_places)
    if isinstance(field, models.JSONField) or isinstance(value, dict | list):
        return json_text(value, json_model, entry, names)
    return str(value)


def json_text(value: Any, model, entry, names: _Names) -> str:
    """A JSON value as readable Chinese: ``学位数：400；园长姓名：张三`` for a dict of ``model``'s fields."""
    if value is None or value == "" or value == {} or value == []:
        return EMPTY
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dict):
        parts = []
        for key, item in _in_field_order(model, value):
            field = _field_for(model, key)
            if field is not None:
                parts.append(f"{field.verbose_name}：{field_text(field, item, entry, names)}")
            else:
                parts.append(f"{key}：{json_text(item, None, entry, names)}")
        return "；".join(parts)
    if isinstance(value, list):
        return "、".join(json_text(item, model, entry, names) for item in value)
    return str(value)


def _json_model(model, field):
    label = (getattr(model, "audit_json_models", None) or {}).get(field.name)
    return apps.get_model(label) if label else None


def _datetime_text(value: Any, fmt: str) -> str:
    try:
        parsed = value if isinstance(value, datetime.datetime) else datetime.datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return beijing(parsed).strftime(fmt)


def _date_text(value: Any) -> str:
    try:
        parsed = value if isinstance(value, datetime.date) else datetime.date.fromisoformat(str(value)[:10])
    except ValueError:
        return str(value)
    return parsed.strftime(DATE_FORMAT)


def _time_text(value: Any) -> str:
    try:
        parsed = value if isinstance(value, datetime.time) else datetime.time.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return parsed.strftime("%H:%M")


def _decimal_text(value: Any, places: int | None) -> str:
    try:
        number = decimal.Decimal(str(value))
    except decimal.InvalidOperation:
        return str(value)
    if places is not None:
        number = number.quantize(decimal.Decimal(1).scaleb(-places))
    return f"{number:f}"
