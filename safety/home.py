"""Safety's menu entries and home-page card (registered with core in SafetyConfig.ready)."""

from __future__ import annotations

import datetime

from django.db.models import Count, Q
from django.utils import timezone

from accounts.roles import Role
from core.registry import register_home_card, register_menu_entry, register_menu_group
from safety.access import incidents_visible_to, safety_can


def _card(request) -> dict | None:
    """Open incidents (no final report), late ones this year, the last seven days: one aggregate query."""
    user = request.user
    if not safety_can(user, "view"):
        return None
    now = timezone.now()
    year_start = timezone.make_aware(datetime.datetime(timezone.localdate().year, 1, 1))  # noqa: DTZ001
    counts = incidents_visible_to(user).aggregate(
        open=Count("pk", filter=Q(final_at__isnull=True)),
        late=Count("pk", filter=Q(late=True, occurred_at__gte=year_start)),
        recent=Count("pk", filter=Q(reported_at__gte=now - datetime.timedelta(days=7))),
    )
    return {
        **counts,
        "can_report": safety_can(user, "draft") and bool(user.kindergarten_id),
        "is_kindergarten": user.role in (Role.KG_DIRECTOR, Role.KG_STAFF),
    }


def register() -> None:
    register_menu_group(key="safety", label="安全", order=50)
    register_menu_entry(
        url_name="safety:incident-list",
        label="安全事故",
        order=50,
        visible=lambda user: safety_can(user, "view"),
        group="safety",
    )
    register_menu_entry(
        url_name="safety:overview",
        label="安全统计",
        order=51,
        visible=lambda user: safety_can(user, "overview"),
        group="safety",
    )
    register_menu_entry(
        url_name="safety:hazard-list",
        label="安全隐患",
        order=52,
        visible=lambda user: safety_can(user, "view"),
        group="safety",
    )
    register_menu_entry(
        url_name="safety:zero-reports",
        label="事故零报告",
        order=53,
        visible=lambda user: safety_can(user, "view") and bool(user.kindergarten_id),
        group="safety",
    )
    register_menu_entry(
        url_name="safety:facility-home",
        label="安全设施",
        order=54,
        visible=lambda user: safety_can(user, "view"),
        group="safety",
    )
    register_home_card(key="safety:incidents", template="safety/home/incidents.html", order=15, context=_card)
