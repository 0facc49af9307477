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


@dataclass(frozen=True)
class Panel:
    slot: str
    key: str
    template: str
    order: int
    # the slot's keyword arguments -> the panel's template context, or None when there is nothing to show
    context: Callable[..., dict | None]


# Slots other apps' pages offer (the page passes the keyword arguments named here):
#   "public-kindergarten": kindergarten=  (the public disclosure page; no request, no visitor)
#   "kindergarten-actions": request=, kindergarten=  (links on the kindergarten record page)
_panels: dict[tuple[str, str], Panel] = {}


def register_panel(*, slot: str, key: str, template: str, order: int, context: Callable[..., dict | None]) -> None:
    """Idempotent, like the menu: a page section another app contributes to a slot."""
    _panels[(slot, key)] = Panel(slot=slot, key=key, template=template, order=order, context=context)


def panels_for(slot: str, **kwargs) -> list[tuple[str, dict]]:
    """(template, context) of the slot's panels that have something to show, in order."""
    panels = []
    for panel in sorted((p for p in _panels.values() if p.slot == slot), key=lambda p: p.order):
        context = panel.context(**kwargs)
        if context is not None:
            panels.append((panel.template, context))
    return panels
