"""The indicators' menu entry and the dashboard card on the bureau's home page."""

from __future__ import annotations

from core.registry import register_menu_entry
from indicators.access import can_view


def register() -> None:
    register_menu_entry(url_name="indicators:dashboard", label="普及普惠指标", order=5, visible=can_view)
