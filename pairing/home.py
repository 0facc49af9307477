"""Pairing's menu entries and home-page card (registered with core in PairingConfig.ready)."""

from __future__ import annotations

from core.access import account_has_scope
from core.registry import register_demo, register_home_card, register_menu_entry, register_menu_group
from pairing.access import can


def _card(request) -> dict | None:
    """The user's agreements waiting for them: to confirm (bureau), to submit or to log (kindergartens)."""
    from pairing.selectors_pages import home_counts

    user = request.user
    if not account_has_scope(user):
        return None
    counts = home_counts(user)
    counts["participation"] = _participation(user) if can(user, "overview") else None
    return counts if counts["any"] or counts["participation"] else None


def _participation(user) -> dict | None:
    """The indicator: rural kindergartens in an active agreement / rural kindergartens operating, for the
    user's district (the city: all its districts), against the year's target."""
    from decimal import Decimal

    from django.utils import timezone

    from kindergartens.access import visible_district_ids
    from pairing.access import user_city_id
    from pairing.models import CityTarget
    from pairing.selectors import participation_by_district

    today = timezone.localdate()
    ids = list(visible_district_ids(user).values_list("pk", flat=True))
    figures = participation_by_district(ids, today)
    rural_in = sum(v[0] for v in figures.values())
    rural_all = sum(v[1] for v in figures.values())
    if not rural_all:
        return None
    target = CityTarget.objects.filter(city_id=user_city_id(user), year=today.year).first()
    share = (Decimal(rural_in * 100) / rural_all).quantize(Decimal("0.1"))
    return {"rural_in": rural_in, "rural_all": rural_all, "share": share, "target": target}


def register() -> None:
    register_demo(key="pairing", label="结对帮扶", order=20, seed="pairing.demo.seed_pairing")
    register_menu_group(key="pairing", label="结对帮扶", order=55, index="pairing/")
    register_menu_entry(
        url_name="pairing:agreements", label="结对协议", order=50, visible=account_has_scope, group="pairing"
    )
    register_menu_entry(
        url_name="pairing:plans", label="帮扶计划", order=51, visible=lambda u: can(u, "plans"), group="pairing"
    )
    register_menu_entry(
        url_name="pairing:overview", label="帮扶月调度", order=52, visible=lambda u: can(u, "overview"), group="pairing"
    )
    register_home_card(key="pairing:card", template="pairing/home_card.html", order=25, context=_card)
