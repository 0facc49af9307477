"""Supervision's menu entries and home-page cards (registered with core in SupervisionConfig.ready)."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Q

from accounts.roles import Role
from core.access import account_has_scope
from core.db.compiled import CompiledQuery
from core.registry import panel_values, register_home_card, register_menu_entry, register_menu_group, register_panel
from kindergartens.access import kindergartens_visible_to
from supervision.access import (
    assignment_can,
    coverage_can,
    draw_can,
    inspection_can,
    order_can,
    orders_visible_to,
    selfcheck_can,
    template_can,
)
from supervision.models import OPEN_STATES, OrderState, SupervisorAssignment
from supervision.signs import public_sign_for, sign_can_edit

COVERAGE_ROLES = frozenset({Role.CITY_VIEWER, Role.BUREAU_ADMIN, Role.BUREAU_STAFF})


def _coverage(request) -> dict | None:
    """Counted kindergartens without a responsible supervisor (each one should have one)."""
    from kindergartens.selectors import COUNTED_DEFINITION, kindergartens_counted_on
    from kindergartens.services import today

    user = request.user
    if not account_has_scope(user) or user.role not in COVERAGE_ROLES:
        return None
    active = SupervisorAssignment.objects.filter(kindergarten=OuterRef("pk"), ended_at__isnull=True)
    counted = kindergartens_counted_on(kindergartens_visible_to(user), today())
    totals = counted.aggregate(total=Count("pk"), unassigned=Count("pk", filter=~Q(Exists(active))))
    return {**totals, "definition": COUNTED_DEFINITION, "can_assign": assignment_can(user, "manage")}


def _orders(request) -> dict | None:
    """What is waiting in the rectification loop for this user: one aggregate query."""
    from kindergartens.services import today

    user = request.user
    if not order_can(user, "view") or user.role == Role.KG_STAFF:
        return None
    counts = orders_visible_to(user).aggregate(
        open=Count("pk", filter=Q(state__in=OPEN_STATES)),
        overdue=Count("pk", filter=Q(state__in=OPEN_STATES, deadline__lt=today())),
        responded=Count("pk", filter=Q(state=OrderState.RESPONDED)),
    )
    return {**counts, "is_kindergarten": user.role == Role.KG_DIRECTOR}


def _assignments_visible(user) -> bool:
    return assignment_can(user, "view") and user.role not in (Role.KG_DIRECTOR, Role.KG_STAFF)


def _public_sign(*, kindergarten):
    sign = public_sign_for(kindergarten)
    return None if sign is None else {"sign": sign}


def _open_orders(kindergarten: int):
    from supervision.models import RectificationOrder
    from supervision.selectors import ORDER_FILTERS

    return (
        RectificationOrder.objects.filter(ORDER_FILTERS["open"][1], kindergarten_id=kindergarten)
        .order_by()
        .values("kindergarten_id")
        .annotate(n=Count("pk"))
        .values("n")
    )


def _panel_annotations() -> dict:
    """The open orders of the kindergarten ``OuterRef("pk")``, read with it by the record page."""
    from django.db.models import IntegerField, OuterRef, Subquery
    from django.db.models.functions import Coalesce

    return {"open_orders": Coalesce(Subquery(_open_orders(OuterRef("pk"))[:1]), 0, output_field=IntegerField())}


# Read on every record page: built and compiled once per process (core.db.compiled).
OPEN_ORDERS = CompiledQuery(_open_orders, prepare=True, kindergarten=int)


def _kindergarten_actions(*, request, kindergarten) -> dict | None:
    """Links on the kindergarten record: its inspections, self-checks and open orders (one count
    query), and what this user may start there. The record page has already checked the scope."""
    from core.url_fast import kept_reverse as reverse

    user = request.user
    query = f"?kindergarten={kindergarten.pk}"
    context: dict = {}
    if inspection_can(user, "view"):
        context["inspections_url"] = reverse("supervision:inspection-list") + query
    if selfcheck_can(user, "view"):
        context["selfchecks_url"] = reverse("supervision:selfcheck-list") + query
    if order_can(user, "view"):
        context["orders_url"] = reverse("supervision:order-list") + query + "&show=open"
        # The kindergarten is in scope, so are its orders (orders_visible_to's rule).
        read = panel_values("kindergarten-actions", "supervision", kindergarten)
        if read is not None:  # read with the kindergarten (core.registry.panel_annotations)
            context["open_orders"] = read["open_orders"]
        else:
            row = OPEN_ORDERS.one(kindergarten=kindergarten.pk)
            context["open_orders"] = row["n"] if row else 0
    if inspection_can(user, "plan"):
        context["plan_url"] = reverse("supervision:inspection-create", args=[kindergarten.pk])
    if order_can(user, "issue"):
        context["issue_url"] = reverse("supervision:order-create", args=[kindergarten.pk])
    if selfcheck_can(user, "fill") and user.kindergarten_id == kindergarten.pk:
        context["selfcheck_url"] = reverse("supervision:selfcheck-create", args=[kindergarten.pk])
    return context or None


def register() -> None:
    register_panel(
        slot="kindergarten-actions",
        key="supervision",
        template="supervision/kindergarten_actions.html",
        order=10,
        context=_kindergarten_actions,
        annotations=_panel_annotations,
    )
    register_menu_group(key="supervision", label="督导", order=30, index="supervision/")
    register_menu_entry(
        url_name="supervision:assignment-list",
        label="责任督学",
        order=30,
        visible=_assignments_visible,
        group="supervision",
    )
    register_menu_entry(
        url_name="supervision:order-list",
        label="整改通知",
        order=40,
        visible=lambda user: order_can(user, "view"),
        group="supervision",
    )
    register_menu_entry(
        url_name="supervision:inspection-list",
        label="督导检查",
        order=35,
        visible=lambda user: inspection_can(user, "view") and user.role != Role.KG_STAFF,
        group="supervision",
    )
    register_menu_entry(
        url_name="supervision:selfcheck-list",
        label="幼儿园自查",
        order=36,
        visible=lambda user: selfcheck_can(user, "view") and user.role != Role.KG_STAFF,
        group="supervision",
    )
    register_menu_entry(
        url_name="supervision:draw-list",
        label="双随机抽查",
        order=38,
        visible=lambda user: draw_can(user, "view"),
        group="supervision",
    )
    register_menu_entry(
        url_name="supervision:sign", label="挂牌公示", order=39, visible=sign_can_edit, group="supervision"
    )
    register_panel(
        slot="public-kindergarten",
        key="supervisor-sign",
        template="supervision/public_sign.html",
        order=10,
        context=_public_sign,
    )
    register_menu_entry(
        url_name="supervision:coverage",
        label="督导覆盖",
        order=37,
        visible=lambda user: coverage_can(user),
        group="supervision",
    )
    register_menu_entry(
        url_name="supervision:template-list",
        label="检查模板",
        order=45,
        visible=lambda user: template_can(user, "view") and user.role not in (Role.KG_STAFF,),
        group="supervision",
    )
    register_home_card(
        key="supervision:coverage", template="supervision/home/coverage.html", order=20, context=_coverage
    )
    register_home_card(key="supervision:orders", template="supervision/home/orders.html", order=25, context=_orders)
