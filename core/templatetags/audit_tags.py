"""Render an audit entry's changes with field labels and choice labels, not column names."""

from django import template
from django.core.exceptions import FieldDoesNotExist

register = template.Library()


def _field_for(model, name):
    for field in model._meta.concrete_fields:
        if name in (field.name, field.attname):
            return field
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _display(field, value):
    if value is None or value == "":
        return "—"
    if value == "***":
        return "（已隐藏）"
    if field is not None and getattr(field, "choices", None):
        return dict(field.flatchoices).get(value, value)
    if isinstance(value, bool):
        return "是" if value else "否"
    return value


@register.simple_tag
def audit_changes(entry):
    """[(label, old, new), …] for one entry."""
    model = entry.content_type.model_class()
    rows = []
    for name, pair in (entry.changes or {}).items():
        old, new = (pair + [None, None])[:2] if isinstance(pair, list) else (None, pair)
        field = _field_for(model, name) if model else None
        label = str(field.verbose_name) if field is not None else name
        if field is not None and field.is_relation and field.many_to_one:
            label = f"{label}（编号）"
        rows.append((label, _display(field, old), _display(field, new)))
    return rows


@register.filter
def audit_model_label(entry) -> str:
    """The Chinese name of the kind of record an entry is about."""
    model = entry.content_type.model_class()
    return str(model._meta.verbose_name) if model else entry.content_type.model
