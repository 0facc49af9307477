"""``{% main_menu %}``: the top menu's entries (base.html), rendered once per distinct menu.

The menu is the same for every page of a role (and language), but for the entry marked current:
rendered with the template engine on every page it cost 0.6 ms, 15 % of the kindergarten record
page's CPU. What it shows is all in its key (the language, each item's label, links and current
link), so the HTML kept for that key is the HTML the template would render now; a process keeps at
most ``MAX_KEPT`` (a district's roles and pages make a few hundred).
"""

from __future__ import annotations

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

register = template.Library()

MAX_KEPT = 2_000
_kept: dict[tuple, str] = {}


def _key(nav) -> tuple:
    return (
        get_language(),
        tuple(
            (str(item["label"]), tuple((url, str(label)) for url, label in item["links"]), item.get("current"))
            for item in nav
        ),
    )


@register.simple_tag(takes_context=True)
def main_menu(context) -> str:
    nav = context.get("nav") or []
    key = _key(nav)
    html = _kept.get(key)
    if html is None:
        html = render_to_string("snippets/main_menu.html", {"nav": nav})
        if len(_kept) >= MAX_KEPT:
            _kept.clear()
        _kept[key] = html
    return mark_safe(html)  # noqa: S308 - rendered by the template engine (autoescaped) from the key's values
