"""Writes for the kindergartens app, one module per area."""

from .classes import class_create, class_deactivate, class_update
from .credit_grades import credit_grade_create, credit_grade_update, credit_grades_ensure_defaults
from .filings import FILING_FIELDS, filing_approve, filing_resubmit, filing_return, filing_submit
from .findings import annual_inspection_record, violation_record, violation_set_published
from .levels import level_create, level_update
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
__all__ += [  # classes, findings, levels, credit grades
    "annual_inspection_record",
    "class_create",
    "class_deactivate",
    "class_update",
    "credit_grade_create",
    "credit_grade_update",
    "credit_grades_ensure_defaults",
    "level_create",
    "level_update",
    "violation_record",
    "violation_set_published",
]
__all__ += [  # filings (变更备案)
    "FILING_FIELDS",
    "filing_approve",
    "filing_resubmit",
    "filing_return",
    "filing_submit",
]
from .imports import (  # noqa: E402 - roster imports (Excel), kept in their own block
    RosterImportAlreadyApplied,
    RosterPreview,
    roster_import_apply,
    roster_preview,
    roster_template,
)

__all__ += [  # roster imports (Excel)
    "RosterImportAlreadyApplied",
    "RosterPreview",
    "roster_import_apply",
    "roster_preview",
    "roster_template",
]
