"""Pages of the staff roster. Each view: access function, service, render or redirect.

Scope comes from staffing.access (directors their own kindergarten, the bureau its district,
supervisors their assigned kindergartens, the city viewer its districts, read-only); out of scope is
404, in scope without the right 403. ID numbers are shown masked; the full number only after a
POST to the reveal view, which records the reveal.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from core.access import account_has_scope, require
from core.jobs import job_start, job_url
from core.lists import choice_labels, page_of_ids
from core.pagination import paginate, querystring_without_page
from core.views_helpers import apply_validation_error
from kindergartens.access import kindergartens_visible_to
from staffing import forms, selectors
from staffing.access import (
    can,
    can_reveal_id,
    certificate_get_for_user,
    employment_get_for_user,
    employments_visible_to,
    kindergarten_for_roster,
    misconduct_visible_to,
    person_can_manage,
    person_get_for_user,
    scope_district_ids,
)
from staffing.jobs import EXPIRING_EXPORT, organisation
from staffing.models import Employment, Post
from staffing.services import (
    certificate_add,
    employment_end,
    id_number_reveal,
    misconduct_record,
    person_hire,
    policy_for,
    record_check_add,
    training_add,
)


@login_required
@require_safe
def staffing_home(request):
    """The menu's 教职工: a kindergarten's users go to their roster, everyone else to the district view."""
    user = request.user
    if not account_has_scope(user):
        raise Http404
    if user.kindergarten_id:
        return redirect("staffing:roster", pk=user.kindergarten_id)
    return redirect("staffing:compliance")


@login_required
@require_safe
def roster(request, pk):
    user = request.user
    kindergarten = kindergarten_for_roster(user, pk)
    form = forms.SearchForm(request.GET or None)
    qs = Employment.objects.filter(kindergarten=kindergarten, leave_date__isnull=True).order_by(
        "post", "person__name", "pk"
    )
    if form.is_valid() and form.cleaned_data.get("q"):
        qs = qs.filter(person__name__icontains=form.cleaned_data["q"])
    on = selectors.today()
    policy = policy_for(kindergarten.district_id)
    page = page_of_ids(request, qs, load=lambda ids: Employment.objects.filter(pk__in=ids).select_related("person"))
    page.object_list = selectors.roster_rows(list(page.object_list), on=on, policy=policy)
    compliance = selectors.compliance_for(kindergartens_visible_to(user).filter(pk=kindergarten.pk))[0]
    return render(
        request,
        "staffing/roster.html",
        {
            "kindergarten": kindergarten,
            "page": page,
            "form": form,
            "querystring": querystring_without_page(request),
            "post_labels": choice_labels(Post),
            "compliance": compliance,
            "rates": selectors.holding_rates(
                Employment.objects.filter(kindergarten=kindergarten), on=on, district_ids=[kindergarten.district_id]
            ),
            "principal_missing": selectors.principal_not_on_roster(kindergarten),
            "can_manage": can(user, "manage"),
            "can_export": can(user, "export"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def hire(request, pk):
    kindergarten = kindergarten_for_roster(request.user, pk, action="manage")
    form = forms.HireForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            employment = person_hire(actor=request.user, kindergarten=kindergarten, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"已将{employment.person.name}加入本园教职工名册。")
            return redirect("staffing:person", pk=employment.person_id)
    return render(request, "staffing/hire.html", {"form": form, "kindergarten": kindergarten})


def _person_context(request, person, *, full_id: str = ""):
    user = request.user
    employments = list(
        Employment.objects.filter(pk__in=employments_visible_to(user).filter(person=person).values("pk"))
        .select_related("kindergarten")
        .order_by("-hire_date", "-pk")
    )
    on = selectors.today()
    current = next((e for e in employments if e.leave_date is None), None)
    district_id = current.kindergarten.district_id if current else employments[0].kindergarten.district_id
    rows = selectors.roster_rows([current], on=on, policy=policy_for(district_id)) if current else []
    return {
        "person": person,
        "full_id": full_id,
        "employments": employments,
        "current": current,
        "flags": rows[0] if rows else None,
        "certificates": person.certificates.select_related("kind").order_by("kind__order", "-issued_on"),
        "checks": person.record_checks.all(),
        "trainings": person.trainings.all()[:50],
        "misconduct": misconduct_visible_to(user).filter(person=person).select_related("district"),
        "can_view_misconduct": can(user, "view_misconduct"),
        "can_manage": person_can_manage(user, person),
        "can_reveal": can_reveal_id(user, person),
        "can_record_misconduct": can(user, "record_misconduct"),
        "post_labels": choice_labels(Post),
    }


@login_required
@require_safe
def person_detail(request, pk):
    person = person_get_for_user(request.user, pk)
    return render(request, "staffing/person.html", _person_context(request, person))


@login_required
@require_POST
def person_reveal(request, pk):
    """The full ID number, shown once on this response; the reveal is recorded (IdReveal, audit)."""
    person = person_get_for_user(request.user, pk)
    require(can_reveal_id(request.user, person), "您无权查看完整身份证号码。")
    number = id_number_reveal(user=request.user, person=person, purpose="人员信息页查看")
    response = render(request, "staffing/person.html", _person_context(request, person, full_id=number))
    response["Cache-Control"] = "no-store"
    return response


def _person_form_view(request, pk, *, form_class, service, title, action="manage", success):
    person = person_get_for_user(request.user, pk, action=action)
    form = form_class(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            service(actor=request.user, person=person, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, success)
            return redirect("staffing:person", pk=person.pk)
    return render(request, "staffing/person_form.html", {"form": form, "person": person, "title": title})


@login_required
@require_http_methods(["GET", "POST"])
def certificate_new(request, pk):
    return _person_form_view(
        request, pk, form_class=forms.CertificateForm, service=certificate_add, title="登记证书", success="证书已登记。"
    )


@login_required
@require_safe
def certificate_scan(request, pk):
    """A certificate's scan, to whoever sees the person (others 404). The type is the one recognised at
    upload, never the uploader's claim; shown inline in a sandbox, never cached."""
    certificate = certificate_get_for_user(request.user, pk)
    if not certificate.scan:
        raise Http404
    try:
        handle = certificate.scan.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(handle, content_type=certificate.scan_type, filename=certificate.scan_name or "扫描件")
    response["Content-Disposition"] = response["Content-Disposition"].replace("attachment", "inline", 1)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def record_check_new(request, pk):
    return _person_form_view(
        request,
        pk,
        form_class=forms.RecordCheckForm,
        service=record_check_add,
        title="登记入职查询",
        success="入职查询结果已登记。",
    )


@login_required
@require_http_methods(["GET", "POST"])
def training_new(request, pk):
    return _person_form_view(
        request, pk, form_class=forms.TrainingForm, service=training_add, title="登记培训", success="培训记录已登记。"
    )


@login_required
@require_http_methods(["GET", "POST"])
def misconduct_new(request, pk):
    return _person_form_view(
        request,
        pk,
        form_class=forms.MisconductForm,
        service=misconduct_record,
        title="登记师德失范",
        action="record_misconduct",
        success="师德失范记录已登记。",
    )


@login_required
@require_http_methods(["GET", "POST"])
def employment_end_view(request, pk):
    employment = employment_get_for_user(request.user, pk, action="manage")
    if employment.leave_date is not None:
        raise Http404
    form = forms.EndEmploymentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            employment_end(actor=request.user, employment=employment, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"{employment.person.name}已办理离职。")
            return redirect("staffing:roster", pk=employment.kindergarten_id)
    return render(request, "staffing/employment_end.html", {"form": form, "employment": employment})


@login_required
@require_safe
def compliance(request):
    """Kindergartens in scope by staffing shortfall (most missing first)."""
    user = request.user
    if not account_has_scope(user):
        raise Http404
    form = forms.SearchForm(request.GET or None)
    kindergartens = kindergartens_visible_to(user)
    if form.is_valid() and form.cleaned_data.get("q"):
        kindergartens = kindergartens.filter(name__icontains=form.cleaned_data["q"])
    rows = selectors.district_compliance(kindergartens)
    page = paginate(request, rows)
    return render(
        request,
        "staffing/compliance.html",
        {
            "page": page,
            "form": form,
            "querystring": querystring_without_page(request),
            "short_count": sum(1 for r in rows if r.shortfalls),
        },
    )


@login_required
@require_safe
def holding_rates(request):
    """Certificate-holding rates per post over the user's scope (three grouped queries)."""
    user = request.user
    if not account_has_scope(user):
        raise Http404
    rates = selectors.holding_rates(
        employments_visible_to(user), on=selectors.today(), district_ids=scope_district_ids(user)
    )
    return render(request, "staffing/rates.html", {"rates": rates})


@login_required
@require_safe
def expiring(request):
    """Certificates expiring in 30/60/90 days, or missing, for the user's scope (one kindergarten with ?kindergarten=)."""
    user = request.user
    if not account_has_scope(user):
        raise Http404
    form = forms.ExpiringFilterForm(request.GET or None)
    window = form.window_value()
    employments = employments_visible_to(user)
    kindergarten = None
    kg_param = request.GET.get("kindergarten")
    if kg_param:
        kindergarten = kindergarten_for_roster(user, kg_param)
        employments = employments.filter(kindergarten=kindergarten)
    on = selectors.today()
    if window == "missing":
        districts = [kindergarten.district_id] if kindergarten is not None else scope_district_ids(user)
        qs = selectors.missing_certificates(employments, on=on, district_ids=districts)
        page = paginate(request, qs)
        names = selectors.missing_names(list(page.object_list), on=on)
        rows = [(e, names.get(e.pk, [])) for e in page.object_list]
    else:
        qs = selectors.expiring_certificates(employments, on=on, days=int(window))
        page = paginate(request, qs)
        labels = choice_labels(Post)
        rows = [{**r, "post_label": labels.get(r["post"], "")} for r in page.object_list]
    return render(
        request,
        "staffing/expiring.html",
        {
            "page": page,
            "rows": rows,
            "form": form,
            "window": window,
            "kindergarten": kindergarten,
            "querystring": querystring_without_page(request),
            "post_labels": choice_labels(Post),
            "can_export": can(user, "export"),
            "export_url": reverse("staffing:expiring-export"),
        },
    )


@login_required
@require_POST
def expiring_export(request):
    """Start the export of the expiring list on the worker (core.jobs); the job page shows progress."""
    user = request.user
    if not account_has_scope(user):
        raise Http404
    require(can(user, "export"))
    window = forms.ExpiringFilterForm(request.POST or None).window_value()
    params = {"window": window, "org": organisation(user)}
    kg_param = request.POST.get("kindergarten")
    if kg_param:
        params["kindergarten"] = kindergarten_for_roster(user, kg_param).pk
    job = job_start(kind=EXPIRING_EXPORT, user=user, params=params)
    return redirect(job_url(job))


urlpatterns = [
    path("", staffing_home, name="home"),
    path("compliance/", compliance, name="compliance"),
    path("certificates/", expiring, name="expiring"),
    path("certificates/rates/", holding_rates, name="rates"),
    path("certificates/export/", expiring_export, name="expiring-export"),
    path("kindergartens/<int:pk>/", roster, name="roster"),
    path("kindergartens/<int:pk>/hire/", hire, name="hire"),
    path("people/<int:pk>/", person_detail, name="person"),
    path("people/<int:pk>/reveal/", person_reveal, name="person-reveal"),
    path("people/<int:pk>/certificates/new/", certificate_new, name="certificate-new"),
    path("people/<int:pk>/checks/new/", record_check_new, name="check-new"),
    path("certificates/<int:pk>/scan/", certificate_scan, name="certificate-scan"),
    path("people/<int:pk>/trainings/new/", training_new, name="training-new"),
    path("people/<int:pk>/misconduct/new/", misconduct_new, name="misconduct-new"),
    path("employments/<int:pk>/end/", employment_end_view, name="employment-end"),
]
