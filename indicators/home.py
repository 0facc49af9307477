"""The indicators' menu entry and the bureau's home-page dashboard card: the indicator cards with
target and trend, and what needs attention (returned filings, kindergartens over capacity,
kindergartens without a responsible supervisor). The city's home page shows the same one level up."""

from __future__ import annotations

from core.registry import register_demo, register_home_card, register_menu_entry
from indicators.access import can_view


def _attention(user) -> list[dict]:
    from django.db.models import Case, Exists, F, OuterRef, Sum, When
    from django.urls import reverse

    from kindergartens.access import filings_visible_to, kindergartens_visible_to
    from kindergartens.models import ChangeFiling
    from kindergartens.selectors import counted_condition, with_enrolment
    from supervision.models import SupervisorAssignment

    counted = kindergartens_visible_to(user).filter(counted_condition()).order_by()
    returned = filings_visible_to(user).filter(state=ChangeFiling.State.RETURNED).count()
    active = SupervisorAssignment.objects.filter(kindergarten=OuterRef("pk"), ended_at__isnull=True)
    flags = with_enrolment(counted, only=("enrolled",)).annotate(supervised=Exists(active))
    counts = flags.aggregate(
        over=Sum(Case(When(enrolled__gt=F("capacity"), then=1), default=0)),
        unassigned=Sum(Case(When(supervised=False, then=1), default=0)),
    )
    over, unassigned = counts["over"] or 0, counts["unassigned"] or 0
    return [
        {"label": "被退回待重新报送的变更备案", "count": returned, "url": reverse("kindergartens:filing-list")},
        {"label": "在园幼儿超过学位数的幼儿园", "count": over, "url": reverse("kindergartens:compliance")},
        {"label": "尚未安排责任督学的幼儿园", "count": unassigned, "url": reverse("supervision:assignment-list")},
    ]


def _dashboard(request) -> dict | None:
    from indicators import dashboard as board
    from indicators.services import today

    user = request.user
    if not can_view(user):
        return None
    day = today()
    scope = board.scope_for(user, None)
    month = board.first_of(day)
    return {
        "scope": scope,
        "month": month,
        "month_label": board.month_label(month),
        "cards": board.cards_for(scope, month, day),
        "attention": _attention(user),
    }


def register() -> None:
    register_demo(key="indicators", label="指标", order=30, seed="indicators.demo.seed_indicators")
    register_menu_entry(url_name="indicators:dashboard", label="普及普惠指标", order=5, visible=can_view)
    register_home_card(key="indicators:dashboard", template="indicators/home_card.html", order=5, context=_dashboard)
