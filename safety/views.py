"""Safety pages: incidents (report, timeline, follow-up/final/correction, forwarding), the district
overview, monthly zero reports and hazards (each closed through a rectification order)."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from core.access import require
from core.lists import page_of_ids
from core.pagination import querystring_without_page
from core.views_helpers import apply_validation_error
from kindergartens.access import kindergarten_get_for_user, kindergartens_visible_to
from kindergartens.services import today
from safety.access import (
    draft_get_for_user,
    drafts_visible_to,
    hazard_get_for_user,
    hazards_visible_to,
    incident_get_for_user,
    incidents_visible_to,
    safety_can,
    safety_flags,
    zero_reports_visible_to,
)
from safety.forms import (
    EntryForm,
    ForwardForm,
    HazardForm,
    HazardIssueForm,
    IncidentDraftForm,
    IncidentReportForm,
    ZeroReportForm,
)
from safety.models import Grade, Hazard, HazardCategory, Incident, IncidentDraft, IncidentEntry, IncidentKind
from safety.selectors import OPEN_HAZARD, SHOW_CHOICES, facility_rates, incident_list, incident_overview
from safety.services import (
    DRAFT_FIELDS,
    draft_discard,
    draft_save,
    draft_submit,
    first_of_month,
    hazard_issue_order,
    hazard_record,
    incident_add_entry,
    incident_forward,
    incident_report,
    month_bounds,
    zero_report_confirm,
)


def _month_param(value: str) -> datetime.date | None:
    try:
        return datetime.datetime.strptime(value, "%Y-%m").date().replace(day=1)  # noqa: DTZ007 - a calendar month
    except (TypeError, ValueError):
        return None


def _int_param(value: str) -> int | None:
    return int(value) if value.isdigit() and len(value) < 12 else None


@login_required
@require_safe
def incident_list_view(request):
    user = request.user
    require(safety_can(user, "view"))
    grade = request.GET.get("grade", "")
    kind = request.GET.get("kind", "")
    show = request.GET.get("show", "")
    show = show if show in SHOW_CHOICES else ""
    month = _month_param(request.GET.get("month", ""))
    q = request.GET.get("q", "").strip()[:100]
    kindergarten_id = _int_param(request.GET.get("kindergarten", ""))
    qs = incident_list(
        incidents_visible_to(user),
        grade=grade,
        kind=kind,
        month=month,
        show=show,
        q=q,
        kindergarten_id=kindergarten_id,
    )

    def load(ids):
        return Incident.objects.filter(pk__in=ids).select_related("kindergarten")

    page = page_of_ids(request, qs, load=load)
    return render(
        request,
        "safety/incident_list.html",
        {
            "page": page,
            "grade": grade,
            "kind": kind,
            "show": show,
            "month": month.strftime("%Y-%m") if month else "",
            "q": q,
            "grades": Grade.choices,
            "kinds": IncidentKind.choices,
            "shows": list(SHOW_CHOICES.items()),
            "filtered": bool(grade or kind or show or month or q or kindergarten_id),
            "querystring": querystring_without_page(request),
            "flags": safety_flags(user),
            "can_report": safety_can(user, "draft") and bool(user.kindergarten_id),
            "drafts": list(drafts_visible_to(user).select_related("drafted_by")[:20]),
            "now": timezone.now(),
        },
    )


def _reported(request, incident: Incident):
    if incident.late:
        messages.warning(request, "事故已报告。报告时间已超过首报时限，已标记为迟报。")
    else:
        messages.success(request, "事故已报告，区县教育局和责任督学已收到通知。")
    return redirect("safety:incident-detail", pk=incident.pk)


def _draft_saved(request, draft: IncidentDraft):
    if safety_can(request.user, "report"):
        messages.success(request, "草稿已保存。草稿不是事故报告：提交后才通知教育局并开始计算时限。")
    else:
        messages.success(request, "草稿已保存，请园长核对后提交。提交前不通知教育局，也不计算报告时间。")
    return redirect("safety:incident-draft", pk=draft.pk)


def _incident_form_page(request, form, kindergarten, *, draft=None, status=200):
    return render(
        request,
        "safety/incident_form.html",
        {
            "form": form,
            "kindergarten": kindergarten,
            "draft": draft,
            "can_submit": safety_can(request.user, "report"),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def incident_create(request):
    """The director reports (首报) or saves a draft; a staff member's form saves a draft for the director."""
    user = request.user
    require(safety_can(user, "draft") and bool(user.kindergarten_id), "只有幼儿园园长或工作人员可以报告安全事故。")
    kindergarten = kindergarten_get_for_user(user, user.kindergarten_id)
    submitting = request.method == "POST" and safety_can(user, "report") and "save_draft" not in request.POST
    form = (IncidentReportForm if submitting else IncidentDraftForm)(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            if submitting:
                return _reported(request, incident_report(actor=user, kindergarten=kindergarten, **form.cleaned_data))
            return _draft_saved(request, draft_save(actor=user, kindergarten=kindergarten, **form.cleaned_data))
        except ValidationError as exc:
            apply_validation_error(form, exc)
    return _incident_form_page(request, form, kindergarten)


def _draft_initial(draft: IncidentDraft) -> dict:
    initial = {name: getattr(draft, name) for name in DRAFT_FIELDS}
    if draft.occurred_at:
        initial["occurred_at"] = timezone.localtime(draft.occurred_at)
    return initial


@login_required
@require_http_methods(["GET", "POST"])
def incident_draft(request, pk):
    """A saved draft: the kindergarten's own accounts change it; the director submits it."""
    user = request.user
    draft = draft_get_for_user(user, pk)
    if request.method == "GET":
        return _incident_form_page(
            request, IncidentDraftForm(initial=_draft_initial(draft)), draft.kindergarten, draft=draft
        )
    submitting = "submit" in request.POST
    if submitting:
        require(safety_can(user, "report"), "只有园长可以提交事故报告。")
    form = IncidentDraftForm(request.POST)
    if form.is_valid():
        try:
            draft_save(actor=user, kindergarten=draft.kindergarten, draft=draft, **form.cleaned_data)
            if not submitting:
                return _draft_saved(request, draft)
            return _reported(request, draft_submit(actor=user, draft=draft))
        except ValidationError as exc:
            apply_validation_error(form, exc)
    return _incident_form_page(request, form, draft.kindergarten, draft=draft, status=400)


@login_required
@require_POST
def incident_draft_delete(request, pk):
    draft = draft_get_for_user(request.user, pk)
    draft_discard(actor=request.user, draft=draft)
    messages.success(request, "草稿已删除。")
    return redirect("safety:incident-list")


def _entries(incident: Incident) -> list[IncidentEntry]:
    entries = list(incident.entries.select_related("author", "corrects").order_by("at", "id"))
    for entry in entries:
        entry.at_local = timezone.localtime(entry.at).strftime("%Y-%m-%d %H:%M")
    return entries


def _detail(request, incident: Incident, *, entry_form=None, forward_form=None, status=200):
    user = request.user
    entries = _entries(incident)
    can_add = safety_can(user, "add_entry") and user.kindergarten_id == incident.kindergarten_id
    can_forward = safety_can(user, "forward") and user.bureau_id == incident.district_id
    forward_form = (forward_form or ForwardForm(incident=incident)) if can_forward else None
    if forward_form is not None and not forward_form.fields["to"].choices:
        forward_form = None  # everything recorded
    drafted = IncidentDraft.objects.filter(incident=incident).select_related("drafted_by").first()
    return render(
        request,
        "safety/incident_detail.html",
        {
            "incident": incident,
            "entries": entries,
            "entry_form": (entry_form or EntryForm(entries=entries)) if can_add else None,
            "forward_form": forward_form,
            "drafted": drafted,
            "now": timezone.now(),
        },
        status=status,
    )


@login_required
@require_safe
def incident_detail(request, pk):
    return _detail(request, incident_get_for_user(request.user, pk))


@login_required
@require_POST
def incident_entry_add(request, pk):
    incident = incident_get_for_user(request.user, pk, action="add_entry")
    entries = _entries(incident)
    form = EntryForm(request.POST, entries=entries)
    if form.is_valid():
        data = dict(form.cleaned_data)
        corrects_id = data.pop("corrects")
        corrects = next((e for e in entries if e.pk == corrects_id), None) if corrects_id else None
        try:
            entry = incident_add_entry(actor=request.user, incident=incident, corrects=corrects, **data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"{entry.get_kind_display()}已提交。")
            return redirect("safety:incident-detail", pk=incident.pk)
    return _detail(request, incident, entry_form=form, status=400)


@login_required
@require_POST
def incident_forward_view(request, pk):
    incident = incident_get_for_user(request.user, pk, action="forward")
    require(request.user.bureau_id == incident.district_id, "只有本区县教育局可以记录事故上报情况。")
    form = ForwardForm(request.POST)  # every choice accepted: the service says what is already recorded
    if form.is_valid():
        try:
            incident_forward(actor=request.user, incident=incident, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, "已记录上报。")
            return redirect("safety:incident-detail", pk=incident.pk)
    return _detail(request, incident, forward_form=form, status=400)


@login_required
@require_safe
def overview(request):
    user = request.user
    require(safety_can(user, "overview"), "安全事故统计仅供教育局和责任督学查看。")
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        year = today().year
    year = year if 2000 <= year <= today().year + 1 else today().year
    data = incident_overview(incidents_visible_to(user), year=year)
    this_month = first_of_month(today())
    zero_this_month = zero_reports_visible_to(user).filter(month=this_month).count()
    return render(
        request,
        "safety/overview.html",
        {
            **data,
            "year": year,
            "years": range(today().year, today().year - 6, -1),
            "zero_this_month": zero_this_month,
            "this_month": this_month,
            "rates": facility_rates(kindergartens_visible_to(user), on=today()),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def zero_reports(request):
    """The kindergarten's last twelve months: incidents, zero report, or nothing yet; the director confirms."""
    user = request.user
    require(safety_can(user, "view") and bool(user.kindergarten_id), "零报告由幼儿园填报。")
    kindergarten = kindergarten_get_for_user(user, user.kindergarten_id)
    if request.method == "POST":
        require(safety_can(user, "zero_report"), "只有园长可以确认零报告。")
        form = ZeroReportForm(request.POST)
        if form.is_valid():
            try:
                zero_report_confirm(actor=user, kindergarten=kindergarten, month=form.cleaned_data["month"])
            except ValidationError as exc:
                for message in exc.messages:
                    messages.error(request, message)
            else:
                messages.success(request, f"已确认{form.cleaned_data['month']:%Y年%m月}无安全事故。")
                return redirect("safety:zero-reports")
        else:
            messages.error(request, "月份无效。")
    month = first_of_month(today())
    months = []
    for _ in range(12):
        months.append(month)
        month = first_of_month(month - datetime.timedelta(days=1))
    start, _ = month_bounds(months[-1])
    incident_months: dict[datetime.date, int] = {}
    for occurred in Incident.objects.filter(kindergarten=kindergarten, occurred_at__gte=start).values_list(
        "occurred_at", flat=True
    ):
        key = first_of_month(timezone.localtime(occurred).date())
        incident_months[key] = incident_months.get(key, 0) + 1
    confirmed = {
        z.month: z
        for z in zero_reports_visible_to(user)
        .filter(kindergarten=kindergarten, month__gte=months[-1])
        .select_related("confirmed_by")
    }
    rows = [
        {"month": m, "incidents": incident_months.get(m, 0), "zero": confirmed.get(m), "key": m.strftime("%Y-%m")}
        for m in months
    ]
    return render(
        request,
        "safety/zero_reports.html",
        {"rows": rows, "kindergarten": kindergarten, "can_confirm": safety_can(user, "zero_report")},
    )


# --- hazards ---------------------------------------------------------------------------------------------


@login_required
@require_safe
def hazard_list(request):
    user = request.user
    require(safety_can(user, "view"))
    category = request.GET.get("category", "")
    q = request.GET.get("q", "").strip()[:100]
    qs = hazards_visible_to(user)
    if category in HazardCategory.values:
        qs = qs.filter(category=category)
    if q:
        qs = qs.filter(kindergarten__name__icontains=q)
    kindergarten_id = _int_param(request.GET.get("kindergarten", ""))
    if kindergarten_id:
        qs = qs.filter(kindergarten_id=kindergarten_id)
    if request.GET.get("show") == "open":
        qs = qs.filter(OPEN_HAZARD)
    qs = qs.order_by("-found_on", "-id")

    def load(ids):
        return Hazard.objects.filter(pk__in=ids).select_related("kindergarten", "order")

    page = page_of_ids(request, qs, load=load)
    return render(
        request,
        "safety/hazard_list.html",
        {
            "page": page,
            "category": category,
            "q": q,
            "categories": HazardCategory.choices,
            "filtered": bool(kindergarten_id or request.GET.get("show") == "open"),
            "querystring": querystring_without_page(request),
            "new_url_kg": user.kindergarten_id if safety_can(user, "hazard_record") else None,
            "today": today(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def hazard_create(request, pk):
    user = request.user
    kindergarten = kindergarten_get_for_user(user, pk)
    require(safety_can(user, "hazard_record"), "您不能登记安全隐患。")
    issues = safety_can(user, "hazard_issue")
    form = HazardForm(request.POST or None, issues=issues, initial={"found_on": today()})
    if request.method == "POST" and form.is_valid():
        try:
            hazard = hazard_record(actor=user, kindergarten=kindergarten, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(
                request,
                "隐患已登记，已下达整改通知。" if hazard.order_id else "隐患已登记，待责任督学或教育局下达整改通知。",
            )
            return redirect("safety:hazard-detail", pk=hazard.pk)
    return render(request, "safety/hazard_form.html", {"form": form, "kindergarten": kindergarten, "issues": issues})


@login_required
@require_safe
def hazard_detail(request, pk):
    hazard = hazard_get_for_user(request.user, pk)
    can_issue = hazard.order_id is None and safety_can(request.user, "hazard_issue")
    return render(
        request,
        "safety/hazard_detail.html",
        {"hazard": hazard, "issue_form": HazardIssueForm() if can_issue else None, "today": today()},
    )


@login_required
@require_POST
def hazard_issue(request, pk):
    hazard = hazard_get_for_user(request.user, pk, action="hazard_issue")
    form = HazardIssueForm(request.POST)
    if form.is_valid():
        try:
            hazard_issue_order(actor=request.user, hazard=hazard, severity=form.cleaned_data["severity"])
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, "已下达整改通知。")
    else:
        messages.error(request, "请选择严重程度。")
    return redirect("safety:hazard-detail", pk=hazard.pk)
