"""Checklist template pages: the list, one template (its items, weights and the scoring rule), and
the bureau admin's copy and edits (each edit of a version in use lands on a new version)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from core.access import get_in_scope_or_404, require
from core.forms import StyledFormMixin
from core.lists import page_of_ids
from core.pagination import querystring_without_page
from core.views_helpers import apply_validation_error
from supervision.access import template_can, template_get_for_user, template_manage_district_id, templates_visible_to
from supervision.checklists import (
    SCORING_RULE,
    template_copy,
    template_item_add,
    template_item_remove,
    template_item_update,
    template_items,
    template_section_add,
    template_update,
)
from supervision.models import ChecklistItem, ChecklistTemplate


class ItemForm(StyledFormMixin, forms.Form):
    text = forms.CharField(label="检查内容", max_length=300)
    weight = forms.IntegerField(label="分值权重", min_value=1, max_value=100, initial=1)
    evidence_required = forms.BooleanField(label="须附佐证", required=False)
    veto = forms.BooleanField(label="一票否决", required=False)


class TemplateForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label="模板名称", max_length=100)
    description = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 3}))


class SectionForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label="分类名称", max_length=100)


@login_required
@require_safe
def template_list(request):
    require(template_can(request.user, "view"))
    show_all = request.GET.get("versions") == "all"
    q = request.GET.get("q", "").strip()[:100]
    qs = templates_visible_to(request.user)
    if not show_all:
        qs = qs.filter(is_current=True)
    if q:
        qs = qs.filter(name__icontains=q)
    qs = qs.order_by("district_id", "purpose", "name", "-version", "id")

    def load(ids):
        return (
            ChecklistTemplate.objects.filter(pk__in=ids)
            .select_related("district")
            .annotate(item_count=Count("items"), veto_count=Count("items", filter=Q(items__veto=True)))
        )

    page = page_of_ids(request, qs, load=load)
    return render(
        request,
        "supervision/template_list.html",
        {
            "page": page,
            "q": q,
            "show_all": show_all,
            "querystring": querystring_without_page(request),
            "can_copy": template_manage_district_id(request.user) is not None,
        },
    )


@login_required
@require_safe
def template_detail(request, pk):
    template = template_get_for_user(request.user, pk)
    district_id = template_manage_district_id(request.user)
    can_edit = template.is_current and template.district_id is not None and template.district_id == district_id
    items = template_items(template)
    sections = []
    for item in items:
        if not sections or sections[-1][0].pk != item.section_id:
            sections.append((item.section, []))
        sections[-1][1].append(item)
    empty_sections = template.sections.exclude(pk__in=[s.pk for s, _ in sections])
    sections += [(s, []) for s in empty_sections]
    versions = templates_visible_to(request.user).filter(family=template.family).order_by("-version")
    return render(
        request,
        "supervision/template_detail.html",
        {
            "template": template,
            "sections": sections,
            "total_weight": sum(i.weight for i in items),
            "scoring_rule": SCORING_RULE,
            "can_copy": district_id is not None,
            "can_edit": can_edit,
            "versions": versions,
        },
    )


@login_required
@require_POST
def template_copy_view(request, pk):
    template = template_get_for_user(request.user, pk, action="copy")
    copy = template_copy(actor=request.user, template=template)
    messages.success(request, f"已复制为本区县模板“{copy.name}”，可以按需修改。")
    return redirect("supervision:template-detail", pk=copy.pk)


def _landed(request, template_id: int, new_template_id: int) -> None:
    if new_template_id != template_id:
        messages.info(request, "该版本已被检查或自查使用，修改已保存为新版本；使用旧版本的记录保持不变。")


@login_required
@require_http_methods(["GET", "POST"])
def template_edit(request, pk):
    template = template_get_for_user(request.user, pk, action="edit")
    form = TemplateForm(request.POST or None, initial={"name": template.name, "description": template.description})
    if request.method == "POST" and form.is_valid():
        try:
            version = template_update(actor=request.user, template=template, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            _landed(request, template.pk, version.pk)
            messages.success(request, "已保存。")
            return redirect("supervision:template-detail", pk=version.pk)
    return render(request, "supervision/template_form.html", {"template": template, "form": form, "title": "修改模板"})


@login_required
@require_http_methods(["GET", "POST"])
def template_section_create(request, pk):
    template = template_get_for_user(request.user, pk, action="edit")
    form = SectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            section = template_section_add(actor=request.user, template=template, name=form.cleaned_data["name"])
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            _landed(request, template.pk, section.template_id)
            return redirect("supervision:template-detail", pk=section.template_id)
    return render(request, "supervision/template_form.html", {"template": template, "form": form, "title": "添加分类"})


def _item_for(request, pk) -> ChecklistItem:
    """An item of a template the user may edit (404 outside the visible templates, 403 without the right)."""
    item = get_in_scope_or_404(
        ChecklistItem.objects.filter(template__in=templates_visible_to(request.user)).select_related(
            "template", "section"
        ),
        pk=pk,
    )
    template_get_for_user(request.user, item.template_id, action="edit")
    return item


@login_required
@require_http_methods(["GET", "POST"])
def template_item_create(request, pk):
    """Add an item to section ``?section=`` of the template (by default its last section)."""
    template = template_get_for_user(request.user, pk, action="edit")
    section_id = request.GET.get("section") or request.POST.get("section")
    sections = template.sections.order_by("-position")
    section = get_in_scope_or_404(sections, pk=section_id) if section_id else sections.first()
    if section is None:
        messages.info(request, "请先添加一个分类。")
        return redirect("supervision:template-section-create", pk=template.pk)
    form = ItemForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            item = template_item_add(actor=request.user, section=section, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            _landed(request, template.pk, item.template_id)
            return redirect("supervision:template-detail", pk=item.template_id)
    return render(
        request,
        "supervision/template_form.html",
        {"template": template, "form": form, "title": f"添加检查项：{section.name}", "section": section},
    )


@login_required
@require_http_methods(["GET", "POST"])
def template_item_edit(request, pk):
    item = _item_for(request, pk)
    initial = {f: getattr(item, f) for f in ("text", "weight", "evidence_required", "veto")}
    form = ItemForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            changed = template_item_update(actor=request.user, item=item, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            _landed(request, item.template_id, changed.template_id)
            return redirect("supervision:template-detail", pk=changed.template_id)
    return render(
        request,
        "supervision/template_form.html",
        {"template": item.template, "form": form, "title": f"修改检查项 {item.code}"},
    )


@login_required
@require_POST
def template_item_delete(request, pk):
    item = _item_for(request, pk)
    try:
        version = template_item_remove(actor=request.user, item=item)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("supervision:template-detail", pk=item.template_id)
    _landed(request, item.template_id, version.pk)
    messages.success(request, f"已删除检查项 {item.code}。")
    return redirect("supervision:template-detail", pk=version.pk)
