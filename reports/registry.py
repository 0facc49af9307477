"""Sections other apps add to the district's monthly report, without reports importing them.

Supervision (inspections, rectification orders) and safety register in their ``AppConfig.ready()``::

    from reports.registry import DistrictSection, register_district_section

    def inspections_of_month(district, month):  # district: Bureau; month: first of the month
        return DistrictSection(rows=[("督导检查次数", 12, "次"), ("发现问题数", 3, "个")], note="")

    register_district_section(key="supervision.inspections", title="督导检查", order=30, build=inspections_of_month)

``build`` runs when the district report is built (on the worker), once per district and month: it
must answer in a fixed number of queries whatever the number of kindergartens, and return plain
values (numbers or text). A section that fails is shown as "暂无数据" and the build goes on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DistrictSection:
    rows: list[tuple[str, Any, str]] = field(default_factory=list)  # (label, value, unit)
    note: str = ""


@dataclass(frozen=True)
class _Registered:
    key: str
    title: str
    order: int
    build: Callable[[Any, Any], DistrictSection]


_sections: dict[str, _Registered] = {}


def register_district_section(
    *, key: str, title: str, order: int, build: Callable[[Any, Any], DistrictSection]
) -> None:
    """Idempotent: the same key again replaces the section (ready() may run again in tests)."""
    _sections[key] = _Registered(key=key, title=title, order=order, build=build)


def unregister_district_section(key: str) -> None:
    _sections.pop(key, None)


def district_sections() -> list[_Registered]:
    return sorted(_sections.values(), key=lambda s: (s.order, s.key))


def build_contributions(district, month) -> list[dict]:
    """Every registered section for one district and month, as stored in the district report's data."""
    result = []
    for section in district_sections():
        try:
            built = section.build(district, month)
            rows = [[str(label), value, str(unit)] for label, value, unit in built.rows]
            result.append({"key": section.key, "title": section.title, "rows": rows, "note": built.note})
        except Exception:  # one app's failure must not stop the district's report
            logger.exception("district section %s failed for district %s %s", section.key, district.pk, month)
            result.append({"key": section.key, "title": section.title, "rows": [], "note": "暂无数据"})
    return result


# --- report types other apps define ----------------------------------------------------------------------
#
# An app ships a report type the way reports.definitions ships its own: a spec (code, name, due day,
# period, who submits, content) registered in its ``AppConfig.ready()``, created by
# ``report_types_ensure_defaults``. Optional hooks, all plain functions:
#   figures(district, month) -> dict   the computed fields of a district type without a kindergarten
#                                      source (instead of consolidating kindergartens' reports)
#   kindergartens(qs, month) -> qs     which kindergartens owe a kindergarten type (default: all that
#                                      owe reports that month)
#   months                             the calendar months whose report is owed (default: every month)
#   contributions                      whether the sections above are added to its district report


@dataclass(frozen=True)
class TypeDefinition:
    spec: dict
    figures: Callable[[Any, Any], dict] | None = None
    kindergartens: Callable[[Any, Any], Any] | None = None
    months: tuple[int, ...] | None = None
    contributions: bool = False


_types: dict[str, TypeDefinition] = {}


def register_report_type(definition: TypeDefinition) -> None:
    """Idempotent: the same code again replaces the definition."""
    _types[definition.spec["code"]] = definition


def registered_types() -> list[TypeDefinition]:
    return list(_types.values())


def type_definition(code: str) -> TypeDefinition | None:
    return _types.get(code)


def owed_in(code: str, month) -> bool:
    """Whether a report of this type is owed for ``month`` (a registered type may be owed in some months only)."""
    definition = _types.get(code)
    return definition is None or definition.months is None or month.month in definition.months


# --- what other apps know about a kindergarten's month ------------------------------------------------
#
# A kindergarten report is prefilled with what the product already knows, and must not contradict it
# (one fact, not two). Safety, for example, registers in its ``AppConfig.ready()``::
#
#     register_prefill(key="safety.incidents", provide=lambda submission: {"no_incident": "confirmed"})
#     register_submission_check(key="safety.incidents", check=lambda submission, data: ["…"])
#
# ``provide(submission)`` returns {field key: value} (only keys the report's version has are used);
# ``check(submission, cleaned data)`` returns messages that block the submission like hard rules.
# Both run in a fixed number of queries. Checks run for kindergarten submissions only; prefills for
# kindergarten submissions and for city reports (SubmitterLevel.CITY: the city's own report, whose
# computed figures are what ``provide`` returns, taken again at every save and at the submission; pairing's
# December summary registers one). A provider answers {} for the submissions it does not know.

_prefills: dict[str, Callable[[Any], dict]] = {}
_checks: dict[str, Callable[[Any, dict], list[str]]] = {}


def register_prefill(*, key: str, provide: Callable[[Any], dict]) -> None:
    _prefills[key] = provide


def register_submission_check(*, key: str, check: Callable[[Any, dict], list[str]]) -> None:
    _checks[key] = check


def prefill_contributions(submission) -> dict:
    data: dict = {}
    for key in sorted(_prefills):
        data.update(_prefills[key](submission) or {})
    return data


def submission_check_messages(submission, data: dict) -> list[str]:
    messages: list[str] = []
    for key in sorted(_checks):
        messages.extend(_checks[key](submission, data) or [])
    return messages
