"""教职工管理设置: the district's training requirement (StaffingPolicy), with its change history, and the
certificate requirements per post.

The district bureau (admin, staff) reads its district's settings; only the bureau admin changes them
(``policy_update``, audited). The certificate requirements (``CertificateKind``) are one list for the
whole installation, shown here read-only: a district admin changing them would change every
district's compliance, so they stay with the system administrator (the Django admin).
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
from staffing.selectors import certificate_kinds
from staffing.services import policy_for, policy_update


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
    labels = dict(Post.choices)
    requirements = [
        (
            kind.name,
            "全体教职工" if kind.for_all_posts else "、".join(str(labels[p]) for p in kind.required_for if p in labels),
        )
        for kind in certificate_kinds()
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
            "has_history": current.pk is not None,
        },
    )


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
]
