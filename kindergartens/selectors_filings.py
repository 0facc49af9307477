"""Reads over change filings (变更备案): the filed fields, their JSON form and the field-by-field difference.

A filing stores proposed and original values as JSON (foreign keys as ids, dates as ISO
strings, decimals as strings) so that it keeps saying what was asked even when the record
moves on. ``json_value`` is the one place that turns a record value into that form;
comparing two JSON forms is how services decide what actually changed.
"""

from __future__ import annotations

import decimal
from typing import Any

from django.db import models
from django.db.models import QuerySet

from kindergartens.models import ChangeFiling, Kindergarten, Township

# The record fields a director may propose. Nature, level, credit code and credit rating are
# the bureau's decisions (recognition, grading, rating), so they are changed on the record, not filed.
FILING_FIELDS: tuple[str, ...] = (
    "name",
    "address",
    "township",
    "sponsor",
    "sponsor_name",
    "schedule",
    "capacity",
    "fee_monthly",
    "fee_government_guided",
    "principal_name",
    "principal_since",
    "has_parent_committee",
    "legal_vice_principal",
    "medical_partner",
    "party_organisation",
    "licence_number",
    "licence_valid_until",
    "status",
)

EMPTY = "—"


def filing_field(name: str) -> models.Field:
    return Kindergarten._meta.get_field(name)


def field_label(name: str) -> str:
    return str(filing_field(name).verbose_name)


def json_value(name: str, value: Any) -> Any:
    """A record value (model instance, id, date, Decimal…) in the JSON form a filing stores.

    Raises ValidationError (or ValueError/TypeError for a malformed id) on a value the field cannot hold.
    """
    field = filing_field(name)
    if field.is_relation:
        if value is None or value == "":
            return None
        return value.pk if isinstance(value, models.Model) else int(value)
    value = field.to_python(value)
    if value is None:
        return "" if _is_text(field) else None
    if isinstance(field, models.DateField):
        return value.isoformat()
    if isinstance(field, models.DecimalField):
        return str(value.quantize(decimal.Decimal(1).scaleb(-field.decimal_places)))
    if _is_text(field):
        return value.strip()
    return value


def python_value(name: str, stored: Any) -> Any:
    """The JSON form back to what the model field holds (a foreign key stays an id)."""
    field = filing_field(name)
    if stored is None:
        return None
    if field.is_relation:
        return int(stored)
    return field.to_python(stored)


def record_json(kindergarten: Kindergarten, name: str) -> Any:
    """The record's current value of ``name`` in JSON form (no query for a foreign key)."""
    return json_value(name, getattr(kindergarten, filing_field(name).attname))


def _is_text(field: models.Field) -> bool:
    return isinstance(field, models.CharField | models.TextField)


def display_value(name: str, stored: Any, township_names: dict[int, str] | None = None) -> str:
    """What a person reads for a stored value: choice labels, township names, 是/否, YYYY-MM-DD."""
    field = filing_field(name)
    if stored is None or stored == "":
        return EMPTY
    if field.is_relation:
        return (township_names or {}).get(int(stored), f"#{stored}")
    if field.choices:
        return str(dict(field.flatchoices).get(stored, stored))
    if isinstance(field, models.BooleanField):
        return "是" if stored else "否"
    return str(stored)


def _township_names(ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(Township.objects.filter(pk__in=ids).values_list("pk", "name"))


def filing_diff(filing: ChangeFiling) -> list[dict[str, Any]]:
    """Per filed field: label, old (when filed), new (proposed) and the record's current value.

    ``changed_since``: the record no longer holds the value it had when the filing was made
    (someone else edited it); for an open filing the reviewer should look again.
    """
    kindergarten = filing.kindergarten
    names = [f for f in FILING_FIELDS if f in filing.proposed]
    current = {f: record_json(kindergarten, f) for f in names}
    ids: set[int] = set()
    if "township" in filing.proposed:
        ids = {v for v in (filing.original.get("township"), filing.proposed["township"], current["township"]) if v}
    townships = _township_names({int(i) for i in ids})
    rows = []
    for name in names:
        old, new = filing.original.get(name), filing.proposed[name]
        rows.append(
            {
                "field": name,
                "label": field_label(name),
                "old": display_value(name, old, townships),
                "new": display_value(name, new, townships),
                "current": display_value(name, current[name], townships),
                "changed_since": current[name] != old and current[name] != new,
            }
        )
    return rows


def filing_field_labels(filing: ChangeFiling) -> list[str]:
    """Labels of the fields a filing proposes to change, in record order (no query)."""
    return [field_label(f) for f in FILING_FIELDS if f in filing.proposed]


def filings_open(qs: QuerySet[ChangeFiling]) -> QuerySet[ChangeFiling]:
    """Filings still waiting for someone: the bureau (submitted) or the director (returned)."""
    return qs.filter(state__in=[ChangeFiling.State.SUBMITTED, ChangeFiling.State.RETURNED])
