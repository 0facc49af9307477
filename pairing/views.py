"""Pages of pairing (结对帮扶): agreements and their life, activities, plans with their cross-checks,
the city's targets and the monthly overview. Thin: access, service, render or redirect."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from core.access import require
from core.lists import page_of_ids
from core.pagination import querystring_without_page
from core.views_helpers import apply_validation_error
from kindergartens.models import Bureau
from pairing import services
from pairing.access import (
    agreement_flags,
    agreement_get_for_user,
    agreements_visible_to,
    can,
    file_get_for_user,
    partner_candidates,
    plan_district,
    plan_get_for_user,
    plans_visible_to,
    targets_visible_to,
    user_city_id,
)
from pairing.forms import (
    ActivityForm,
    AgreementFilterForm,
    AgreementForm,
    PlanForm,
    ReasonForm,
    SignedFileForm,
    TargetForm,
)
from pairing.models import Activity, Agreement, AgreementParty, CityTarget, PairingFile, YearPlan
from pairing.selectors import (
    agreement_progress,
    agreements_late,
    city_overview,
    is_idle,
    plan_checks,
    required_districts,
)
from pairing.selectors_pages import agreement_search


def _parties_prefetch():
    return Prefetch(
        "parties",
        queryset=AgreementParty.objects.select_related("kindergarten__district", "kindergarten__township").order_by(
            "side", "kindergarten__name"
        ),
    )


def _year(request) -> int:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return services.today().year
    return year if 2020 <= year <= 2100 else services.today().year


# --- agreements ----------------------------------------------------------------------------------------


@login_required
@require_safe
def agreement_list(request):
    user = request.user
    require(can(user, "agreements"))
    form = AgreementFilterForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    qs = agreement_search(agreements_visible_to(user), **{k: data.get(k) or "" for k in ("q", "state", "mode")})
    page = page_of_ids(
        request,
        qs.order_by("-created_at", "-id"),
        load=lambda ids: Agreement.objects.filter(pk__in=ids).prefetch_related(_parties_prefetch()),
    )
    today = services.today()
    for agreement in page.object_list:
        agreement.idle = is_idle(agreement, today)
    return render(
        request,
        "pairing/agreement_list.html",
        {
            "form": form,
            "page": page,
            "querystring": querystring_without_page(request),
            "can_create": can(user, "create_agreement"),
            "filtered": bool(data.get("q") or data.get("state") or data.get("mode")),
        },
    )


def _agreement_form_post(request, form, *, agreement=None):
    """Call the service with the form's data; on refusal put every reason on the form. Returns the agreement or None."""
    if not form.is_valid():
        return None
    helping = [k.pk for k in form.cleaned_data["helping"]]
    helped = [k.pk for k in form.cleaned_data["helped"]]
    try:
        if agreement is None:
            return services.agreement_create(
                actor=request.user, fields=form.service_fields(), helping_ids=helping, helped_ids=helped
            )
        return services.agreement_update(
            actor=request.user,
            agreement=agreement,
            fields=form.service_fields(),
            helping_ids=helping,
            helped_ids=helped,
        )
    except ValidationError as exc:
        apply_validation_error(form, exc)
        return None


@login_required
@require_http_methods(["GET", "POST"])
def agreement_create(request):
    user = request.user
    require(can(user, "create_agreement"))
    candidates = partner_candidates(user)
    initial = {"helping": [user.kindergarten_id]} if user.kindergarten_id else {}
    form = AgreementForm(request.POST or None, candidates=candidates, initial=initial)
    if request.method == "POST":
        agreement = _agreement_form_post(request, form)
        if agreement is not None:
            messages.success(request, "协议草稿已保存。核对无误后请提交双方教育局确认。")
            return redirect("pairing:agreement-detail", pk=agreement.pk)
    return render(request, "pairing/agreement_form.html", {"form": form, "agreement": None})


@login_required
@require_http_methods(["GET", "POST"])
def agreement_edit(request, pk):
    user = request.user
    agreement = agreement_get_for_user(user, pk, action="edit")
    if agreement.state != Agreement.State.DRAFT:
        messages.warning(request, "只有草稿状态的协议可以修改。")
        return redirect("pairing:agreement-detail", pk=agreement.pk)
    form = AgreementForm(
        request.POST or None, candidates=partner_candidates(user), initial=AgreementForm.initial_for(agreement)
    )
    if request.method == "POST" and _agreement_form_post(request, form, agreement=agreement) is not None:
        messages.success(request, "协议草稿已保存。")
        return redirect("pairing:agreement-detail", pk=agreement.pk)
    return render(request, "pairing/agreement_form.html", {"form": form, "agreement": agreement})


@login_required
@require_safe
def agreement_detail(request, pk):
    user = request.user
    agreement = agreement_get_for_user(user, pk)
    parties = list(
        AgreementParty.objects.filter(agreement=agreement)
        .select_related("kindergarten__district", "kindergarten__township", "kindergarten__level")
        .order_by("side", "kindergarten__name")
    )
    confirmations = list(agreement.confirmations.select_related("district", "confirmed_by"))
    confirmed = {c.district_id for c in confirmations}
    districts = sorted({p.kindergarten.district for p in parties}, key=lambda d: d.name)
    activities = page_of_ids(
        request,
        Activity.objects.filter(agreement=agreement).order_by("-date", "-id"),
        load=lambda ids: (
            Activity.objects.filter(pk__in=ids).select_related("kindergarten", "logged_by").prefetch_related("files")
        ),
    )
    flags = agreement_flags(user, agreement)
    own_party = user.kindergarten_id in {p.kindergarten_id for p in parties}
    bureau_party = bool(user.bureau_id) and user.bureau_id in {d.pk for d in districts}
    return render(
        request,
        "pairing/agreement_detail.html",
        {
            "agreement": agreement,
            "parties": parties,
            "districts": [{"district": d, "confirmed": d.pk in confirmed} for d in districts],
            "confirmations": confirmations,
            "progress": agreement_progress(agreement, parties),
            "activities": activities,
            "signed_files": [f for f in agreement.files.all() if f.kind == PairingFile.Kind.SIGNED],
            "idle": is_idle(agreement, services.today()),
            "can_edit": flags["can_edit"] and own_party and agreement.state == Agreement.State.DRAFT,
            "can_submit": flags["can_submit"] and own_party and agreement.state == Agreement.State.DRAFT,
            "can_confirm": flags["can_confirm"]
            and bureau_party
            and agreement.state == Agreement.State.SUBMITTED
            and user.bureau_id not in confirmed,
            "can_return": flags["can_confirm"] and bureau_party and agreement.state == Agreement.State.SUBMITTED,
            "can_close": flags["can_close"]
            and bureau_party
            and agreement.state in (Agreement.State.ACTIVE, Agreement.State.CONFIRMED),
            "can_upload": flags["can_upload_signed"]
            and (own_party or bureau_party)
            and agreement.state not in (Agreement.State.COMPLETED, Agreement.State.ENDED),
            "can_log": flags["can_log_activity"] and own_party and agreement.state == Agreement.State.ACTIVE,
            "reason_form": ReasonForm(),
            "upload_form": SignedFileForm(),
        },
    )


def _act(request, pk, action: str, run, done: str):
    """A POST action on an agreement: the service's refusal is shown as a message on the agreement."""
    agreement = agreement_get_for_user(request.user, pk, action=action)
    try:
        run(agreement)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    except PermissionDenied:
        raise
    else:
        messages.success(request, done)
    return redirect("pairing:agreement-detail", pk=agreement.pk)


@login_required
@require_POST
def agreement_submit(request, pk):
    return _act(
        request,
        pk,
        "submit",
        lambda a: services.agreement_submit(actor=request.user, agreement=a),
        "协议已提交，等待各方教育局确认。",
    )


def _bureau_party(request, agreement) -> None:
    if request.user.bureau_id not in required_districts(agreement):
        raise PermissionDenied("本区县没有幼儿园参与该协议。")


@login_required
@require_POST
def agreement_confirm(request, pk):
    def run(a):
        _bureau_party(request, a)
        services.agreement_confirm(actor=request.user, agreement=a)

    return _act(request, pk, "confirm", run, "已确认该协议。")


@login_required
@require_POST
def agreement_return(request, pk):
    def run(a):
        _bureau_party(request, a)
        services.agreement_return(actor=request.user, agreement=a, reason=request.POST.get("reason", ""))

    return _act(request, pk, "confirm", run, "协议已退回幼儿园修改。")


@login_required
@require_POST
def agreement_complete(request, pk):
    def run(a):
        _bureau_party(request, a)
        services.agreement_complete(actor=request.user, agreement=a)

    return _act(request, pk, "close", run, "协议已标记为完成。")


@login_required
@require_POST
def agreement_end(request, pk):
    def run(a):
        _bureau_party(request, a)
        services.agreement_end_early(actor=request.user, agreement=a, reason=request.POST.get("reason", ""))

    return _act(request, pk, "close", run, "协议已提前终止。")


@login_required
@require_POST
def agreement_upload(request, pk):
    def run(a):
        services.agreement_upload_signed(actor=request.user, agreement=a, uploads=request.FILES.getlist("files"))

    return _act(request, pk, "upload_signed", run, "签字盖章的协议已上传。")


@login_required
@require_http_methods(["GET", "POST"])
def activity_create(request, pk):
    user = request.user
    agreement = agreement_get_for_user(user, pk, action="log_activity")
    if agreement.state != Agreement.State.ACTIVE:
        messages.warning(request, "只有帮扶中的协议可以登记活动。")
        return redirect("pairing:agreement-detail", pk=agreement.pk)
    form = ActivityForm(request.POST or None, request.FILES or None, agreement=agreement)
    if request.method == "POST" and form.is_valid():
        fields = {
            k: form.cleaned_data[k] for k in ("date", "form", "helping_people", "helped_people", "hours", "content")
        }
        try:
            services.activity_log(actor=user, agreement=agreement, fields=fields, uploads=form.cleaned_data["files"])
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, "帮扶活动已登记。")
            return redirect("pairing:agreement-detail", pk=agreement.pk)
    return render(request, "pairing/activity_form.html", {"form": form, "agreement": agreement})


@login_required
@require_safe
def file_download(request, pk):
    item = file_get_for_user(request.user, pk)
    try:
        handle = item.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(handle, content_type=item.content_type, filename=item.original_name)
    response["Content-Disposition"] = response["Content-Disposition"].replace("attachment", "inline", 1)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


# --- plans, targets, overview --------------------------------------------------------------------------


def _city_and_districts(user) -> tuple[Bureau | None, list[Bureau]]:
    city_id = user_city_id(user)
    city = Bureau.objects.filter(pk=city_id).first() if city_id else None
    if user.role == "city_viewer":
        districts = list(Bureau.objects.filter(parent_id=city_id, level=Bureau.Level.DISTRICT).order_by("name"))
    else:
        districts = [user.bureau] if user.bureau_id else []
    return city, districts


@login_required
@require_safe
def plan_list(request):
    """The year's plans with their cross-checks (the city: every district and the city's total)."""
    user = request.user
    require(can(user, "plans"))
    year = _year(request)
    city, districts = _city_and_districts(user)
    checks = plan_checks(city, year, districts, whole_city=user.role == "city_viewer") if city else None
    # Earlier years' plans, newest first (paged).
    page = page_of_ids(
        request,
        plans_visible_to(user).order_by("-year", "district__name", "id"),
        load=lambda ids: YearPlan.objects.filter(pk__in=ids).select_related("district"),
    )
    return render(
        request,
        "pairing/plan_list.html",
        {
            "year": year,
            "years": list(range(services.today().year + 1, 2023, -1)),
            "checks": checks,
            "page": page,
            "querystring": querystring_without_page(request),
            "can_manage": can(user, "manage_plan"),
            "is_city": user.role == "city_viewer",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def plan_edit(request):
    """The district's plan for a year (``?year=``), while it has not been filed with the city."""
    user = request.user
    require(can(user, "manage_plan"))
    district = plan_district(user)
    if district is None:
        raise PermissionDenied
    year = _year(request)
    plan = YearPlan.objects.filter(district=district, year=year).first()
    initial = {"year": year}
    if plan is not None:
        entries = list(plan.entries.all())
        initial.update(
            helping_count=plan.helping_count,
            helped_count=plan.helped_count,
            note=plan.note,
            helping=[e.kindergarten_id for e in entries if e.side == "helping"],
            helped=[e.kindergarten_id for e in entries if e.side == "helped"],
        )
    form = PlanForm(request.POST or None, district=district, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            plan = services.plan_save(
                actor=user,
                district=district,
                year=data["year"],
                helping_count=data["helping_count"],
                helped_count=data["helped_count"],
                helping_ids=[k.pk for k in data["helping"]],
                helped_ids=[k.pk for k in data["helped"]],
                note=data["note"],
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"{plan.year}年帮扶计划已保存。")
            return redirect(f"{_plans_url()}?year={plan.year}")
    return render(request, "pairing/plan_form.html", {"form": form, "plan": plan, "year": year})


def _plans_url() -> str:
    from django.urls import reverse

    return reverse("pairing:plans")


@login_required
@require_POST
def plan_submit(request, pk):
    plan = plan_get_for_user(request.user, pk, action="manage")
    try:
        services.plan_submit(actor=request.user, plan=plan)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"{plan.year}年帮扶计划已上报市教育局。")
    return redirect(f"{_plans_url()}?year={plan.year}")


@login_required
@require_http_methods(["GET", "POST"])
def target_list(request):
    """The city's yearly targets: the city keeps them, its districts read them."""
    user = request.user
    require(can(user, "targets"))
    targets = list(targets_visible_to(user).order_by("-year"))
    manage = can(user, "manage_targets")
    form = None
    if manage:
        form = TargetForm(request.POST or None, initial={"cycle_share": 100, "idle_days": 45})
        if request.method == "POST" and form.is_valid():
            city = Bureau.objects.get(pk=user.bureau_id)
            try:
                services.target_save(actor=user, city=city, **form.cleaned_data)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, f"{form.cleaned_data['year']}年帮扶目标已保存。")
                return redirect("pairing:targets")
    elif request.method == "POST":
        raise PermissionDenied
    return render(request, "pairing/target_list.html", {"targets": targets, "form": form})


def _month(request) -> datetime.date:
    value = request.GET.get("month", "")
    try:
        year, month = (int(p) for p in value.split("-"))
        return datetime.date(year, month, 1)
    except (ValueError, TypeError):
        return services.today().replace(day=1)


@login_required
@require_safe
def overview(request):
    """The monthly pairing overview (月调度): per district, the month's agreements and activities, and
    rural participation against the year's target; the agreements that reached the city late."""
    user = request.user
    require(can(user, "overview"))
    month = _month(request)
    city, districts = _city_and_districts(user)
    data = city_overview(city, month, districts) if city else None
    district_id = None if user.role == "city_viewer" else user.bureau_id
    late = agreements_late(city.pk, month.year, services.today(), district_id=district_id) if city else []
    target: CityTarget | None = data["target"] if data else None
    return render(
        request,
        "pairing/overview.html",
        {"month": month, "data": data, "late": late, "target": target, "is_city": user.role == "city_viewer"},
    )
