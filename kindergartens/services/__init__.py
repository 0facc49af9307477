"""Writes for the kindergartens app, one module per area."""

from .records import (
    RECORD_FIELDS,
    kindergarten_apply_due_changes,
    kindergarten_create,
    kindergarten_update,
    today,
)

__all__ = [
    "RECORD_FIELDS",
    "kindergarten_apply_due_changes",
    "kindergarten_create",
    "kindergarten_update",
    "today",
]
