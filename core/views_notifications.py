"""通知: the signed-in user's own notifications. Every read goes through ``notifications_for``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from core.access import get_in_scope_or_404
from core.notifications import notification_mark_read, notifications_for, notifications_mark_all_read
from core.pagination import paginate, querystring_without_page


@login_required
@require_GET
def notification_list(request):
    """The inbox, newest first; ``?unread=1`` shows only the unread ones."""
    qs = notifications_for(request.user).only("pk", "title", "body", "link", "created_at", "read_at")
    unread_only = request.GET.get("unread") == "1"
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    page = paginate(request, qs.order_by("-created_at", "-id"))
    return render(
        request,
        "core/notifications/list.html",
        {"page": page, "unread_only": unread_only, "querystring": querystring_without_page(request)},
    )


@login_required
@require_POST
def notification_open(request, pk):
    """Mark one as read and go where it points (a path inside the portal, or back to the inbox)."""
    notification = get_in_scope_or_404(notifications_for(request.user), pk=pk)
    notification_mark_read(user=request.user, notification=notification)
    link = notification.link
    if link and url_has_allowed_host_and_scheme(link, allowed_hosts=None) and link.startswith("/"):
        return redirect(link)
    return redirect("core:notification-list")


@login_required
@require_POST
def notification_read_all(request):
    count = notifications_mark_all_read(user=request.user)
    if count:
        messages.success(request, f"已将 {count} 条通知标为已读。")
    return redirect("core:notification-list")
