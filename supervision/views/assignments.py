from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from core.access import require
from core.pagination import paginate, querystring_without_page
from core.views_helpers import apply_validation_error
from kindergartens.access import kindergarten_get_for_user
from supervision.access import assignment_can, assignment_get_for_user, assignments_visible_to
from supervision.coverage import supervisor_load
from supervision.forms import AssignmentForm
from supervision.services import supervisor_assign, supervisor_assignment_end


@login_required
@require_safe
def assignment_list(request):
    require(assignment_can(request.user, "view"))
    qs = assignments_visible_to(request.user).select_related(
        "kindergarten", "kindergarten__township", "supervisor", "assigned_by"
    )
    show = request.GET.get("show", "active")
    if show != "all":
        qs = qs.filter(ended_at__isnull=True)
    q = request.GET.get("q", "").strip()[:100]
    if q:
        qs = qs.filter(kindergarten__name__icontains=q) | qs.filter(supervisor__full_name__icontains=q)
    page = paginate(request, qs.order_by("kindergarten__name", "-started_at", "-id"))
    return render(
        request,
        "supervision/assignment_list.html",
        {
            "page": page,
            "show": show,
            "q": q,
            "querystring": querystring_without_page(request),
            "can_manage": assignment_can(request.user, "manage"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def assignment_create(request, pk):
    kindergarten = kindergarten_get_for_user(request.user, pk, action="assign_supervisor")
    form = AssignmentForm(request.POST or None, user=request.user, kindergarten=kindergarten)
    if request.method == "POST" and form.is_valid():
        try:
            supervisor_assign(
                actor=request.user,
                kindergarten=kindergarten,
                supervisor=form.cleaned_data["supervisor"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            supervisor = form.cleaned_data["supervisor"]
            messages.success(request, f"已指派 {supervisor.display_name} 为责任督学。")
            load = supervisor_load(supervisor)
            if load > settings.SUPERVISOR_LOAD_WARNING:
                messages.warning(
                    request,
                    f"{supervisor.display_name} 现负责 {load} 所幼儿园，超过 {settings.SUPERVISOR_LOAD_WARNING} 所，请留意其工作量。",
                )
            return redirect("kindergartens:detail", pk=kindergarten.pk)
    current = kindergarten.supervisor_assignments.filter(ended_at__isnull=True).select_related("supervisor").first()
    return render(
        request, "supervision/assignment_form.html", {"kindergarten": kindergarten, "form": form, "current": current}
    )


@login_required
@require_http_methods(["GET", "POST"])
def assignment_end(request, pk):
    """GET asks for confirmation; POST ends the assignment (the row stays as history)."""
    assignment = assignment_get_for_user(request.user, pk, action="manage")
    if request.method == "POST":
        try:
            supervisor_assignment_end(actor=request.user, assignment=assignment)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(
                request, f"已解除 {assignment.supervisor.display_name} 对 {assignment.kindergarten} 的责任督学指派。"
            )
        return redirect("kindergartens:detail", pk=assignment.kindergarten_id)
    return render(
        request,
        "snippets/confirm.html",
        {
            "title": "解除责任督学指派",
            "message": f"确定解除 {assignment.supervisor.display_name} 对「{assignment.kindergarten}」的责任督学指派吗？"
            "解除后该督学将无法再查看该园，指派记录会保留在历史中。",
            "confirm_label": "确认解除",
            "danger": True,
            "cancel_url": assignment.kindergarten.get_absolute_url(),
        },
    )
