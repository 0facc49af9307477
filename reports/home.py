"""Reports' menu entries and home-page cards (registered with core in ReportsConfig.ready)."""

from __future__ import annotations

from core.access import account_has_scope
from core.registry import register_demo, register_home_card, register_menu_entry, register_menu_group
from reports.access import can


def _inbox_card(request) -> dict | None:
    """The director's (and the district bureau's) reports due, overdue and returned."""
    from reports.selectors import inbox_for
    from reports.services import today

    user = request.user
    if not account_has_scope(user) or not (can(user, "fill") or can(user, "review")):
        return None
    inbox = inbox_for(user, recent=0)
    return {"inbox": inbox, "today": today()}


def register() -> None:
    register_demo(key="reports", label="月报", order=10, seed="reports.demo.seed_reports")
    register_menu_group(key="reports", label="月报", order=45)
    register_menu_entry(
        url_name="reports:home", label="月报首页", order=40, visible=lambda u: account_has_scope(u), group="reports"
    )
    register_menu_entry(
        url_name="reports:completeness",
        label="报送情况",
        order=41,
        visible=lambda u: can(u, "completeness"),
        group="reports",
    )
    register_menu_entry(
        url_name="reports:review", label="月报审核", order=42, visible=lambda u: can(u, "review"), group="reports"
    )
    register_menu_entry(
        url_name="reports:types", label="报表类型", order=43, visible=lambda u: can(u, "types"), group="reports"
    )
    register_home_card(key="reports:inbox", template="reports/home_card.html", order=15, context=_inbox_card)
