"""Pages of the change filings (变更备案): the review queue, the director's form, the difference, approve/return."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_http_methods

from core.access import require
from core.pagination import paginate, querystring_without_page
from core.views_helpers import apply_validation_error
from kindergartens.access import (
    can,
    filing_get_for_user,
    filings_visible_to,
    kindergarten_can,
    kindergarten_get_for_user,
    kindergartens_visible_to,
)
from kindergartens.forms_filings import FilingFilterForm, FilingForm, FilingReturnForm
from kindergartens.models import ChangeFiling
from kindergartens.selectors_filings import filing_diff, filing_field_labels, filings_open
from kindergartens.services import filing_approve, filing_resubmit, filing_return, filing_submit


@login_required
@require_GET
def filing_list(request):
    """The bureau's review queue (by default what waits for review); everyone else: the filings in their scope.

    ``?kindergarten=<pk>`` (the record page's link) shows that kindergarten's filings in every state.
    """
    user = request.user
    require(can(user, "list_filings"))
    reviewer = can(user, "review_filings")
    data = request.GET.copy()
    if "state" not in data:
        data["state"] = ChangeFiling.State.SUBMITTED if reviewer and not data.get("kindergarten") else ""
    form = FilingFilterForm(data, user=user)
    qs = form.filter(filings_visible_to(user)).select_related("kindergarten", "filed_by", "decided_by")
    page = paginate(request, qs)
    for filing in page.object_list:
        filing.field_labels = filing_field_labels(filing)
    own = kindergartens_visible_to(user).first() if user.kindergarten_id else None
    return render(
        request,
        "kindergartens/filing_list.html",
        {
            "form": form,
            "page": page,
            "querystring": querystring_without_page(request),
            "reviewer": reviewer,
            "filtered_kindergarten": form.cleaned_data.get("kindergarten") if form.is_valid() else None,
            "file_for": own if own is not None and kindergarten_can(user, own, "file_change") else None,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def filing_create(request, pk):
    """The director's form for their own kindergarten; one open filing at a time."""
    kindergarten = kindergarten_get_for_user(request.user, pk, action="file_change")
    open_filing = filings_open(filings_visible_to(request.user).filter(kindergarten=kindergarten)).first()
    form = FilingForm(request.POST or None, user=request.user, kindergarten=kindergarten)
    if request.method == "POST" and form.is_valid():
        try:
            filing = filing_submit(
                actor=request.user,
                kindergarten=kindergarten,
                proposed=form.proposed(),
                effective_date=form.cleaned_data["effective_date"],
                explanation=form.cleaned_data["explanation"],
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, "变更备案已提交，等待教育局审核。")
            return redirect("kindergartens:filing-detail", pk=filing.pk)
    return render(
        request,
        "kindergartens/filing_form.html",
        {"kindergarten": kindergarten, "form": form, "open_filing": open_filing, "filing": None},
    )


@login_required
@require_GET
def filing_detail(request, pk):
    filing = filing_get_for_user(request.user, pk, action="view")
    kindergarten = filing.kindergarten
    submitted = filing.state == ChangeFiling.State.SUBMITTED
    return render(
        request,
        "kindergartens/filing_detail.html",
        {
            "filing": filing,
            "kindergarten": kindergarten,
            "diff": filing_diff(filing),
            "events": filing.events.select_related("actor"),
            "can_review": submitted and kindergarten_can(request.user, kindergarten, "review_filing"),
            "can_resubmit": filing.state == ChangeFiling.State.RETURNED
            and kindergarten_can(request.user, kindergarten, "file_change"),
            "return_form": FilingReturnForm(),
        },
    )


def _not_waiting(request, filing: ChangeFiling, message: str):
    messages.info(request, message)
    return redirect("kindergartens:filing-detail", pk=filing.pk)


@login_required
@require_http_methods(["GET", "POST"])
def filing_approve_view(request, pk):
    """GET shows the difference once more and asks for confirmation; POST applies the change."""
    filing = filing_get_for_user(request.user, pk, action="review")
    if filing.state != ChangeFiling.State.SUBMITTED:
        return _not_waiting(request, filing, f"该变更备案当前为「{filing.get_state_display()}」，无需审核。")
    if request.method == "POST":
        try:
            filing_approve(actor=request.user, filing=filing)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, "变更备案已审核通过，幼儿园档案已按申请内容更新。")
        return redirect("kindergartens:filing-detail", pk=filing.pk)
    return render(request, "kindergartens/filing_approve.html", {"filing": filing, "diff": filing_diff(filing)})


@login_required
@require_http_methods(["GET", "POST"])
def filing_return_view(request, pk):
    """GET shows the reason form; POST returns the filing to the director (a reason is required)."""
    filing = filing_get_for_user(request.user, pk, action="review")
    if filing.state != ChangeFiling.State.SUBMITTED:
        return _not_waiting(request, filing, f"该变更备案当前为「{filing.get_state_display()}」，不能退回。")
    form = FilingReturnForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            filing_return(actor=request.user, filing=filing, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, "变更备案已退回园长修改。")
            return redirect("kindergartens:filing-detail", pk=filing.pk)
    return render(
        request,
        "kindergartens/filing_return.html",
        {"filing": filing, "form": form, "diff": filing_diff(filing)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def filing_resubmit_view(request, pk):
    """The director revises a returned filing and sends it back to the bureau."""
    filing = filing_get_for_user(request.user, pk, action="resubmit")
    if filing.state != ChangeFiling.State.RETURNED:
        return _not_waiting(request, filing, "只有已退回的变更备案可以修改后重新提交。")
    kindergarten = filing.kindergarten
    form = FilingForm(request.POST or None, user=request.user, kindergarten=kindergarten, filing=filing)
    if request.method == "POST" and form.is_valid():
        try:
            filing_resubmit(
                actor=request.user,
                filing=filing,
                proposed=form.proposed(),
                effective_date=form.cleaned_data["effective_date"],
                explanation=form.cleaned_data["explanation"],
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, "变更备案已重新提交，等待教育局审核。")
            return redirect("kindergartens:filing-detail", pk=filing.pk)
    return render(
        request,
        "kindergartens/filing_form.html",
        {"kindergarten": kindergarten, "form": form, "open_filing": None, "filing": filing},
    )


urlpatterns = [
    path("filings/", filing_list, name="filing-list"),
    path("<int:pk>/filings/new/", filing_create, name="filing-create"),
    path("filings/<int:pk>/", filing_detail, name="filing-detail"),
    path("filings/<int:pk>/approve/", filing_approve_view, name="filing-approve"),
    path("filings/<int:pk>/return/", filing_return_view, name="filing-return"),
    path("filings/<int:pk>/resubmit/", filing_resubmit_view, name="filing-resubmit"),
]
