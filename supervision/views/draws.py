"""双随机抽查 pages: the district's draws, running one (the bureau) and a draw's page with its
visits; the public pages (``public_draws``) publish every draw and, later, its results."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_http_methods, require_safe

from accounts.models import User
from core.access import require
from core.forms import ModelMultipleChoiceField, StyledFormMixin
from core.lists import page_of_ids
from core.pagination import paginate, querystring_without_page
from core.views_helpers import apply_validation_error
from kindergartens.access import kindergartens_visible_to
from kindergartens.models import Kindergarten
from kindergartens.selectors_public import public_kindergartens
from kindergartens.services import today
from kindergartens.views.public import _render, public_page
from supervision.access import draw_can, draw_get_for_user, draw_run_district, draws_visible_to, templates_visible_to
from supervision.draws import INSPECTOR_ROLES, draw_run
from supervision.models import ChecklistTemplate, Inspection, InspectionState, RandomDraw
from supervision.views.inspections import InspectorField, TemplateField


class KindergartenField(ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class DrawForm(StyledFormMixin, forms.Form):
    title = forms.CharField(label="抽查名称", max_length=100)
    template = TemplateField(label="检查模板", queryset=ChecklistTemplate.objects.none(), empty_label="请选择模板")
    planned_on = forms.DateField(
        label="计划检查日期", widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    share_percent = forms.IntegerField(label="抽取比例（%）", required=False, min_value=1, max_value=100)
    count = forms.IntegerField(label="或抽取数量（所）", required=False, min_value=1)
    inspectors_per_visit = forms.IntegerField(label="每组检查人员数", min_value=1, max_value=10)
    seed = forms.CharField(label="随机种子（可不填，系统随机生成）", required=False, max_length=64)
    kindergartens = KindergartenField(
        label="参加抽取的幼儿园", queryset=Kindergarten.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    inspectors = InspectorField(label="检查人员名单", queryset=User.objects.none(), widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, user, district, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = (
            templates_visible_to(user)
            .filter(is_current=True, is_active=True)
            .filter(Q(district__isnull=True) | Q(district_id=district.pk))
            .order_by("district_id", "purpose", "name")
        )
        self.fields["kindergartens"].queryset = (
            kindergartens_visible_to(user).filter(district_id=district.pk).order_by("name", "id")
        )
        self.fields["inspectors"].queryset = User.objects.filter(
            bureau_id=district.pk, is_active=True, role__in=INSPECTOR_ROLES
        ).order_by("role", "full_name", "username")
        for name in ("kindergartens", "inspectors"):
            # each box has its own <label> (the name); the group's name is the fieldset's legend
            self.fields[name].widget.attrs.pop("aria-label", None)

    def clean(self):
        data = super().clean()
        if data.get("share_percent") is not None and data.get("count") is not None:
            raise ValidationError("抽取比例和抽取数量请只填一项。")
        return data


@login_required
@require_safe
def draw_list(request):
    require(draw_can(request.user, "view"))
    q = request.GET.get("q", "").strip()[:100]
    qs = draws_visible_to(request.user)
    if q:
        qs = qs.filter(title__icontains=q)
    page = page_of_ids(
        request,
        qs.order_by("-created_at", "-id"),
        load=lambda ids: RandomDraw.objects.filter(pk__in=ids).select_related("district", "template"),
    )
    return render(
        request,
        "supervision/draw_list.html",
        {
            "page": page,
            "q": q,
            "can_run": draw_run_district(request.user) is not None,
            "querystring": querystring_without_page(request),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def draw_create(request):
    district = draw_run_district(request.user)
    require(district is not None, "只有区县教育局可以组织双随机抽查。")
    public_ids = list(public_kindergartens().filter(district=district).values_list("pk", flat=True))
    supervisors = list(
        User.objects.filter(bureau_id=district.pk, is_active=True, role="supervisor").values_list("pk", flat=True)
    )
    initial = {
        "planned_on": today(),
        "share_percent": settings.RANDOM_DRAW_DEFAULT_PERCENT,
        "inspectors_per_visit": settings.RANDOM_DRAW_MIN_INSPECTORS,
        "kindergartens": public_ids,
        "inspectors": supervisors,
        "title": f"{today().year}年双随机抽查",
    }
    form = DrawForm(request.POST or None, initial=initial, user=request.user, district=district)
    if request.method == "POST" and form.is_valid():
        try:
            draw = draw_run(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(
                request, f"已完成抽取：抽中 {draw.drawn_count} 所幼儿园，已安排双随机抽查并在信息公开页面公布。"
            )
            return redirect("supervision:draw-detail", pk=draw.pk)
    return render(request, "supervision/draw_form.html", {"form": form, "district": district})


def _visits(draw: RandomDraw):
    return list(
        Inspection.objects.filter(draw=draw)
        .select_related("kindergarten")
        .prefetch_related("supervisors")
        .order_by("kindergarten__name", "id")
    )


@login_required
@require_safe
def draw_detail(request, pk):
    draw = draw_get_for_user(request.user, pk)
    return render(request, "supervision/draw_detail.html", {"draw": draw, "visits": _visits(draw)})


# --- public (信息公开): no sign-in, cached, no personal data but the inspectors' published names ---


def _public_draws():
    return RandomDraw.objects.select_related("district", "template").order_by("-created_at", "-id")


@public_page
def public_draw_list(request):
    page = paginate(request, _public_draws())
    return _render("public/draw_list.html", {"page": page, "querystring": querystring_without_page(request)})


@public_page
def public_draw_detail(request, pk):
    draw = _public_draws().filter(pk=pk).first()
    if draw is None:
        raise Http404("没有这次抽查。")
    numbers = {u: n for n, u in enumerate(draw.inspector_pool, start=1)}
    identifiers = draw.identifiers or {}
    visits = [
        {
            "kindergarten": visit.kindergarten.name,
            # the public identifier recorded with the draw (credit code, else name): never a record number
            "identifier": identifiers.get(str(visit.kindergarten_id), ""),
            "inspectors": "、".join(f"{numbers.get(u.pk, '?')}号" for u in visit.supervisors.all()),
            "submitted": visit.state == InspectionState.SUBMITTED,
            "score": visit.score,
            "vetoed": visit.vetoed,
        }
        for visit in _visits(draw)
    ]
    pool = sorted(identifiers.values())
    avoid = sorted((identifiers.get(str(kg), "—"), numbers.get(user, "?")) for kg, user in draw.avoid.items())
    return _render(
        "public/draw_detail.html",
        {
            "draw": draw,
            "visits": visits,
            "pool": pool,
            "inspector_numbers": list(numbers.values()),
            "avoid": avoid,
            "by_identifier": draw.method == RandomDraw.Method.IDENTIFIER,
        },
    )


public_urlpatterns = [
    path("", public_draw_list, name="list"),
    path("<int:pk>/", public_draw_detail, name="detail"),
]
