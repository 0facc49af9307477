"""Self-check pages: the list (with each self-check's gap to the latest inspection), starting one
(the director), filling it item by item, submitting, and the gap item by item with orders for
findings (the supervisor and the bureau)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from core.access import get_in_scope_or_404, require
from core.forms import StyledFormMixin
from core.lists import page_of_ids
from core.pagination import querystring_without_page
from core.views_helpers import apply_validation_error
from kindergartens.access import kindergarten_get_for_user
from supervision.access import selfcheck_can, selfcheck_get_for_user, selfchecks_visible_to, templates_visible_to
from supervision.checklists import SCORING_RULE
from supervision.models import ChecklistTemplate, ItemResult, SelfCheck, SelfCheckResult, SelfCheckState
from supervision.selectors import kindergarten_filter
from supervision.selfchecks import (
    latest_inspections,
    score_gap,
    selfcheck_gap,
    selfcheck_issue_order,
    selfcheck_problems,
    selfcheck_record_item,
    selfcheck_start,
    selfcheck_submit,
)
from supervision.views.inspections import ItemOrderForm, TemplateField


class StartForm(StyledFormMixin, forms.Form):
    template = TemplateField(label="检查模板", queryset=ChecklistTemplate.objects.none(), empty_label="请选择模板")

    def __init__(self, *args, user, kindergarten, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = (
            templates_visible_to(user)
            .filter(is_current=True, is_active=True)
            .filter(Q(district__isnull=True) | Q(district_id=kindergarten.district_id))
            .order_by("district_id", "purpose", "name")
        )


class ItemForm(forms.Form):
    outcome = forms.ChoiceField(label="自查结果", choices=ItemResult.choices)
    note = forms.CharField(label="说明", required=False, max_length=2000)


class SubmitForm(StyledFormMixin, forms.Form):
    summary = forms.CharField(label="自查小结", required=False, widget=forms.Textarea(attrs={"rows": 3}))


STATE_FILTERS = {"": "全部", **dict(SelfCheckState.choices)}


@login_required
@require_safe
def selfcheck_list(request):
    user = request.user
    require(selfcheck_can(user, "view"))
    state = request.GET.get("state", "")
    state = state if state in STATE_FILTERS else ""
    q = request.GET.get("q", "").strip()[:100]
    qs = selfchecks_visible_to(user)
    kindergarten_id, kindergarten_name = kindergarten_filter(request)
    if kindergarten_id:
        qs = qs.filter(kindergarten_id=kindergarten_id)
    if state:
        qs = qs.filter(state=state)
    if q:
        qs = qs.filter(kindergarten__name__icontains=q)
    qs = qs.order_by("-created_at", "-id")

    def load(ids):
        return SelfCheck.objects.filter(pk__in=ids).select_related("kindergarten", "template")

    page = page_of_ids(request, qs, load=load)
    rows = list(page.object_list)
    latest = latest_inspections((r.kindergarten_id, r.template_id) for r in rows if r.state == SelfCheckState.SUBMITTED)
    for row in rows:
        row.inspection = latest.get((row.kindergarten_id, row.template_id))
        row.difference, row.large_gap = (None, False)
        if row.inspection is not None:
            row.difference, row.large_gap = score_gap(
                row.score, row.vetoed, row.inspection.score, row.inspection.vetoed
            )
    page.object_list = rows
    can_start = selfcheck_can(user, "fill") and bool(user.kindergarten_id)
    return render(
        request,
        "supervision/selfcheck_list.html",
        {
            "page": page,
            "kindergarten_filter": (kindergarten_id, kindergarten_name) if kindergarten_id else None,
            "state": state,
            "q": q,
            "states": list(STATE_FILTERS.items()),
            "querystring": querystring_without_page(request),
            "start_url": reverse("supervision:selfcheck-create", args=[user.kindergarten_id]) if can_start else "",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def selfcheck_create(request, pk):
    kindergarten = kindergarten_get_for_user(request.user, pk)
    require(
        selfcheck_can(request.user, "fill") and request.user.kindergarten_id == kindergarten.pk,
        "只有本园园长可以填写自查。",
    )
    form = StartForm(request.POST or None, user=request.user, kindergarten=kindergarten)
    if request.method == "POST" and form.is_valid():
        try:
            self_check = selfcheck_start(actor=request.user, kindergarten=kindergarten, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, "已开始自查，请逐项填写后提交。")
            return redirect("supervision:selfcheck-detail", pk=self_check.pk)
    return render(request, "supervision/selfcheck_form.html", {"kindergarten": kindergarten, "form": form})


@login_required
@require_safe
def selfcheck_detail(request, pk):
    self_check = selfcheck_get_for_user(request.user, pk)
    editing = selfcheck_can(request.user, "fill", self_check)
    context = {
        "self_check": self_check,
        "editing": editing,
        "scoring_rule": SCORING_RULE,
        "result_choices": ItemResult.choices,
        "order_form": ItemOrderForm(),
        "submit_form": SubmitForm(),
    }
    if self_check.state == SelfCheckState.SUBMITTED:
        gap = selfcheck_gap(self_check)
        can_issue = selfcheck_can(request.user, "issue", self_check)
        orders = dict(self_check.results.values_list("item__code", "order_id"))
        result_ids = dict(self_check.results.values_list("item__code", "pk"))
        context.update(
            gap=gap,
            rows=[(item, orders.get(item.code), result_ids[item.code]) for item in gap.items],
            can_issue=can_issue,
        )
    else:
        context.update(
            results=list(
                self_check.results.select_related("item", "item__section").order_by(
                    "item__section__position", "item__position"
                )
            ),
            problems=selfcheck_problems(self_check) if editing else [],
        )
    return render(request, "supervision/selfcheck_detail.html", context)


def _back(self_check_id: int, result_id: int | None = None):
    url = reverse("supervision:selfcheck-detail", kwargs={"pk": self_check_id})
    return redirect(f"{url}#item-{result_id}" if result_id else url)


def _result_for(request, pk, action: str) -> SelfCheckResult:
    result = get_in_scope_or_404(
        SelfCheckResult.objects.filter(self_check__in=selfchecks_visible_to(request.user)).select_related(
            "self_check", "item"
        ),
        pk=pk,
    )
    selfcheck_get_for_user(request.user, result.self_check_id, action=action)
    return result


@login_required
@require_POST
def selfcheck_item_view(request, pk):
    result = _result_for(request, pk, "fill")
    form = ItemForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"{result.item.code}：请选择自查结果。")
        return _back(result.self_check_id, result.pk)
    try:
        selfcheck_record_item(actor=request.user, result=result, **form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, f"{result.item.code}：" + "；".join(exc.messages))
    else:
        messages.success(request, f"已保存 {result.item.code}。")
    return _back(result.self_check_id, result.pk)


@login_required
@require_POST
def selfcheck_submit_view(request, pk):
    self_check = selfcheck_get_for_user(request.user, pk, action="fill")
    form = SubmitForm(request.POST)
    form.is_valid()
    try:
        selfcheck_submit(actor=request.user, self_check=self_check, summary=form.cleaned_data.get("summary", ""))
    except ValidationError as exc:
        for message in exc.messages[:10]:
            messages.error(request, message)
    else:
        messages.success(request, "自查已提交，教育局和责任督学可以查看。")
    return _back(self_check.pk)


@login_required
@require_POST
def selfcheck_item_order_view(request, pk):
    result = _result_for(request, pk, "issue")
    form = ItemOrderForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"{result.item.code}：请填写整改要求并选择严重程度。")
        return _back(result.self_check_id, result.pk)
    try:
        order = selfcheck_issue_order(actor=request.user, result=result, **form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, f"{result.item.code}：" + "；".join(exc.messages))
    else:
        messages.success(
            request, f"已下达整改通知{order.number}（{result.item.code}），期限 {order.deadline:%Y-%m-%d}。"
        )
    return _back(result.self_check_id, result.pk)
