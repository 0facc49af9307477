"""Report pages: my reports (inbox), one report (fill, submit, review), completeness with one-click
remind, the review queue, district report build (a job) and the Excel download. Thin: read input, ask
reports.access, call reports.services, render."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.roles import Role
from core.access import require
from core.jobs import job_start, job_url
from core.pagination import paginate, querystring_without_page
from reports import content as content_rules
from reports.access import (
    can,
    report_types_visible_to,
    submission_flags,
    submission_get_for_user,
)
from reports.excel import submission_xlsx
from reports.forms import form_sections, parse_post
from reports.models import Submission, SubmitterLevel
from reports.selectors import (
    available_months,
    completeness_by_district,
    inbox_for,
    missing_submissions,
    previous_data_for,
    review_queue,
    totals,
)
from reports.services import (
    month_label,
    previous_submission,
    submission_approve,
    submission_findings,
    submission_prefill,
    submission_reopen,
    submission_return,
    submission_save,
    submission_submit,
    submissions_remind,
    today,
)


@login_required
@require_GET
def home(request):
    """我的月报: what the user files (due, overdue, returned, with deadlines; the city viewer: the city's
    own reports, such as the December pairing summary); the bureau and the city also get links to
    completeness and review."""
    user = request.user
    return render(
        request,
        "reports/home.html",
        {
            "inbox": inbox_for(user),
            "today": today(),
            "can_completeness": can(user, "completeness"),
            "can_review": can(user, "review"),
        },
    )


def _explanation_prompts(submission: Submission, data: dict, explanations: dict) -> list[dict]:
    """The soft rules and jumps the current figures break, with what the submitter wrote for each."""
    return [
        {"key": f.key, "message": f.message, "text": explanations.get(f.key, "")}
        for f in submission_findings(submission, data)
        if f.level != "hard"
    ]


@login_required
@require_http_methods(["GET", "POST"])
def submission_detail(request, pk):
    """One report: read it; its filer fills and submits it; the bureau reviews it."""
    user = request.user
    submission = submission_get_for_user(user, pk)
    flags = submission_flags(user, submission)
    is_city = submission.report_type.submitter_level == SubmitterLevel.CITY
    editable = submission.state in (Submission.State.OPEN, Submission.State.RETURNED) and flags["can_edit"]
    errors: dict[str, list[str]] = {}
    general: list[str] = []
    data = submission.data or {}
    explanations = dict(submission.explanations)
    if request.method == "POST":
        require(editable, "该报表当前不能填写。")
        action = request.POST.get("action", "save")
        raw, explanations, upload_errors = parse_post(submission, request.POST, request.FILES)
        data = {**raw}
        try:
            if upload_errors:
                raise ValidationError(upload_errors)
            if action == "submit":
                done = submission_submit(actor=user, submission=submission, data=raw, explanations=explanations)
                messages.success(request, "报表已报送。" if done.on_time else "报表已报送，已标记为逾期报送。")
            else:
                submission_save(actor=user, submission=submission, data=raw, explanations=explanations)
                messages.success(request, "已暂存，尚未报送。")
            return redirect("reports:submission-detail", pk=submission.pk)
        except ValidationError as exc:
            for key, msgs in exc.message_dict.items() if hasattr(exc, "error_dict") else [("__all__", exc.messages)]:
                if key == "__all__":
                    general.extend(msgs)
                elif key.startswith("explain:"):
                    pass  # shown with the prompts below
                else:
                    errors[key] = msgs
    elif editable and not data and (submission.kindergarten_id or is_city):
        data = submission_prefill(submission)
    elif editable and is_city:  # a city report's figures are what the product knows now, until it is submitted
        data = {**data, **submission_prefill(submission)}
    cleaned, _ = content_rules.clean_data(submission.version.content, data, check_required=False)
    grace_over = (
        submission.state == Submission.State.OPEN
        and submission.first_submitted_at is None
        and today() > submission.last_day_to_submit()
    )
    previous = previous_submission(submission)
    context = {
        "submission": submission,
        "flags": flags,
        "editable": editable,
        "sections": form_sections(submission, {**data, **{k: v for k, v in submission.data.items() if k not in data}}),
        "errors": errors,
        "general_errors": general,
        "prompts": _explanation_prompts(submission, cleaned, explanations) if editable else [],
        "explanations": [{"message": m, "text": t} for m, t in _explained(submission)],
        "events": submission.events.select_related("actor").order_by("at", "id"),
        "changes": content_rules.changes_since(
            submission.version.content, submission.data, previous.data if previous else None
        )
        if submission.is_submitted
        else [],
        "today": today(),
        "grace_over": grace_over,
        "late_closed": editable and grace_over,
        "is_district": submission.report_type.submitter_level == SubmitterLevel.DISTRICT,
        "is_city": is_city,
        # A district's or the city's own report can be downloaded as a draft (to be read before it is sent).
        "draft_export": submission.kindergarten_id is None,
    }
    if errors:
        for section in context["sections"]:
            for f in section["fields"]:
                f["error"] = " ".join(errors.get(f["key"], []))
    return render(request, "reports/submission_detail.html", context)


def _explained(submission: Submission) -> list[tuple[str, str]]:
    rules = {r["key"]: r["message"] for r in submission.version.content.get("rules", [])}
    fields = content_rules.field_map(submission.version.content)
    out = []
    for key, text in submission.explanations.items():
        if key.startswith("jump:") and key[5:] in fields:
            out.append((f"“{fields[key[5:]]['label']}”与上月相比变化较大", text))
        else:
            out.append((rules.get(key, key), text))
    return out


@login_required
@require_POST
def submission_return_view(request, pk):
    submission = submission_get_for_user(request.user, pk, action="review")
    try:
        submission_return(actor=request.user, submission=submission, reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, "已退回，并已通知报送单位。")
    return redirect("reports:submission-detail", pk=submission.pk)


@login_required
@require_POST
def submission_approve_view(request, pk):
    submission = submission_get_for_user(request.user, pk, action="review")
    try:
        submission_approve(actor=request.user, submission=submission)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, "已审核通过。")
    nxt = request.POST.get("next", "")
    return redirect(nxt if nxt == reverse("reports:review") else reverse("reports:submission-detail", args=[pk]))


@login_required
@require_POST
def submission_reopen_view(request, pk):
    submission = submission_get_for_user(request.user, pk, action="reopen")
    try:
        submission_reopen(actor=request.user, submission=submission, reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, "已准予补报，并已通知报送单位。")
    return redirect("reports:submission-detail", pk=submission.pk)


@login_required
@require_POST
def submission_build_view(request, pk):
    """Build a district report on the worker; the job page shows the progress, then opens the report."""
    submission = submission_get_for_user(request.user, pk, action="build")
    if submission.state not in (Submission.State.OPEN, Submission.State.RETURNED):
        messages.error(request, "该汇总报表已报送，不能重新生成。")
        return redirect("reports:submission-detail", pk=submission.pk)
    job = job_start(
        kind="reports.district_build",
        user=request.user,
        district_id=submission.district_id,
        params={"submission": submission.pk},
    )
    return redirect(job_url(job))


@login_required
@require_GET
def submission_excel(request, pk):
    submission = submission_get_for_user(request.user, pk)
    if not submission.is_submitted and submission.kindergarten_id is not None:
        raise Http404
    content, filename = submission_xlsx(submission)
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    from django.utils.http import content_disposition_header

    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


@login_required
@require_GET
def submission_file(request, pk):
    """An attachment of a report (``?key=`` names the field; the first file field by default), to whoever
    may see the report."""
    from django.core.files.storage import default_storage

    submission = submission_get_for_user(request.user, pk)
    files = [f["key"] for f in content_rules.fields(submission.version.content) if f["kind"] == "file"]
    key = request.GET.get("key") or (files[0] if files else "")
    value = submission.data.get(key) if key in files else None
    if not isinstance(value, dict) or not value.get("path"):
        raise Http404
    try:
        handle = default_storage.open(value["path"], "rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=value.get("name") or "附件",
        content_type=value.get("content_type") or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _type_and_month(request, *, level: str | None = None):
    """The types a per-district page (completeness, remind) offers: never a city report, which has one
    submitter, the city itself (its inbox shows it)."""
    types = list(
        report_types_visible_to(request.user).exclude(submitter_level=SubmitterLevel.CITY).order_by("sort_order", "pk")
    )
    if level:
        types = [t for t in types if t.submitter_level == level]
    if not types:
        raise Http404
    chosen = next((t for t in types if str(t.pk) == request.GET.get("type", "")), types[0])
    months = available_months(chosen)
    month = months[0]
    try:
        asked = datetime.date.fromisoformat(request.GET.get("month", "") + "-01")
        if datetime.date(2000, 1, 1) <= asked <= months[0]:
            month = asked
            if asked not in months:
                months.append(asked)
    except ValueError:
        pass
    return types, chosen, months, month


@login_required
@require_GET
def completeness(request):
    """Per report and month: reporting rate and on-time rate per district (expected from the registry's
    history), the missing ones with one click to remind them."""
    user = request.user
    require(can(user, "completeness"))
    types, report_type, months, month = _type_and_month(request)
    rows = completeness_by_district(user, report_type, month)
    missing = None
    if user.role in (Role.BUREAU_ADMIN, Role.BUREAU_STAFF):
        missing = paginate(request, missing_submissions(user, report_type, month))
    return render(
        request,
        "reports/completeness.html",
        {
            "types": types,
            "report_type": report_type,
            "months": [(m, month_label(m)) for m in months],
            "month": month,
            "month_label": month_label(month),
            "due_date": report_type.due_date(month),
            "rows": rows,
            "total": totals(rows),
            "missing": missing,
            "querystring": querystring_without_page(request),
            "can_remind": user.role in (Role.BUREAU_ADMIN, Role.BUREAU_STAFF)
            and report_type.submitter_level == SubmitterLevel.KINDERGARTEN,
            "district_reports": _district_reports(user, report_type, month),
        },
    )


def _district_reports(user, report_type, month):
    """The city's (and a district's) consolidated reports of the month, beside the rates."""
    if report_type.submitter_level != SubmitterLevel.DISTRICT:
        return None
    from reports.access import submissions_visible_to

    reports = list(
        submissions_visible_to(user)
        .filter(report_type=report_type, month=month, kindergarten__isnull=True)
        .select_related("district", "submitted_by")
        .order_by("district__name")
    )
    reviewer = user.role == Role.CITY_VIEWER  # the city receives and reviews the districts' reports
    for s in reports:
        s.awaiting_me = reviewer and s.state in (Submission.State.SUBMITTED, Submission.State.RESUBMITTED)
    return reports


@login_required
@require_POST
def remind(request):
    """One click: remind every missing kindergarten of the chosen report and month (once a day each)."""
    user = request.user
    require(can(user, "review"))
    types, report_type, _months, month = _type_and_month(request, level=SubmitterLevel.KINDERGARTEN)
    sent = submissions_remind(actor=user, submissions=list(missing_submissions(user, report_type, month)))
    if sent:
        messages.success(request, f"已向 {sent} 位园长发送催报提醒。")
    else:
        messages.info(request, "没有需要提醒的单位，或今天已经提醒过。")
    return redirect(f"{reverse('reports:completeness')}?type={report_type.pk}&month={month:%Y-%m}")


@login_required
@require_GET
def review(request):
    """The bureau's review queue, with each report's changes since the previous month."""
    user = request.user
    require(can(user, "review"))
    page = paginate(request, review_queue(user))
    previous = previous_data_for(list(page.object_list))
    for s in page.object_list:
        s.changes = [c for c in content_rules.changes_since(s.version.content, s.data, previous.get(s.pk)) if c["diff"]]
        s.had_previous = previous.get(s.pk) is not None
    return render(request, "reports/review.html", {"page": page, "querystring": querystring_without_page(request)})
