"""The credit-grade vocabulary (信用等级) each district bureau keeps: list, add, edit, defaults.

Everyone in scope reads the grades of their districts (the city viewer every district's, by
district); the admin of a district bureau keeps that district's. Each view: access function,
service, render/redirect.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.roles import Role
from core.access import require
from core.pagination import paginate, querystring_without_page
from core.views_helpers import apply_validation_error
from kindergartens.access import (
    can,
    credit_grade_district,
    credit_grade_get_for_user,
    credit_grades_visible_to,
)
from kindergartens.forms import CreditGradeFilterForm, CreditGradeForm
from kindergartens.services import credit_grade_create, credit_grade_update, credit_grades_ensure_defaults


@login_required
@require_safe
def credit_grade_list(request):
    user = request.user
    form = CreditGradeFilterForm(request.GET or None, user=user)
    district = credit_grade_district(user)
    qs = (
        form.filter(credit_grades_visible_to(user))
        .select_related("district")
        .order_by("district__name", "district_id", "-is_active", "-rank", "name")
    )
    page = paginate(request, qs)
    return render(
        request,
        "kindergartens/credit_grade_list.html",
        {
            "page": page,
            "form": form,
            "querystring": querystring_without_page(request),
            # The city viewer sees several districts: the table is grouped and can be filtered by district.
            "by_district": user.role == Role.CITY_VIEWER,
            "can_manage": district is not None,
            # A district that has no grades yet is offered the neutral defaults.
            "offer_defaults": district is not None and not district.credit_grades.exists(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def credit_grade_create_view(request):
    require(can(request.user, "manage_credit_grades") and credit_grade_district(request.user) is not None)
    form = CreditGradeForm(request.POST or None, creating=True)
    if request.method == "POST" and form.is_valid():
        try:
            grade = credit_grade_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"已新增信用等级「{grade.name}」。")
            return redirect("kindergartens:credit-grade-list")
    return render(request, "kindergartens/credit_grade_form.html", {"form": form, "grade": None})


@login_required
@require_http_methods(["GET", "POST"])
def credit_grade_edit_view(request, pk):
    grade = credit_grade_get_for_user(request.user, pk, action="change")
    initial = {"name": grade.name, "rank": grade.rank, "description": grade.description, "is_active": grade.is_active}
    form = CreditGradeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            credit_grade_update(actor=request.user, grade=grade, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
            grade.refresh_from_db()
        else:
            messages.success(request, f"信用等级「{grade.name}」已保存。")
            return redirect("kindergartens:credit-grade-list")
    return render(request, "kindergartens/credit_grade_form.html", {"form": form, "grade": grade})


@login_required
@require_POST
def credit_grade_defaults_view(request):
    """Give the admin's district the neutral default grades (only when it has none)."""
    district = credit_grade_district(request.user)
    require(district is not None)
    created = credit_grades_ensure_defaults(district=district, actor=request.user)
    if created:
        messages.success(request, f"已添加默认信用等级：{'、'.join(g.name for g in created)}。")
    else:
        messages.info(request, "本区县已设置信用等级，未添加默认等级。")
    return redirect("kindergartens:credit-grade-list")


urlpatterns = [
    path("credit-grades/", credit_grade_list, name="credit-grade-list"),
    path("credit-grades/new/", credit_grade_create_view, name="credit-grade-create"),
    path("credit-grades/defaults/", credit_grade_defaults_view, name="credit-grade-defaults"),
    path("credit-grades/<int:pk>/edit/", credit_grade_edit_view, name="credit-grade-edit"),
]
