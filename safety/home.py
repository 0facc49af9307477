"""Safety's menu entries and home-page card (registered with core in SafetyConfig.ready)."""

from __future__ import annotations

import datetime

from django.db.models import Count, Q
from django.utils import timezone

from accounts.roles import Role
from core.db.compiled import CompiledQuery
from core.registry import (
    panel_values,
    register_demo,
    register_home_card,
    register_menu_entry,
    register_menu_group,
    register_panel,
)
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


def _panel_annotations() -> dict:
    """Open incidents, open hazards and the last video check of the kindergarten ``OuterRef("pk")``."""
    from django.db.models import IntegerField, OuterRef, Subquery
    from django.db.models.functions import Coalesce

    from safety.models import Hazard, Incident, VideoCheck
    from safety.selectors import OPEN_HAZARD

    def count(qs):
        return Coalesce(
            Subquery(qs.order_by().values("kindergarten_id").annotate(n=Count("pk")).values("n")[:1]),
            0,
            output_field=IntegerField(),
        )

    last = VideoCheck.objects.filter(kindergarten=OuterRef("pk")).order_by("-month")
    return {
        "open_incidents": count(Incident.objects.filter(kindergarten=OuterRef("pk"), final_at__isnull=True)),
        "open_hazards": count(Hazard.objects.filter(OPEN_HAZARD, kindergarten=OuterRef("pk"))),
        "check_month": Subquery(last.values("month")[:1]),
        "check_working": Subquery(last.values("cameras_working")[:1]),
        "check_total": Subquery(last.values("cameras_total")[:1]),
    }


def _panel_query(kindergarten: int):
    """The panel's figures in one query, for a kindergarten read without them."""
    from kindergartens.models import Kindergarten

    annotations = _panel_annotations()
    return Kindergarten.objects.filter(pk=kindergarten).annotate(**annotations).values(*annotations)


# Read on every record page: built and compiled once per process (core.db.compiled).
PANEL_QUERY = CompiledQuery(_panel_query, prepare=True, kindergarten=int)


def _kindergarten_panel(*, request, kindergarten) -> dict | None:
    """The safety panel of the kindergarten record: open incidents, open hazards and the last video
    check in one query, and links. The record page has already checked the kindergarten's scope."""
    from core.url_fast import kept_reverse as reverse

    user = request.user
    if not safety_can(user, "view"):
        return None
    # Read with the kindergarten by the record page (core.registry.panel_annotations), else here.
    row = panel_values("kindergarten-actions", "safety", kindergarten)
    if row is None:
        row = PANEL_QUERY.one(kindergarten=kindergarten.pk)
    if row is None:  # removed since the page read it
        return None
    query = f"?kindergarten={kindergarten.pk}"
    this_month = timezone.localdate().replace(day=1)
    last_month = (this_month - datetime.timedelta(days=1)).replace(day=1)
    return {
        **row,
        "check_recent": row["check_month"] is not None and row["check_month"] >= last_month,
        "incidents_url": reverse("safety:incident-list") + query,
        "hazards_url": reverse("safety:hazard-list") + query + "&show=open",
        "facilities_url": reverse("safety:facilities", args=[kindergarten.pk]),
        "hazard_create_url": reverse("safety:hazard-create", args=[kindergarten.pk])
        if safety_can(user, "hazard_record")
        and (user.role not in (Role.KG_DIRECTOR, Role.KG_STAFF) or user.kindergarten_id == kindergarten.pk)
        else None,
        "report_url": reverse("safety:incident-create")
        if safety_can(user, "draft") and user.kindergarten_id == kindergarten.pk
        else None,
    }


def register() -> None:
    register_demo(key="safety", label="安全", order=40, seed="safety.demo.seed_safety")
    register_menu_group(key="safety", label="安全", order=50, index="safety/")
    register_panel(
        slot="kindergarten-actions",
        key="safety",
        template="safety/kindergarten_panel.html",
        order=20,
        context=_kindergarten_panel,
        annotations=_panel_annotations,
    )
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
