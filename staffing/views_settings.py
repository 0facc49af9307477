"""教职工管理设置: the district's training requirement and its certificate requirements per post
(StaffingPolicy), with their change history.

The district bureau (admin, staff) reads its district's settings; only the bureau admin changes them
(``policy_update``, ``certificate_requirements_update``; audited). The certificate kinds and their
city-wide default posts (``CertificateKind``) stay with the system administrator (the Django admin);
a district admin changes which posts need which certificate in their own district only, and the
roster, the missing list and the holding rates follow the district's setting.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_http_methods, require_safe

from core.access import account_has_scope, require
from core.audit import history_for
from core.pagination import paginate
from core.views_helpers import apply_validation_error
from kindergartens.models import Bureau
from staffing import forms
from staffing.access import BUREAU_EDITORS, can
from staffing.models import Post, StaffingPolicy
from staffing.selectors import certificate_kinds, default_requirement, requirements_for
from staffing.services import certificate_requirements_update, policy_for, policy_update


def _district_for(user) -> Bureau:
    """The user's own district: 404 without scope, 403 for roles that keep no district settings."""
    if not account_has_scope(user):
        raise Http404
    require(user.role in BUREAU_EDITORS and user.bureau is not None and user.bureau.level == Bureau.Level.DISTRICT)
    return user.bureau


@login_required
@require_http_methods(["GET", "POST"])
def policy(request):
    district = _district_for(request.user)
    current = policy_for(district.pk)
    can_edit = can(request.user, "manage_policy")
    if request.method == "POST":
        require(can_edit, "只有本区县管理员可以修改教职工管理设置。")
    form = forms.PolicyForm(
        request.POST or None,
        initial={"training_hours": current.training_hours, "training_years": current.training_years},
    )
    if request.method == "POST" and form.is_valid():
        try:
            policy_update(actor=request.user, district=district, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, "教职工管理设置已保存。")
            return redirect("staffing:policy")
    requirements = [
        (r.kind.name, _posts_text(r), r != default_requirement(r.kind), _posts_text(default_requirement(r.kind)))
        for r in requirements_for(district.pk)
    ]
    return render(
        request,
        "staffing/policy.html",
        {
            "district": district,
            "policy": current,
            "form": form,
            "can_edit": can_edit,
            "requirements": requirements,
            "can_edit_requirements": can(request.user, "manage_policy"),
            "has_history": current.pk is not None,
        },
    )


def _posts_text(requirement) -> str:
    if requirement.all_posts:
        return "全体教职工"
    return "、".join(str(label) for value, label in Post.choices if value in requirement.posts)


@login_required
@require_http_methods(["GET", "POST"])
def certificate_requirements(request):
    """The district admin's page: which posts need which certificate in the district."""
    district = _district_for(request.user)
    require(can(request.user, "manage_policy"), "只有本区县管理员可以修改本区县的持证要求。")
    kinds = certificate_kinds()
    current = {r.kind.pk: r for r in requirements_for(district.pk)}
    form = forms.RequirementsForm(request.POST or None, kinds=kinds, current=current)
    if request.method == "POST" and form.is_valid():
        try:
            certificate_requirements_update(actor=request.user, district=district, requirements=form.requirements())
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, "本区县的持证要求已保存，名册、缺证名单和持证率按新的要求计算。")
            return redirect("staffing:policy")
    rows = [(*row, _posts_text(default_requirement(row[0]))) for row in form.rows()]
    return render(request, "staffing/certificate_requirements.html", {"district": district, "form": form, "rows": rows})


@login_required
@require_safe
def policy_history(request):
    district = _district_for(request.user)
    current = StaffingPolicy.objects.filter(district=district).first()
    entries = history_for(current) if current is not None else StaffingPolicy.objects.none()
    label = f"{district.name} 教职工管理设置"
    return render(
        request,
        "core/history.html",
        {"object": label, "object_label": str(current) if current else label, "page": paginate(request, entries)},
    )


urlpatterns = [
    path("settings/", policy, name="policy"),
    path("settings/history/", policy_history, name="policy-history"),
    path("settings/certificates/", certificate_requirements, name="certificate-requirements"),
]
