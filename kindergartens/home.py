"""The registry's menu entries and home-page cards (registered with core in KindergartensConfig.ready)."""

from __future__ import annotations

from accounts.roles import KINDERGARTEN_ROLES, Role
from core.access import account_has_scope
from core.registry import register_home_card, register_menu_entry, register_menu_group
from kindergartens.access import can, filings_visible_to, kindergarten_flags, kindergartens_visible_to

OVERVIEW_ROLES = frozenset({Role.CITY_VIEWER, Role.BUREAU_ADMIN, Role.BUREAU_STAFF})


def _overview(request) -> dict | None:
    from kindergartens.selectors import registry_overview, registry_overview_by_district
    from kindergartens.services import today

    user = request.user
    if not account_has_scope(user) or user.role not in OVERVIEW_ROLES or not user.bureau_id:
        return None
    day = today()
    scope = kindergartens_visible_to(user)
    context = {"overview": registry_overview(scope, day), "districts": None}
    if user.role == Role.CITY_VIEWER:
        context["districts"] = registry_overview_by_district(scope, day)
    return context


def _my_kindergartens(request) -> dict | None:
    user = request.user
    if not account_has_scope(user) or user.role != Role.SUPERVISOR:
        return None
    return {"kindergartens": list(kindergartens_visible_to(user).select_related("township").order_by("name", "id"))}


def _own_kindergarten(request) -> dict | None:
    from kindergartens.views.registry import active_assignments_prefetch

    user = request.user
    if not account_has_scope(user) or user.role not in KINDERGARTEN_ROLES:
        return None
    kindergarten = (
        kindergartens_visible_to(user)
        .select_related("district", "township", "collaboration_group")
        .prefetch_related(active_assignments_prefetch())
        .first()
    )
    context = {"kindergarten": kindergarten, "flags": kindergarten_flags(user, kindergarten) if kindergarten else {}}
    if kindergarten is not None and can(user, "list_filings"):  # directors; kindergarten staff have no filings list
        context["recent_filings"] = list(filings_visible_to(user).order_by("-submitted_at", "-id")[:5])
    return context


def register() -> None:
    register_menu_group(key="kindergartens", label="幼儿园", order=10)
    register_menu_entry(
        url_name="kindergartens:list", label="幼儿园名录", order=10, visible=account_has_scope, group="kindergartens"
    )
    register_menu_entry(
        url_name="kindergartens:compliance",
        label="班额与学位",
        order=20,
        visible=account_has_scope,
        group="kindergartens",
    )
    register_menu_entry(
        url_name="kindergartens:filing-list",
        label="变更备案",
        order=40,
        visible=lambda u: can(u, "list_filings"),
        group="kindergartens",
    )
    register_home_card(
        key="kindergartens:overview", template="kindergartens/home/overview.html", order=10, context=_overview
    )
    register_home_card(
        key="kindergartens:mine",
        template="kindergartens/home/my_kindergartens.html",
        order=10,
        context=_my_kindergartens,
    )
    register_home_card(
        key="kindergartens:own",
        template="kindergartens/home/own_kindergarten.html",
        order=10,
        context=_own_kindergarten,
    )
