"""The indicators a district bureau is assessed on (DOMAIN §8): one registry of definitions.

``core`` imports no app: each app that owns an indicator's data registers its definition from its
``AppConfig.ready()`` (the registry's enrolment figures from ``indicators``, teacher:children from
``staffing``, inspection coverage from ``supervision``…), and the dashboard lists whatever is
registered. A definition computes, for a set of kindergarten-months (``frame``, built by the
indicators app from the registry's dated history: who counted on the month's last day, in which
district and township, with which enrolment), each kindergarten's part of the numerator and of the
denominator. The figure of a district or township is the sum of its parts; a figure whose
denominator is missing or zero is "暂无数据", never 0.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

NO_DATA = "暂无数据"

HIGHER = "higher"  # the bigger the better (rates)
LOWER = "lower"  # the smaller the better (children per teacher)

PERCENT = "%"
PER_TEACHER = "1:x"  # shown as 1:12.3 (one teacher for x children)


class Part(NamedTuple):
    """One kindergarten's contribution to a month's figure. ``numerator``/``denominator`` None: no data.
    (A named tuple: a city's 36 months make 100,000 of them per indicator.)"""

    numerator: float | None
    denominator: float | None
    why: str = ""  # shown in the drill-down when it is not self-evident ("本月无督导记录")


@dataclass
class Measures:
    """What a definition computes over a frame: per (kindergarten id, month) its part; optionally
    per (township id, month) a denominator that replaces the kindergartens' (毛入园率: the resident
    children of a township), with the notes it comes with (estimate, last year's figure)."""

    parts: dict[tuple[int, datetime.date], Part] = field(default_factory=dict)
    township_denominators: dict[tuple[int, datetime.date], tuple[float, tuple[str, ...]]] | None = None


Sql = tuple[str, tuple]  # an SQL fragment and its parameters (``%s`` placeholders)


@dataclass(frozen=True)
class SqlPart:
    """A definition's part of each counted kindergarten-month as SQL, so that every month of every
    district is computed in one query (``indicators.totals``) instead of row by row in Python.

    Each expression is over ``b``, one kindergarten-month, and only evaluated for those that count
    (``b.counted`` = 1; columns ``kg_id``, ``month``,
    ``day`` (the day it is judged by), ``district_id``, ``township_id``, ``has_snapshot`` (1/0),
    ``children``, ``classes``, ``compliant_classes``, ``capacity``, ``status``, ``nature``), and must
    give, summed, what ``compute``'s parts give: ``tests/indicators/test_totals.py`` compares the two
    on a randomised world. ``has_data``: 1 when the row has a part with a numerator, else 0 (the
    part is "no data"). ``ctes``: extra ``(name(columns), sql, params)`` the expressions refer to
    (they may read ``months`` (``month``, ``day``, ``year_before``: the day a year before) and
    ``kg_months`` (every kindergarten-month, counted or not)). ``joins``: ``(alias, select, params)``,
    a SELECT of ``kg_id``, ``month`` and figures, one row per kindergarten-month at most (it may read
    ``b``, whose rows include those that do not count), LEFT JOINed on both: per-row lookups into a table expression would scan it every time,
    a join is hashed once. Definitions may share a join (the same alias: joined once) and a CTE (the
    same name); PostgreSQL plans a handful of joins well and many badly (past ``join_collapse_limit``
    it may loop over a misestimated one), so an app with several definitions gives them one join."""

    numerator: Sql
    denominator: Sql
    has_data: Sql = ("1", ())
    ctes: tuple[tuple[str, str, tuple], ...] = ()
    joins: tuple[tuple[str, str, tuple], ...] = ()


@dataclass(frozen=True)
class ExternalTarget:
    """A year's target set in the app that owns the indicator (read like indicators.Target)."""

    year: int
    value: Decimal
    baseline_year: int | None = None
    baseline_value: Decimal | None = None
    plan: str = ""


@dataclass(frozen=True)
class Indicator:
    code: str  # the program's key (URLs, targets); never shown
    name: str
    formula: str  # "在园幼儿数 ÷ 3–5 岁常住适龄儿童数 × 100%"
    numerator_label: str
    denominator_label: str
    unit: str  # PERCENT or PER_TEACHER
    direction: str  # HIGHER or LOWER
    source: str  # the app that supplies the data, as a clerk knows it ("幼儿园名册", "教职工")
    compute: Callable[[Any], Measures]  # frame -> Measures
    rule: str = ""  # the counting rule stated on the page (社区办园点, 外区县幼儿…)
    order: int = 100
    counted_only: bool = True  # only kindergartens counted that month have parts (DOMAIN §8)
    # The same parts as SQL (frame -> SqlPart, or None to fall back to ``compute``): see SqlPart.
    sql: Callable[[Any], SqlPart | None] | None = None
    # (township id, month) -> (denominator, notes) replacing the kindergartens' denominators, for
    # the SQL path (``compute`` sets ``Measures.township_denominators`` itself).
    township_denominators: Callable[[Any], dict] | None = None
    # Targets the owning app keeps itself (pairing's yearly CityTarget), so that one target is read by
    # the app's pages and by the dashboard: bureau ids -> {bureau id: [ExternalTarget, by year]}. An
    # indicator with ``targets`` gets none from the indicators' own target table: its form does not
    # offer it, and ``targets_source`` says on the targets page where it is set.
    targets: Callable[[list[int]], dict[int, list[ExternalTarget]]] | None = None
    targets_source: str = ""


_indicators: dict[str, Indicator] = {}


def register_indicator(indicator: Indicator) -> None:
    """Idempotent: registering a code again replaces the definition (apps' ready() may rerun in tests)."""
    _indicators[indicator.code] = indicator


def all_indicators() -> list[Indicator]:
    return sorted(_indicators.values(), key=lambda i: (i.order, i.code))


def get_indicator(code: str) -> Indicator | None:
    return _indicators.get(code)


@dataclass(frozen=True)
class Figure:
    """A computed figure: numerator, denominator, value (None: 暂无数据) and its notes."""

    numerator: float | None
    denominator: float | None
    notes: tuple[str, ...] = ()
    kindergartens: int = 0  # kindergartens with a part

    def value(self, indicator: Indicator) -> float | None:
        if self.numerator is None or not self.denominator:
            return None
        if indicator.unit == PERCENT:
            return self.numerator * 100 / self.denominator
        if indicator.unit == PER_TEACHER:  # children per teacher
            return self.numerator / self.denominator
        return self.numerator / self.denominator


def display_value(indicator: Indicator, value: float | Decimal | None) -> str:
    """The figure as a clerk reads it: 91.2%, 1:12.3, or 暂无数据."""
    if value is None:
        return NO_DATA
    value = float(value)
    if indicator.unit == PERCENT:
        return f"{value:.1f}%"
    if indicator.unit == PER_TEACHER:
        return f"1:{value:.1f}"
    return f"{value:.1f}"


def display_number(value: float | None) -> str:
    if value is None:
        return NO_DATA
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def is_better_or_equal(indicator: Indicator, value: float, reference: float) -> bool:
    return value >= reference if indicator.direction == HIGHER else value <= reference


def gap(indicator: Indicator, value: float | None, target: float | None) -> float | None:
    """How far the figure is from the target in the good direction: negative means short of it."""
    if value is None or target is None:
        return None
    return value - target if indicator.direction == HIGHER else target - value
