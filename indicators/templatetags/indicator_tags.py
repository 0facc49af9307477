"""Template helpers: a figure as a clerk reads it, and the numbers a chart draws (the table's own)."""

import json

from django import template

from core.indicators import display_value

register = template.Library()


@register.filter
def indicator_value(value, indicator) -> str:
    return display_value(indicator, value)


def _number(value):
    return None if value is None else round(float(value), 2)


@register.simple_tag
def chart_data(ranked) -> str:
    """[[label, value], …] of a ranking (value None: no data), as JSON for data-chart-values."""
    return json.dumps([[r.label, _number(r.cell.value)] for r in ranked], ensure_ascii=False)


@register.simple_tag
def trend_data(history) -> str:
    """[[“2025年3月”, value], …] oldest first, from the rows the history table shows."""
    return json.dumps([[f"{m.year}年{m.month}月", _number(c.value)] for m, c in reversed(history)], ensure_ascii=False)
