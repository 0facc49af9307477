"""挂牌督导公示: the supervisor's own settings page and the published photo (public, no sign-in)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from core.access import require
from core.forms import StyledFormMixin
from core.views_helpers import apply_validation_error
from kindergartens.views.public import public_page
from supervision.models import SupervisorAssignment
from supervision.signs import public_sign_get, sign_can_edit, sign_get, sign_update


class SignForm(StyledFormMixin, forms.Form):
    published = forms.BooleanField(label="在所负责幼儿园的公开页面公示我的姓名、照片和工作电话", required=False)
    work_phone = forms.CharField(label="工作电话", required=False, max_length=30)
    photo = forms.FileField(label="照片（JPG 或 PNG）", required=False)
    remove_photo = forms.BooleanField(label="删除已上传的照片", required=False)


@login_required
@require_http_methods(["GET", "POST"])
def sign_edit(request):
    require(sign_can_edit(request.user), "只有责任督学可以设置挂牌公示信息。")
    sign = sign_get(request.user)
    form = SignForm(
        request.POST or None,
        request.FILES or None,
        initial={"published": sign.published, "work_phone": sign.work_phone},
    )
    if request.method == "POST" and form.is_valid():
        try:
            sign_update(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, "挂牌公示信息已保存。")
            return redirect("supervision:sign")
    kindergartens = (
        SupervisorAssignment.objects.filter(supervisor=request.user, ended_at__isnull=True)
        .select_related("kindergarten")
        .order_by("kindergarten__name")
    )
    return render(
        request,
        "supervision/sign_form.html",
        {"form": form, "sign": sign, "kindergartens": [a.kindergarten for a in kindergartens]},
    )


@public_page
def public_sign_photo(request, pk):
    """The published photo of a responsible supervisor; 404 once unpublished or removed."""
    sign = public_sign_get(pk)
    if sign is None:
        raise Http404("没有公开的照片。")
    try:
        with sign.photo.open("rb") as handle:
            data = handle.read()
    except FileNotFoundError as exc:
        raise Http404("没有公开的照片。") from exc
    response = HttpResponse(data, content_type=sign.photo_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
