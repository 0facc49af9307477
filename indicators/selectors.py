"""Reads: indicator figures per district / township / urban-rural / city and month, targets, drill-downs.

Every function takes district ids already scoped by ``indicators.access`` and runs a fixed number of
queries (the frame's, plus each definition's own), whatever the number of kindergartens.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from core.indicators import (
    NO_DATA,
    PERCENT,
    Figure,
    Indicator,
    Measures,
    all_indicators,
    display_number,
    display_value,
    gap,
    is_better_or_equal,
)
from indicators.frame import Frame, KgMonth, build_frame, first_of
from indicators.models import Target

URBAN, RURAL = "城镇", "乡村"

GROUPINGS: dict[str, Callable[[Frame, KgMonth], object]] = {
    "district": lambda frame, row: row.district_id,
    "township": lambda frame, row: row.township_id,
    "urban_rural": lambda frame, row: RURAL if frame.townships.get(row.township_id, {}).get("rural") else URBAN,
    "all": lambda frame, row: "all",
}


def _township_group(frame: Frame, by: str, township_id: int):
    info = frame.townships.get(township_id)
    if info is None:
        return None
    return {
        "district": info["district_id"],
        "township": township_id,
        "urban_rural": RURAL if info["rural"] else URBAN,
        "all": "all",
    }[by]


def _group_keys(frame: Frame, by: str) -> dict:
    """(kindergarten id, month) -> (group key, month) for the rows that count, built once per frame."""
    cache = frame.__dict__.setdefault("_group_keys", {})
    if by not in cache:
        key_of = GROUPINGS[by]
        cache[by] = {
            (row.kg_id, row.month): (key_of(frame, row), row.month) for row in frame.rows.values() if row.counted
        }
    return cache[by]


def _any_key(frame: Frame, by: str, kg_month) -> tuple | None:
    row = frame.rows.get(kg_month)
    return None if row is None else (GROUPINGS[by](frame, row), row.month)


def measure(indicator: Indicator, frame: Frame) -> Measures:
    return indicator.compute(frame)


def aggregate(indicator: Indicator, frame: Frame, measures: Measures, *, by: str) -> dict[tuple, Figure]:
    """(group key, month) -> Figure. Only kindergartens that count that month have parts (unless
    the definition says otherwise); a group whose parts are all missing is 暂无数据."""
    keys_of = _group_keys(frame, by)
    counted_only = indicator.counted_only
    num: dict[tuple, float] = defaultdict(float)
    den: dict[tuple, float] = defaultdict(float)
    with_data: dict[tuple, int] = defaultdict(int)
    missing: dict[tuple, int] = defaultdict(int)
    for kg_month, part in measures.parts.items():
        key = keys_of.get(kg_month) if counted_only else keys_of.get(kg_month) or _any_key(frame, by, kg_month)
        if key is None:
            continue
        numerator = part[0]
        if numerator is None:
            missing[key] += 1
            continue
        num[key] += numerator
        den[key] += part[1] or 0
        with_data[key] += 1
    keys = set(with_data) | set(missing)
    notes: dict[tuple, set[str]] = defaultdict(set)
    if measures.township_denominators is not None:
        den = defaultdict(float)
        has_den: set[tuple] = set()
        for (township_id, month), (value, township_notes) in measures.township_denominators.items():
            group = _township_group(frame, by, township_id)
            if group is None:
                continue
            den[(group, month)] += value
            has_den.add((group, month))
            notes[(group, month)].update(township_notes)
        keys |= has_den
        for key in keys - has_den:
            den.pop(key, None)
    figures = {}
    for key in keys:
        key_notes = set(notes.get(key, ()))
        if missing.get(key):
            key_notes.add(f"{missing[key]} 所幼儿园缺少本月数据，未计入")
        numerator = num[key] if with_data.get(key) else None
        denominator = den.get(key)
        figures[key] = Figure(
            numerator=numerator,
            denominator=denominator if denominator else None,
            notes=tuple(sorted(key_notes)),
            kindergartens=with_data.get(key, 0),
        )
    return figures


@dataclass
class Cell:
    """One indicator's figure for a group and month, with its target and trajectory."""

    indicator: Indicator
    figure: Figure
    value: float | None
    target: Decimal | None = None
    target_year: int | None = None
    expected: float | None = None  # where the straight line from baseline to target stands this month
    on_track: bool | None = None
    gap: float | None = None

    # What a clerk reads (templates and exports show these, never the floats).
    @property
    def display(self) -> str:
        return display_value(self.indicator, self.value)

    @property
    def target_display(self) -> str:
        return display_value(self.indicator, self.target) if self.target is not None else "未设定"

    @property
    def expected_display(self) -> str:
        return display_value(self.indicator, self.expected) if self.expected is not None else "—"

    @property
    def gap_display(self) -> str:
        if self.gap is None:
            return "—"
        unit = "个百分点" if self.indicator.unit == PERCENT else "人/每名教师"
        if self.gap >= 0:
            return f"已达到（超出 {abs(self.gap):.1f} {unit}）"
        return f"差 {abs(self.gap):.1f} {unit}"

    @property
    def track_label(self) -> str:
        if self.on_track is None:
            return "—" if self.target is None else NO_DATA
        return "按计划推进" if self.on_track else "落后于计划"

    @property
    def numerator_display(self) -> str:
        return display_number(self.figure.numerator)

    @property
    def denominator_display(self) -> str:
        return display_number(self.figure.denominator)


def group_of(frame: Frame, by: str, district_id: int, township_id: int):
    """The group key of a kindergarten-month by its district and township (GROUPINGS' keys)."""
    if by == "district":
        return district_id
    if by == "township":
        return township_id
    if by == "urban_rural":
        return RURAL if frame.townships.get(township_id, {}).get("rural") else URBAN
    return "all"


def compute_figures(frame: Frame, indicators: list[Indicator], bys: list[str]) -> dict[str, dict[str, dict]]:
    """{by: {code: {(group, month): Figure}}} for the frame's districts and months.

    Past months of the definitions with an SQL form come from ONE set-based query for all of them
    (``indicators.totals``), whatever the number of months and kindergartens; the current month
    (judged by today, from today's classes) and the definitions without SQL are measured row by row
    over the frame. Both give the same figures (tests/indicators/test_totals.py)."""
    from indicators.totals import figures_from_totals, township_totals

    current = first_of(frame.today)
    parts = {}
    for indicator in indicators:
        if indicator.sql is not None and indicator.counted_only:
            part = indicator.sql(frame)
            if part is not None:
                parts[indicator.code] = part
    set_based = [i for i in indicators if i.code in parts]
    result: dict[str, dict[str, dict]] = {by: {} for by in bys}
    past = [m for m in frame.months if m < current]
    if set_based and past:
        totals = township_totals(frame, set_based, parts)
        for indicator in set_based:
            denominators = None
            if indicator.township_denominators is not None:
                # Over every month (the current month's rows then read them from frame.shared).
                denominators = {k: v for k, v in indicator.township_denominators(frame).items() if k[1] < current}
            for by in bys:
                result[by][indicator.code] = figures_from_totals(
                    indicator, frame, totals[indicator.code], denominators, by=by, group_of=group_of
                )
    now_frame = None
    if set_based and current in frame.months:
        now_frame = Frame(frame.district_ids, [current], frame.today, townships=frame.townships, shared=frame.shared)
    for indicator in indicators:
        if indicator.code in parts:
            if now_frame is None:
                continue
            row_frame = now_frame
        else:
            row_frame = frame
        measures = indicator.compute(row_frame)
        for by in bys:
            result[by].setdefault(indicator.code, {}).update(aggregate(indicator, row_frame, measures, by=by))
    return result


def figures_for(
    district_ids: list[int],
    months: list[datetime.date],
    *,
    today: datetime.date,
    by: str = "district",
    indicators: list[Indicator] | None = None,
) -> tuple[Frame, dict[str, dict[tuple, Figure]]]:
    """Every indicator (or those given) for the districts and months: code -> (group, month) -> Figure."""
    frame = build_frame(district_ids, months, today=today)
    chosen = list(indicators) if indicators is not None else all_indicators()
    return frame, compute_figures(frame, chosen, [by])[by]


def figures_by_rows(
    district_ids: list[int],
    months: list[datetime.date],
    *,
    today: datetime.date,
    by: str = "district",
    indicators: list[Indicator] | None = None,
) -> dict[str, dict[tuple, Figure]]:
    """``figures_for`` row by row (every definition's ``compute`` over the frame): the reference the
    set-based figures are tested against."""
    frame = build_frame(district_ids, months, today=today)
    return {
        indicator.code: aggregate(indicator, frame, measure(indicator, frame), by=by)
        for indicator in (indicators if indicators is not None else all_indicators())
    }


def targets_for(bureau_ids: list[int]) -> dict[tuple[int, str], list[Target]]:
    """(bureau id, indicator code) -> its targets, by year: the indicators' own table, and for an
    indicator whose app keeps its targets (``Indicator.targets``), that app's, one query each."""
    targets = defaultdict(list)
    external = [indicator for indicator in all_indicators() if indicator.targets is not None]
    kept_elsewhere = {indicator.code for indicator in external}
    for t in Target.objects.filter(bureau_id__in=bureau_ids).order_by("year"):
        if t.indicator not in kept_elsewhere:
            targets[(t.bureau_id, t.indicator)].append(t)
    for indicator in external:
        for bureau_id, rows in indicator.targets(list(bureau_ids)).items():
            targets[(bureau_id, indicator.code)] = sorted(rows, key=lambda row: row.year)
    return targets


def _month_position(month: datetime.date) -> float:
    """A month as a point on the year line: the end of December 2025 is 2026.0."""
    return month.year + month.month / 12


def trajectory(targets: list[Target], month: datetime.date) -> tuple[Target | None, float | None]:
    """The target that governs ``month`` (this year's, else the next one ahead, else the last) and the
    value expected this month on a straight line from the plan's baseline (end of the baseline year)
    to the target (end of the target year). No baseline: the target itself is expected."""
    if not targets:
        return None, None
    ahead = [t for t in targets if t.year >= month.year]
    target = ahead[0] if ahead else targets[-1]
    if target.baseline_year is None or target.baseline_value is None or target.year < month.year:
        return target, float(target.value)
    start, end = target.baseline_year + 1, target.year + 1
    position = min(max(_month_position(month), start), end)
    share = (position - start) / (end - start)
    expected = float(target.baseline_value) + (float(target.value) - float(target.baseline_value)) * share
    return target, expected


def cell(indicator: Indicator, figure: Figure | None, targets: list[Target], month: datetime.date) -> Cell:
    figure = figure or Figure(numerator=None, denominator=None)
    value = figure.value(indicator)
    target, expected = trajectory(targets, month)
    result = Cell(indicator=indicator, figure=figure, value=value)
    if target is not None:
        result.target, result.target_year, result.expected = target.value, target.year, expected
        result.gap = gap(indicator, value, float(target.value))
        if value is not None and expected is not None:
            result.on_track = is_better_or_equal(indicator, value, expected)
    return result
