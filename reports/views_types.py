"""Report type pages: the list and one type (the bureau and the city read them), a district admin's new
type and the editor (settings, sections, fields, rules) with a confirmation step that says what will
change and whether a new version is made. Thin: reports.access decides, reports.services writes."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, Max, OuterRef
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from core.access import require
from core.pagination import paginate, querystring_without_page
from reports import type_forms
from reports.access import can, report_type_manage_get, report_types_manageable_by
from reports.models import Period, Submission, SubmitterLevel
from reports.services import (
    report_type_can_edit,
    report_type_create,
    report_type_in_use,
    report_type_update,
    report_type_version,
)


@login_required
@require_GET
def type_list(request):
    user = request.user
    require(can(user, "types"))
    qs = (
        report_types_manageable_by(user)
        .select_related("owner")
        .annotate(
            current=Max("versions__number"),
            in_use=Exists(Submission.objects.filter(report_type=OuterRef("pk"))),
        )
        .order_by("sort_order", "pk")
    )
    page = paginate(request, qs)
    return render(
        request,
        "reports/type_list.html",
        {"page": page, "querystring": querystring_without_page(request), "can_create": can(user, "type_create")},
    )


@login_required
@require_GET
def type_detail(request, pk):
    report_type = report_type_manage_get(request.user, pk)
    current = report_type_version(report_type)
    used = dict(
        Submission.objects.filter(report_type=report_type).values_list("version").annotate(n=Count("pk")).order_by()
    )
    versions = list(report_type.versions.select_related("created_by").order_by("-number"))
    for v in versions:
        v.used = used.get(v.pk, 0)
    return render(
        request,
        "reports/type_detail.html",
        {
            "report_type": report_type,
            "current": current,
            "definition": type_forms.describe(current.content if current else {}),
            "versions": versions,
            "can_edit": report_type_can_edit(request.user, report_type),
        },
    )


def _field_errors(exc: ValidationError) -> dict[str, list[str]]:
    return dict(exc.message_dict) if hasattr(exc, "error_dict") else {"__all__": exc.messages}


@login_required
@require_http_methods(["GET", "POST"])
def type_new(request):
    """A district admin's own type, starting from an existing type's current content (or a blank one)."""
    user = request.user
    require(can(user, "type_create"))
    bases = list(report_types_manageable_by(user).filter(is_active=True).order_by("sort_order", "pk"))
    errors: dict[str, list[str]] = {}
    values = type_forms.settings_initial(None)
    values["based_on"] = ""
    if request.method == "POST":
        values = {**request.POST.dict(), "is_active": True}
        settings = type_forms.parse_settings(request.POST, errors)
        settings["is_active"] = True
        base = next((b for b in bases if str(b.pk) == request.POST.get("based_on", "")), None)
        if request.POST.get("based_on") and base is None:
            errors["based_on"] = ["请选择参照的报表，或选择空白报表。"]
        if not errors:
            content = type_forms.BLANK_CONTENT
            if base is not None:
                content = report_type_version(base).content
                if settings["submitter_level"] == SubmitterLevel.KINDERGARTEN or base.submitter_level != (
                    SubmitterLevel.DISTRICT
                ):
                    content = type_forms.strip_computed(content)
            source = base.source if base is not None and base.submitter_level == SubmitterLevel.DISTRICT else None
            try:
                created = report_type_create(actor=user, content=content, source=source, **settings)
            except ValidationError as exc:
                errors = _field_errors(exc)
            else:
                messages.success(request, "报表类型已新建。请继续调整填报内容。")
                return redirect("reports:type-edit", pk=created.pk)
    return render(
        request,
        "reports/type_new.html",
        {
            "values": values,
            "errors": errors,
            "other_errors": [m for k, msgs in errors.items() if k not in SETTING_KEYS for m in msgs],
            "bases": bases,
            **_choices(),
        },
    )


SETTING_KEYS = ("name", "due_day", "grace_days", "period", "submitter_level")


def _choices() -> dict:
    # A district's type is filed by its kindergartens or by itself, never by the city (type_forms.EDITABLE_LEVELS).
    return {"periods": Period.choices, "levels": [(v, SubmitterLevel(v).label) for v in type_forms.EDITABLE_LEVELS]}


@login_required
@require_http_methods(["GET", "POST"])
def type_edit(request, pk):
    """Edit a type the admin's district keeps. The first POST shows what will change (and whether a new
    version is made: a submission keeps the version it started with); the confirmed POST saves."""
    user = request.user
    report_type = report_type_manage_get(user, pk, edit=True)
    current = report_type_version(report_type)
    current_content = current.content if current else {}
    errors: dict[str, list[str]] = {}
    values = type_forms.settings_initial(report_type)
    post = None
    if request.method == "POST":
        post = request.POST
        values = {**post.dict(), "is_active": bool(post.get("is_active"))}
        settings = type_forms.parse_settings(post, errors)
        content = type_forms.parse_content(post, current_content, errors)
        if not errors:
            changes = type_forms.summarize(report_type, settings, current_content, content)
            if not changes:
                messages.info(request, "没有修改。")
                return redirect("reports:type-detail", pk=report_type.pk)
            in_use = report_type_in_use(report_type)
            version_used = current is not None and Submission.objects.filter(version=current).exists()
            if post.get("confirm") != "1":
                return render(
                    request,
                    "reports/type_confirm.html",
                    {
                        "report_type": report_type,
                        "changes": changes,
                        "in_use": in_use,
                        "content_changed": content != current_content,
                        "version_used": version_used,
                        "current": current,
                        "hidden": [(k, v) for k in post for v in post.getlist(k) if k not in ("csrfmiddlewaretoken",)],
                    },
                )
            try:
                version = report_type_update(actor=user, report_type=report_type, content=content, **settings)
            except ValidationError as exc:
                errors = _field_errors(exc)
            else:
                if current is not None and version.pk != current.pk:
                    messages.success(request, f"已保存，生成第 {version.number} 版；已开始的报送继续使用原版本。")
                else:
                    messages.success(request, "已保存。")
                return redirect("reports:type-detail", pk=report_type.pk)
    definition = type_forms.describe(current_content)
    for section in definition["sections"]:
        for f in section["fields"]:
            if post is not None:
                f["label"] = post.get(f"f-{f['key']}-label", f["label"])
                f["required"] = bool(post.get(f"f-{f['key']}-required"))
                f["removed"] = bool(post.get(f"f-{f['key']}-remove"))
            f["error"] = " ".join(errors.get(f"f-{f['key']}-label", []))
        if post is not None:
            section["title"] = post.get(f"s{section['index']}-title", section["title"])
        section["error"] = " ".join(errors.get(f"s{section['index']}-title", []))
    for rule in definition["rules"]:
        rule["error"] = " ".join(errors.get(f"r-{rule['key']}-remove", []))
        rule["removed"] = post is not None and bool(post.get(f"r-{rule['key']}-remove"))
    fields = [(f["key"], f["label"]) for s in definition["sections"] for f in s["fields"] if not f["computed"]]
    number_fields = [
        (f["key"], f["label"])
        for f in _current_fields(current_content)
        if f.get("kind") == "number" and not f.get("computed")
    ]
    return render(
        request,
        "reports/type_edit.html",
        {
            "report_type": report_type,
            "current": current,
            "values": values,
            "post": post or {},
            "errors": errors,
            "definition": definition,
            "kinds": [(k, type_forms.KIND_LABELS[k]) for k in type_forms.NEW_FIELD_KINDS],
            "ops": [(k, type_forms.OP_LABELS[k]) for k in type_forms.NEW_RULE_OPS],
            "levels_rule": list(type_forms.LEVEL_LABELS.items()),
            "fields": fields,
            "number_fields": number_fields,
            "in_use": report_type_in_use(report_type),
            "other_errors": [
                m
                for k, msgs in errors.items()
                if k not in SETTING_KEYS and not k.startswith(("f-", "r-", "s"))
                for m in msgs
            ],
            **_choices(),
        },
    )


def _current_fields(content: dict):
    from reports.content import fields

    return list(fields(content))
