"""What the dashboard, an indicator's page, the export and the API show, from one computation.

A scope is the city (every district the city viewer sees, figures summed over them, districts
ranked) or one district (its townships and its urban/rural split). Every page computes the frame
once and aggregates it as often as it shows the figures, so tables, charts and exports agree.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.http import Http404

from accounts.roles import Role
from core.indicators import Figure, Indicator, all_indicators, display_number, display_value
from indicators.access import district_get, districts_visible_to, require_view
from indicators.frame import Frame, build_frame, first_of, months_back
from indicators.selectors import Cell, cell, compute_figures, targets_for
from kindergartens.models import Bureau, area_name

TREND_MONTHS = 12
HISTORY_MONTHS = 36


@dataclass
class Scope:
    level: str  # "city" or "district"
    bureau: Bureau  # the city bureau or the district
    district_ids: list[int]
    districts: list[Bureau] = field(default_factory=list)

    @property
    def label(self) -> str:
        return area_name(self.bureau.name)

    @property
    def is_city(self) -> bool:
        return self.level == "city"

    @property
    def key(self):
        return "all" if self.is_city else self.bureau.pk


def scope_for(user, district: str | None) -> Scope:
    """The city (city viewer without ``district``) or a district in the user's scope (404 outside)."""
    require_view(user)
    if district:
        bureau = district_get(user, district)
        return Scope("district", bureau, [bureau.pk], [bureau])
    if user.role == Role.CITY_VIEWER:
        districts = list(districts_visible_to(user))
        return Scope("city", user.bureau, [d.pk for d in districts], districts)
    bureau = district_get(user, user.bureau_id)
    return Scope("district", bureau, [bureau.pk], [bureau])


def month_label(month: datetime.date) -> str:
    return f"{month.year} 年 {month.month} 月"


def parse_month(value: str | None, today: datetime.date) -> datetime.date:
    """``2025-03`` → 1 March 2025; junk, or a month after this one, is this month."""
    current = first_of(today)
    try:
        year, month = (int(part) for part in (value or "").split("-"))
        parsed = datetime.date(year, month, 1)
    except (ValueError, TypeError):
        return current
    return min(parsed, current) if parsed.year >= 2000 else current


def month_options(today: datetime.date) -> list[tuple[datetime.date, str]]:
    return [(m, month_label(m)) for m in reversed(months_back(today, HISTORY_MONTHS))]


def compute(
    scope: Scope,
    months: list[datetime.date],
    today: datetime.date,
    *,
    bys=("scope",),
    indicators=None,
    detail_month: datetime.date | None = None,
):
    """(frame, {by: {code: {(key, month): Figure}}}, {code: Measures}): every indicator (or those
    given) for every grouping asked ("scope": the city's total or the district), from one
    computation (``selectors.compute_figures``). With ``detail_month``, the frame returned is that
    month's and the measures its kindergartens' parts (the drill-down); else no measures."""
    frame = build_frame(scope.district_ids, months, today=today)
    chosen = list(indicators) if indicators is not None else all_indicators()
    groupings = {by: ("all" if scope.is_city else "district") if by == "scope" else by for by in bys}
    computed = compute_figures(frame, chosen, sorted(set(groupings.values())))
    result = {by: computed[grouping] for by, grouping in groupings.items()}
    measured = {}
    if detail_month is not None:
        frame = build_frame(scope.district_ids, [detail_month], today=today)
        measured = {indicator.code: indicator.compute(frame) for indicator in chosen}
    return frame, result, measured


@dataclass
class Card:
    cell: Cell
    trend: list[tuple[datetime.date, float | None]]

    @property
    def indicator(self) -> Indicator:
        return self.cell.indicator


def cards_for(scope: Scope, month: datetime.date, today: datetime.date) -> list[Card]:
    months = months_back(month, TREND_MONTHS)
    _frame, figures, _measures = compute(scope, months, today)
    targets = targets_for([scope.bureau.pk])
    cards = []
    for indicator in all_indicators():
        by_key = figures["scope"][indicator.code]
        trend = [(m, _value(indicator, by_key.get((scope.key, m)))) for m in months]
        own_targets = targets.get((scope.bureau.pk, indicator.code), [])
        cards.append(Card(cell(indicator, by_key.get((scope.key, month)), own_targets, month), trend))
    return cards


def _value(indicator: Indicator, figure: Figure | None) -> float | None:
    return figure.value(indicator) if figure is not None else None


@dataclass
class Ranked:
    key: object
    label: str
    cell: Cell
    rank: int | None = None


def ranking(indicator: Indicator, figures: dict, keys_labels, month, targets=None) -> list[Ranked]:
    """Groups ordered best first (no data last), each with its figure and, if given, its own target."""
    rows = [
        Ranked(key, label, cell(indicator, figures.get((key, month)), (targets or {}).get(key, []), month))
        for key, label in keys_labels
    ]
    with_value = sorted(
        (r for r in rows if r.cell.value is not None),
        key=lambda r: r.cell.value,
        reverse=indicator.direction == "higher",
    )
    for position, row in enumerate(with_value, start=1):
        row.rank = position
    return with_value + [r for r in rows if r.cell.value is None]


@dataclass
class DrillRow:
    kg_id: int
    name: str
    township: str
    counted: bool
    why: str
    numerator: str
    denominator: str


def drill_down(indicator: Indicator, frame: Frame, measures, month: datetime.date) -> list[DrillRow]:
    """The kindergartens behind a district's figure for ``month``: those that count (with their parts)
    first, then those that do not, with why."""
    rows = []
    for (kg_id, row_month), row in frame.rows.items():
        if row_month != month:
            continue
        part = measures.parts.get((kg_id, month))
        township = frame.townships.get(row.township_id, {}).get("name", "")
        if not row.counted:
            rows.append(DrillRow(kg_id, frame.names.get(kg_id, ""), township, False, f"不计入：{row.reason}", "—", "—"))
            continue
        if part is None:
            continue
        numerator = display_number(part.numerator) if part.numerator is not None else "—"
        if measures.township_denominators is not None:
            denominator = "按街道/乡镇计"
        else:
            denominator = display_number(part.denominator) if part.denominator is not None else "—"
        rows.append(DrillRow(kg_id, frame.names.get(kg_id, ""), township, True, part.why, numerator, denominator))
    rows.sort(key=lambda r: (not r.counted, r.name))
    return rows


def township_denominators(frame: Frame, measures, month: datetime.date) -> list[dict] | None:
    if measures.township_denominators is None:
        return None
    rows = []
    for township_id, info in sorted(frame.townships.items(), key=lambda kv: kv[1]["name"]):
        value = measures.township_denominators.get((township_id, month))
        rows.append(
            {
                "name": info["name"],
                "rural": info["rural"],
                "value": display_number(value[0]) if value else "未录入",
                "notes": "；".join(value[1]) if value and value[1] else "",
            }
        )
    return rows


def indicator_or_404(code: str) -> Indicator:
    from core.indicators import get_indicator

    indicator = get_indicator(code)
    if indicator is None:
        raise Http404
    return indicator


def display(indicator: Indicator, value) -> str:
    return display_value(indicator, value)
