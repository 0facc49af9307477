from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_http_methods

from accounts.roles import Role
from core.audit import history_for
from core.pagination import paginate, querystring_without_page
from core.views_helpers import apply_validation_error
from kindergartens.access import kindergarten_flags, kindergarten_get_for_user, kindergartens_visible_to
from kindergartens.forms import KindergartenFilterForm, KindergartenForm
from kindergartens.services import kindergarten_update
from supervision.models import SupervisorAssignment


def active_assignments_prefetch() -> Prefetch:
    return Prefetch(
        "supervisor_assignments",
        queryset=SupervisorAssignment.objects.filter(ended_at__isnull=True).select_related("supervisor"),
        to_attr="active_assignments",
    )


@login_required
def kindergarten_list(request):
    form = KindergartenFilterForm(request.GET or None, user=request.user)
    qs = kindergartens_visible_to(request.user)
    qs = form.filter(qs) if form.is_bound else qs.order_by("name", "id")
    qs = qs.select_related("district", "township", "collaboration_group").prefetch_related(
        active_assignments_prefetch()
    )
    page = paginate(request, qs)
    return render(
        request,
        "kindergartens/list.html",
        {
            "form": form,
            "page": page,
            "querystring": querystring_without_page(request),
            "show_district_filter": request.user.role == Role.CITY_VIEWER,
        },
    )


@login_required
def kindergarten_detail(request, pk):
    kindergarten = kindergarten_get_for_user(request.user, pk, action="view")
    assignments = kindergarten.supervisor_assignments.select_related("supervisor", "assigned_by", "ended_by").order_by(
        "-started_at", "-id"
    )
    return render(
        request,
        "kindergartens/detail.html",
        {
            "kindergarten": kindergarten,
            "assignments": assignments,
            "active_assignment": next((a for a in assignments if a.ended_at is None), None),
            "flags": kindergarten_flags(request.user, kindergarten),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def kindergarten_edit(request, pk):
    kindergarten = kindergarten_get_for_user(request.user, pk, action="change")
    form = KindergartenForm(request.POST or None, kindergarten=kindergarten, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            kindergarten_update(
                actor=request.user,
                kindergarten=kindergarten,
                changes=form.changes(),
                effective_date=form.cleaned_data.get("effective_date"),
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, "幼儿园信息已保存。")
            return redirect("kindergartens:detail", pk=kindergarten.pk)
    return render(request, "kindergartens/edit.html", {"kindergarten": kindergarten, "form": form})


@login_required
def kindergarten_history(request, pk):
    kindergarten = kindergarten_get_for_user(request.user, pk, action="view_history")
    page = paginate(request, history_for(kindergarten, include=[kindergarten.supervisor_assignments.all()]))
    return render(
        request,
        "core/history.html",
        {"object": kindergarten, "object_label": str(kindergarten), "page": page, "back_url": kindergarten},
    )


urlpatterns = [
    path("", kindergarten_list, name="list"),
    path("<int:pk>/", kindergarten_detail, name="detail"),
    path("<int:pk>/edit/", kindergarten_edit, name="edit"),
    path("<int:pk>/history/", kindergarten_history, name="history"),
]
