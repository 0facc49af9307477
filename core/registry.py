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
    group: str = ""  # a MenuGroup's key; "" = an item of its own in the top menu


@dataclass(frozen=True)
class MenuGroup:
    """A top-menu item that opens a list of entries (one app's pages, usually). A group with one
    visible entry shows that entry directly; one with none is not shown."""

    key: str
    label: str
    order: int
    index: str = ""  # a URL prefix ("safety/") that goes to the group's first page this user may open


@dataclass(frozen=True)
class MenuItem:
    """What the top menu shows: a link (``entries`` has one) or a dropdown (several)."""

    label: str
    entries: tuple[tuple[str, str], ...]  # (URL name, label)

    @property
    def single(self) -> bool:
        return len(self.entries) == 1


@dataclass(frozen=True)
class HomeCard:
    key: str
    template: str
    order: int
    # request -> the card's template context, or None when the card is not for this user.
    context: Callable[[Any], dict | None]


_menu: dict[str, MenuEntry] = {}
_groups: dict[str, MenuGroup] = {}
_cards: dict[str, HomeCard] = {}


def register_menu_group(*, key: str, label: str, order: int, index: str = "") -> None:
    """Idempotent, like the entries. ``index``: the app's own address ("safety/"), which then opens the
    group's first page the user may open (core.views.group_index) instead of answering 404."""
    _groups[key] = MenuGroup(key=key, label=label, order=order, index=index)


def group_indexes() -> dict[str, str]:
    """URL prefix -> group key, for the groups that asked for an index."""
    return {group.index: group.key for group in _groups.values() if group.index}


def group_entries_for(user, key: str) -> list[str] | None:
    """The URL names of a group's entries this user sees, in menu order (None: no such group)."""
    if key not in _groups:
        return None
    entries = sorted((e for e in _menu.values() if e.group == key), key=lambda e: e.order)
    return [entry.url_name for entry in entries if entry.visible(user)]


def register_menu_entry(
    *, url_name: str, label: str, order: int, visible: Callable[[Any], bool], group: str = ""
) -> None:
    """Idempotent: registering the same URL name again replaces the entry (apps' ready() may rerun in tests).
    ``order`` places the entry within its group (or, without a group, in the top menu)."""
    _menu[url_name] = MenuEntry(url_name=url_name, label=label, order=order, visible=visible, group=group)


def register_home_card(*, key: str, template: str, order: int, context: Callable[[Any], dict | None]) -> None:
    _cards[key] = HomeCard(key=key, template=template, order=order, context=context)


def menu_for(user) -> list[MenuItem]:
    """The top menu this user sees, in order: groups (by the group's order) and entries of their own."""
    slots: dict[str, tuple[int, str, list[tuple[str, str]]]] = {}
    for entry in sorted(_menu.values(), key=lambda e: e.order):
        if not entry.visible(user):
            continue
        group = _groups.get(entry.group) if entry.group else None
        if group is None:  # no group, or a group nobody registered: an item of its own
            slots[entry.url_name] = (entry.order, entry.label, [(entry.url_name, entry.label)])
        else:
            slots.setdefault(group.key, (group.order, group.label, []))[2].append((entry.url_name, entry.label))
    return [
        MenuItem(label=_single_label(label, entries[0]) if len(entries) == 1 else label, entries=tuple(entries))
        for _order, label, entries in sorted(slots.values(), key=lambda slot: slot[0])
    ]


def _single_label(group_label: str, entry: tuple[str, str]) -> str:
    """A group shown as one link: its landing page (the group's first entry) goes by the group's name
    (月报, not 月报首页), any other page by its own (整改通知 for a kindergarten's staff)."""
    registered = _menu.get(entry[0])
    if registered is None or not registered.group:
        return entry[1]
    first = min((e for e in _menu.values() if e.group == registered.group), key=lambda e: e.order)
    return group_label if first.url_name == entry[0] else entry[1]


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
    # () -> {name: expression}: what the panel shows, as annotations of the query the page reads its
    # object with (see panel_annotations); None: the panel reads what it needs itself
    annotations: Callable[[], dict] | None = None


# Slots other apps' pages offer (the page passes the keyword arguments named here):
#   "public-kindergarten": kindergarten=  (the public disclosure page; no request, no visitor)
#   "kindergarten-actions": request=, kindergarten=  (links on the kindergarten record page; the page
#       reads the kindergarten with the slot's panel_annotations, expressions over a Kindergarten
#       queryset whose OuterRef("pk") is the kindergarten)
_panels: dict[tuple[str, str], Panel] = {}
_built_annotations: dict[tuple[str, str], dict] = {}


def register_panel(
    *,
    slot: str,
    key: str,
    template: str,
    order: int,
    context: Callable[..., dict | None],
    annotations: Callable[[], dict] | None = None,
) -> None:
    """Idempotent, like the menu: a page section another app contributes to a slot."""
    _panels[(slot, key)] = Panel(
        slot=slot, key=key, template=template, order=order, context=context, annotations=annotations
    )
    _built_annotations.pop((slot, key), None)


def _annotation_name(key: str, name: str) -> str:
    return f"panel_{key}_{name}".replace("-", "_")


def _panel_expressions(panel: Panel) -> dict:
    built = _built_annotations.get((panel.slot, panel.key))
    if built is None:  # built once: annotate() resolves copies, so the expressions never change
        built = _built_annotations[(panel.slot, panel.key)] = dict(panel.annotations())
    return built


def panel_annotations(slot: str) -> dict:
    """The annotations the slot's panels ask the page's own query for, each named for its panel: the
    kindergarten record reads its panels' figures with the kindergarten, in one query, instead of one
    query per panel (two round trips were 15 % of the page's server CPU)."""
    return {
        _annotation_name(panel.key, name): expression
        for panel in sorted((p for p in _panels.values() if p.slot == slot and p.annotations), key=lambda p: p.order)
        for name, expression in _panel_expressions(panel).items()
    }


def panel_values(slot: str, key: str, obj) -> dict | None:
    """The panel's annotations as read with ``obj`` ({name: value}), or None when ``obj`` was read
    without them (the panel then reads them itself)."""
    panel = _panels.get((slot, key))
    if panel is None or panel.annotations is None:
        return None
    values = {}
    for name in _panel_expressions(panel):
        attribute = _annotation_name(key, name)
        if not hasattr(obj, attribute):
            return None
        values[name] = getattr(obj, attribute)
    return values


def panels_for(slot: str, **kwargs) -> list[tuple[str, dict]]:
    """(template, context) of the slot's panels that have something to show, in order."""
    panels = []
    for panel in sorted((p for p in _panels.values() if p.slot == slot), key=lambda p: p.order):
        context = panel.context(**kwargs)
        if context is not None:
            panels.append((panel.template, context))
    return panels


@dataclass(frozen=True)
class DemoData:
    """An app's part of ``manage.py seed_demo``: ``seed`` is the dotted path of a function that loads it
    (idempotent) and returns what it made, label -> count; imported only when the demo is loaded."""

    key: str
    label: str  # what the command prints before the counts ("安全")
    order: int  # apps whose demo reads another's come after it
    seed: str


_demos: dict[str, DemoData] = {}


def register_demo(*, key: str, label: str, order: int, seed: str) -> None:
    _demos[key] = DemoData(key=key, label=label, order=order, seed=seed)


def demo_data() -> list[DemoData]:
    return sorted(_demos.values(), key=lambda d: (d.order, d.key))
