"""What each app contributes to the shared pages: menu entries and home-page cards.

``core`` is the ground floor and imports no app. Each app registers its entries in its
``AppConfig.ready()``; the menu and the home page then show, for the signed-in user, the
entries whose ``visible`` function says yes and the cards whose ``context`` function returns
something. The functions decide with the app's own access layer, so templates never do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class MenuEntry:
    url_name: str
    label: str
    order: int
    visible: Callable[[Any], bool]  # user -> shown?


@dataclass(frozen=True)
class HomeCard:
    key: str
    template: str
    order: int
    # request -> the card's template context, or None when the card is not for this user.
    context: Callable[[Any], dict | None]


_menu: dict[str, MenuEntry] = {}
_cards: dict[str, HomeCard] = {}


def register_menu_entry(*, url_name: str, label: str, order: int, visible: Callable[[Any], bool]) -> None:
    """Idempotent: registering the same URL name again replaces the entry (apps' ready() may rerun in tests)."""
    _menu[url_name] = MenuEntry(url_name=url_name, label=label, order=order, visible=visible)


def register_home_card(*, key: str, template: str, order: int, context: Callable[[Any], dict | None]) -> None:
    _cards[key] = HomeCard(key=key, template=template, order=order, context=context)


def menu_for(user) -> list[tuple[str, str]]:
    """(URL name, label) of the entries this user sees, in menu order."""
    return [(e.url_name, e.label) for e in sorted(_menu.values(), key=lambda e: e.order) if e.visible(user)]


def home_cards_for(request) -> list[tuple[str, dict]]:
    """(template, context) of the cards for this request's user, in page order."""
    cards = []
    for card in sorted(_cards.values(), key=lambda c: c.order):
        context = card.context(request)
        if context is not None:
            cards.append((card.template, context))
    return cards
