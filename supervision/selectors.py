"""Reads for supervision pages and the API; every queryset starts from supervision.access."""

from __future__ import annotations

import datetime

from django.db.models import Q, QuerySet

from supervision.access import orders_visible_to
from supervision.models import OPEN_STATES, OrderState, RectificationOrder

ORDER_FILTERS = {
    "open": ("待办（待整改、已退回、待验收）", Q(state__in=[*OPEN_STATES, OrderState.RESPONDED])),
    "overdue": ("已逾期", None),  # needs the day: see orders_filtered
    "responded": ("待验收", Q(state=OrderState.RESPONDED)),
    "accepted": ("已验收", Q(state=OrderState.ACCEPTED)),
    "all": ("全部", Q()),
}


def orders_filtered(user, *, show: str, q: str, today: datetime.date, kindergarten_id: int | None = None) -> QuerySet:
    """The narrow queryset of a list page (ids, count, order): scope, filter, search, sort."""
    qs = orders_visible_to(user)
    if show == "overdue":
        qs = qs.filter(state__in=OPEN_STATES, deadline__lt=today).order_by("deadline", "id")
    else:
        qs = qs.filter(ORDER_FILTERS.get(show, ORDER_FILTERS["open"])[1]).order_by("-issued_at", "-id")
    if kindergarten_id:
        qs = qs.filter(kindergarten_id=kindergarten_id)
    q = (q or "").strip()
    if q:
        number = q.removeprefix("整改通知").removeprefix("第").removesuffix("号")
        condition = Q(kindergarten__name__icontains=q) | Q(description__icontains=q)
        if number.isdigit():
            condition |= Q(pk=int(number))
        qs = qs.filter(condition)
    return qs


def orders_load(ids) -> list[RectificationOrder]:
    """The rows of one page with what the list shows (one query)."""
    return list(
        RectificationOrder.objects.filter(pk__in=ids)
        .select_related("kindergarten")
        .only(
            "id",
            "kindergarten__id",
            "kindergarten__name",
            "kindergarten__district_id",
            "source_kind",
            "source_label",
            "description",
            "severity",
            "deadline",
            "state",
            "issued_at",
            "escalation",
        )
    )


def kindergarten_filter(request) -> tuple[int | None, str]:
    """``?kindergarten=<id>`` of a list page (links from the kindergarten record): the id and the
    kindergarten's name when it is in the user's scope, else (None, "") and the list is unfiltered."""
    from kindergartens.access import kindergartens_visible_to

    raw = request.GET.get("kindergarten", "")
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 12:
        return None, ""
    name = kindergartens_visible_to(request.user).filter(pk=int(raw)).values_list("name", flat=True).first()
    return (int(raw), name) if name is not None else (None, "")
