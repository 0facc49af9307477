"""Pairing's menu entries and home-page card (registered with core in PairingConfig.ready)."""

from __future__ import annotations

from core.access import account_has_scope
from core.registry import register_home_card, register_menu_entry
from pairing.access import can


def _card(request) -> dict | None:
    """The user's agreements waiting for them: to confirm (bureau), to submit or to log (kindergartens)."""
    from pairing.selectors_pages import home_counts

    user = request.user
    if not account_has_scope(user):
        return None
    counts = home_counts(user)
    return counts if counts["any"] else None


def register() -> None:
    register_menu_entry(url_name="pairing:agreements", label="结对帮扶", order=50, visible=account_has_scope)
    register_menu_entry(url_name="pairing:plans", label="帮扶计划", order=51, visible=lambda u: can(u, "plans"))
    register_menu_entry(url_name="pairing:overview", label="帮扶月调度", order=52, visible=lambda u: can(u, "overview"))
    register_home_card(key="pairing:card", template="pairing/home_card.html", order=25, context=_card)
