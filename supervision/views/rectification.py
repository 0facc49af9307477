"""Rectification pages: the list (待办, overdue…), one order with its timeline, issue, answer,
return and accept. Access through supervision.access; writes through supervision.rectification."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from core.access import require
from core.lists import page_of_ids
from core.pagination import querystring_without_page
from core.views_helpers import apply_validation_error
from kindergartens.access import kindergarten_get_for_user
from kindergartens.services import today
from supervision.access import order_can, order_flags, order_get_for_user
from supervision.forms import OrderAcceptForm, OrderIssueForm, OrderRespondForm, OrderReturnForm
from supervision.rectification import (
    order_accept,
    order_issue,
    order_respond,
    order_return,
    source_kind_label,
    source_url,
)
from supervision.selectors import ORDER_FILTERS, kindergarten_filter, orders_filtered, orders_load


@login_required
@require_safe
def order_list(request):
    require(order_can(request.user, "view"))
    show = request.GET.get("show", "open")
    show = show if show in ORDER_FILTERS else "open"
    q = request.GET.get("q", "").strip()[:100]
    day = today()
    kindergarten_id, kindergarten_name = kindergarten_filter(request)
    orders = orders_filtered(request.user, show=show, q=q, today=day, kindergarten_id=kindergarten_id)
    page = page_of_ids(request, orders, load=orders_load)
    for order in page.object_list:
        order.overdue = order.is_overdue(day)
    return render(
        request,
        "supervision/order_list.html",
        {
            "page": page,
            "show": show,
            "q": q,
            "kindergarten_filter": (kindergarten_id, kindergarten_name) if kindergarten_id else None,
            "filters": [(key, label) for key, (label, _q) in ORDER_FILTERS.items()],
            "querystring": querystring_without_page(request),
        },
    )


@login_required
@require_safe
def order_detail(request, pk):
    order = order_get_for_user(request.user, pk)
    events = list(order.events.select_related("actor").prefetch_related("evidence"))
    flags = order_flags(request.user)
    return render(
        request,
        "supervision/order_detail.html",
        {
            "order": order,
            "events": events,
            "overdue": order.is_overdue(),
            "source_kind": source_kind_label(order.source_kind),
            "source_url": source_url(order),
            "can_respond": flags["can_respond"] and order.state in ("issued", "returned"),
            "can_verify": flags["can_verify"] and order.state == "responded",
            "return_form": OrderReturnForm(),
            "accept_form": OrderAcceptForm(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def order_create(request, pk):
    """A supervisor (or the bureau) issues an order to a kindergarten from what they found."""
    kindergarten = kindergarten_get_for_user(request.user, pk)
    require(order_can(request.user, "issue"), "您不能下达整改通知。")
    form = OrderIssueForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            order = order_issue(
                actor=request.user,
                kindergarten=kindergarten,
                source_kind="manual",
                source_label="督导发现",
                description=form.cleaned_data["description"],
                severity=form.cleaned_data["severity"],
                deadline=form.cleaned_data["deadline"],
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"已下达整改通知 {order.number}，整改期限 {order.deadline:%Y-%m-%d}。")
            return redirect("supervision:order-detail", pk=order.pk)
    return render(request, "supervision/order_form.html", {"kindergarten": kindergarten, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def order_respond_view(request, pk):
    order = order_get_for_user(request.user, pk, action="respond")
    form = OrderRespondForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            order_respond(
                actor=request.user,
                order=order,
                response=form.cleaned_data["response"],
                files=form.cleaned_data["files"],
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"已提交整改情况，等待验收（{order.number}）。")
            return redirect("supervision:order-detail", pk=order.pk)
    return render(request, "supervision/order_respond.html", {"order": order, "form": form})


@login_required
@require_POST
def order_return_view(request, pk):
    order = order_get_for_user(request.user, pk, action="verify")
    form = OrderReturnForm(request.POST)
    if form.is_valid():
        try:
            order_return(actor=request.user, order=order, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"已退回整改通知 {order.number}，请幼儿园重新整改。")
            return redirect("supervision:order-detail", pk=order.pk)
    return render(request, "supervision/order_return.html", {"order": order, "form": form}, status=400)


@login_required
@require_POST
def order_accept_view(request, pk):
    order = order_get_for_user(request.user, pk, action="verify")
    form = OrderAcceptForm(request.POST)
    if form.is_valid():
        try:
            order_accept(actor=request.user, order=order, note=form.cleaned_data["note"])
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, f"整改通知 {order.number} 已验收通过。")
    return redirect("supervision:order-detail", pk=order.pk)
