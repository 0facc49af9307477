"""Inspection pages: the list, planning a visit, and the visit itself, filled in on a phone on site
(one small form per item, saved one at a time; orders for failed items; submit)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.access import users_visible_to
from accounts.models import User
from accounts.roles import Role
from core.access import get_in_scope_or_404, require
from core.forms import ModelMultipleChoiceField, StyledFormMixin
from core.lists import page_of_ids
from core.pagination import querystring_without_page
from core.views_helpers import apply_validation_error
from kindergartens.access import kindergarten_get_for_user, kindergartens_visible_to
from kindergartens.services import today
from supervision.access import inspection_can, inspection_get_for_user, inspections_visible_to, templates_visible_to
from supervision.checklists import SCORING_RULE
from supervision.forms import EVIDENCE_HELP, MultipleFileField, MultipleFileInput
from supervision.inspections import (
    inspection_issue_order,
    inspection_plan,
    inspection_publish_conclusion,
    inspection_record_item,
    inspection_start,
    inspection_submit,
    submit_problems,
)
from supervision.models import (
    ChecklistTemplate,
    Inspection,
    InspectionKind,
    InspectionResult,
    InspectionState,
    ItemResult,
    Severity,
    SpecialSubtype,
)
from supervision.selectors import kindergarten_filter


class InspectorField(ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.display_name}（{obj.get_role_display()}）"


class TemplateField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return str(obj)


class PlanForm(StyledFormMixin, forms.Form):
    kind = forms.ChoiceField(label="检查类型", choices=InspectionKind.choices)
    subtype = forms.ChoiceField(
        label="专项类别", choices=[("", "（专项督导时选择）"), *SpecialSubtype.choices], required=False
    )
    template = TemplateField(label="检查模板", queryset=ChecklistTemplate.objects.none(), empty_label="请选择模板")
    planned_on = forms.DateField(label="计划日期", widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    supervisors = InspectorField(label="检查人员", queryset=User.objects.none(), widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, user, kindergarten, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = (
            templates_visible_to(user)
            .filter(is_current=True, is_active=True)
            .filter(Q(district__isnull=True) | Q(district_id=kindergarten.district_id))
            .order_by("district_id", "purpose", "name")
        )
        self.fields["supervisors"].queryset = (
            users_visible_to(user)
            .filter(
                bureau_id=kindergarten.district_id,
                is_active=True,
                role__in=[Role.SUPERVISOR, Role.BUREAU_ADMIN, Role.BUREAU_STAFF],
            )
            .order_by("role", "full_name", "username")
        )
        self.fields["supervisors"].widget.attrs["class"] = "form-check-input"


class ItemForm(forms.Form):
    outcome = forms.ChoiceField(label="检查结果", choices=ItemResult.choices, widget=forms.RadioSelect)
    note = forms.CharField(label="说明", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    files = MultipleFileField(
        label="照片或文件",
        required=False,
        help_text=EVIDENCE_HELP,
        widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png,application/pdf", "multiple": True}),
    )


class ItemOrderForm(StyledFormMixin, forms.Form):
    description = forms.CharField(label="整改要求", max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    severity = forms.ChoiceField(label="严重程度", choices=Severity.choices)


class SubmitForm(StyledFormMixin, forms.Form):
    summary = forms.CharField(label="检查意见", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    conclusion = forms.ChoiceField(
        label="年检结论",
        required=False,
        choices=[("", "—"), ("pass", "合格"), ("basic", "基本合格"), ("fail", "不合格")],
    )


STATE_FILTERS = {"": "全部", **dict(InspectionState.choices)}


@login_required
@require_safe
def inspection_list(request):
    require(inspection_can(request.user, "view"))
    state = request.GET.get("state", "")
    state = state if state in STATE_FILTERS else ""
    q = request.GET.get("q", "").strip()[:100]
    qs = inspections_visible_to(request.user)
    kindergarten_id, kindergarten_name = kindergarten_filter(request)
    if kindergarten_id:
        qs = qs.filter(kindergarten_id=kindergarten_id)
    if state:
        qs = qs.filter(state=state)
    if q:
        qs = qs.filter(kindergarten__name__icontains=q)
    qs = qs.order_by("-planned_on", "-id")

    def load(ids):
        return Inspection.objects.filter(pk__in=ids).select_related("kindergarten", "template")

    page = page_of_ids(request, qs, load=load)
    # A supervisor plans visits to their own few kindergartens from here (the bureau from the record).
    own = []
    if request.user.role == Role.SUPERVISOR and inspection_can(request.user, "plan"):
        own = list(kindergartens_visible_to(request.user).order_by("name").values("pk", "name")[:20])
    return render(
        request,
        "supervision/inspection_list.html",
        {
            "page": page,
            "own_kindergartens": own,
            "kindergarten_filter": (kindergarten_id, kindergarten_name) if kindergarten_id else None,
            "state": state,
            "q": q,
            "states": list(STATE_FILTERS.items()),
            "querystring": querystring_without_page(request),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def inspection_create(request, pk):
    kindergarten = kindergarten_get_for_user(request.user, pk)
    require(inspection_can(request.user, "plan"), "您不能安排督导检查。")
    initial = {"planned_on": today(), "supervisors": [request.user.pk], "kind": InspectionKind.ROUTINE}
    form = PlanForm(request.POST or None, initial=initial, user=request.user, kindergarten=kindergarten)
    if request.method == "POST" and form.is_valid():
        try:
            inspection = inspection_plan(actor=request.user, kindergarten=kindergarten, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, "已安排督导检查。")
            return redirect("supervision:inspection-detail", pk=inspection.pk)
    return render(request, "supervision/inspection_form.html", {"kindergarten": kindergarten, "form": form})


def _sections(inspection: Inspection):
    results = list(
        inspection.results.select_related("item", "item__section", "order")
        .prefetch_related("evidence")
        .order_by("item__section__position", "item__position")
    )
    sections = []
    for result in results:
        if not sections or sections[-1][0].pk != result.item.section_id:
            sections.append((result.item.section, []))
        sections[-1][1].append(result)
    return sections


@login_required
@require_safe
def inspection_detail(request, pk):
    inspection = inspection_get_for_user(request.user, pk)
    can_conduct = inspection_can(request.user, "conduct", inspection)
    in_progress = inspection.state == InspectionState.IN_PROGRESS
    return render(
        request,
        "supervision/inspection_detail.html",
        {
            "inspection": inspection,
            "inspectors": list(inspection.supervisors.all()),
            "sections": _sections(inspection),
            "can_conduct": can_conduct,
            "editing": can_conduct and in_progress,
            "problems": submit_problems(inspection) if can_conduct and in_progress else [],
            "submit_form": SubmitForm(),
            "order_form": ItemOrderForm(),
            "result_choices": ItemResult.choices,
            "scoring_rule": SCORING_RULE,
            "can_publish": inspection.kind == InspectionKind.ANNUAL
            and inspection.state == InspectionState.SUBMITTED
            and not inspection.annual_result_id
            and inspection.conclusion
            and inspection_can(request.user, "publish"),
        },
    )


def _back(inspection_id: int, result_id: int | None = None):
    url = reverse("supervision:inspection-detail", kwargs={"pk": inspection_id})
    return redirect(f"{url}#item-{result_id}" if result_id else url)


@login_required
@require_POST
def inspection_start_view(request, pk):
    inspection = inspection_get_for_user(request.user, pk, action="conduct")
    inspection_start(actor=request.user, inspection=inspection)
    return _back(inspection.pk)


def _result_for(request, pk) -> InspectionResult:
    result = get_in_scope_or_404(
        InspectionResult.objects.filter(inspection__in=inspections_visible_to(request.user)).select_related(
            "inspection", "item"
        ),
        pk=pk,
    )
    inspection_get_for_user(request.user, result.inspection_id, action="conduct")
    return result


@login_required
@require_POST
def inspection_item_view(request, pk):
    result = _result_for(request, pk)
    form = ItemForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, f"{result.item.code}：请选择检查结果。")
        return _back(result.inspection_id, result.pk)
    try:
        inspection_record_item(
            actor=request.user,
            result=result,
            outcome=form.cleaned_data["outcome"],
            note=form.cleaned_data["note"],
            files=form.cleaned_data["files"],
        )
    except ValidationError as exc:
        messages.error(request, f"{result.item.code}：" + "；".join(exc.messages))
    else:
        messages.success(request, f"已保存 {result.item.code}。")
    return _back(result.inspection_id, result.pk)


@login_required
@require_POST
def inspection_item_order_view(request, pk):
    result = _result_for(request, pk)
    form = ItemOrderForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"{result.item.code}：请填写整改要求并选择严重程度。")
        return _back(result.inspection_id, result.pk)
    try:
        order = inspection_issue_order(actor=request.user, result=result, **form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, f"{result.item.code}：" + "；".join(exc.messages))
    else:
        messages.success(
            request, f"已下达整改通知{order.number}（{result.item.code}），期限 {order.deadline:%Y-%m-%d}。"
        )
    return _back(result.inspection_id, result.pk)


@login_required
@require_POST
def inspection_submit_view(request, pk):
    inspection = inspection_get_for_user(request.user, pk, action="conduct")
    form = SubmitForm(request.POST)
    form.is_valid()
    try:
        inspection_submit(
            actor=request.user,
            inspection=inspection,
            summary=form.cleaned_data.get("summary", ""),
            conclusion=form.cleaned_data.get("conclusion", ""),
        )
    except ValidationError as exc:
        for message in exc.messages[:10]:
            messages.error(request, message)
    else:
        messages.success(request, "检查已提交。")
    return _back(inspection.pk)


@login_required
@require_POST
def inspection_publish_view(request, pk):
    inspection = inspection_get_for_user(request.user, pk, action="publish")
    try:
        inspection_publish_conclusion(actor=request.user, inspection=inspection)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, "年检结论已发布到幼儿园名录的年检结果。")
    return _back(inspection.pk)
