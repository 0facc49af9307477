"""Facilities and duties pages: the kindergartens in scope with their state, one kindergarten's
facilities (dated changes), school buses, monthly video checks, responsibility letters and drills."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Subquery
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from core.access import require
from core.lists import page_of_ids
from core.pagination import querystring_without_page
from core.views_helpers import apply_validation_error
from kindergartens.access import kindergarten_get_for_user, kindergartens_visible_to
from kindergartens.models import Kindergarten
from kindergartens.services import today
from safety.access import bus_get_for_user, facility_can_record, safety_can
from safety.forms import BusForm, BusInspectForm, BusRetireForm, DrillForm, FacilityForm, LetterForm, VideoCheckForm
from safety.models import Drill, FacilityRecord, ResponsibilityLetter, SchoolBus, VideoCheck
from safety.services import (
    bus_add,
    bus_inspect,
    bus_retire,
    drill_record,
    facility_record_change,
    letter_record,
    video_check_record,
)


def _in_force(day):
    return Subquery(
        FacilityRecord.objects.filter(kindergarten=OuterRef("pk"), effective_on__lte=day)
        .order_by("-effective_on", "-id")
        .values("pk")[:1]
    )


@login_required
@require_safe
def facility_home(request):
    """The kindergartens in scope with the facility record in force today (the kindergarten's own
    accounts go straight to theirs)."""
    user = request.user
    require(safety_can(user, "view"))
    if user.kindergarten_id:
        return redirect("safety:facilities", pk=user.kindergarten_id)
    q = request.GET.get("q", "").strip()[:100]
    qs = kindergartens_visible_to(user)
    if q:
        qs = qs.filter(name__icontains=q)
    qs = qs.order_by("name", "id")
    day = today()

    def load(ids):
        rows = list(Kindergarten.objects.filter(pk__in=ids).annotate(record_id=_in_force(day)))
        records = FacilityRecord.objects.in_bulk([r.record_id for r in rows if r.record_id])
        for row in rows:
            row.record = records.get(row.record_id)
        return rows

    page = page_of_ids(request, qs, load=load)
    return render(
        request, "safety/facility_home.html", {"page": page, "q": q, "querystring": querystring_without_page(request)}
    )


def _context(request, kindergarten, **forms):
    day = today()
    records = list(FacilityRecord.objects.filter(kindergarten=kindergarten).select_related("recorded_by")[:24])
    current = next((r for r in records if r.effective_on <= day), None)
    can = facility_can_record(request.user, kindergarten)
    return {
        "kindergarten": kindergarten,
        "current": current,
        "records": records,
        "buses": list(SchoolBus.objects.filter(kindergarten=kindergarten)),
        "checks": list(VideoCheck.objects.filter(kindergarten=kindergarten).select_related("checked_by")[:12]),
        "letters": list(ResponsibilityLetter.objects.filter(kindergarten=kindergarten).select_related("file")[:30]),
        "drills": list(Drill.objects.filter(kindergarten=kindergarten).prefetch_related("photos")[:30]),
        "today": day,
        "can_record": can,
        "facility_form": forms.get("facility_form") or (FacilityForm(initial=_initial(current, day)) if can else None),
        "bus_form": forms.get("bus_form") or (BusForm() if can else None),
        "inspect_form": BusInspectForm() if can else None,
        "video_form": forms.get("video_form") or (VideoCheckForm() if can else None),
        "letter_form": forms.get("letter_form") or (LetterForm(initial={"year": day.year}) if can else None),
        "drill_form": forms.get("drill_form") or (DrillForm(initial={"held_on": day}) if can else None),
    }


def _initial(current, day):
    from safety.services import FACILITY_FIELDS

    initial = {"effective_on": day}
    if current is not None:
        initial.update({name: getattr(current, name) for name in FACILITY_FIELDS if name != "note"})
    return initial


@login_required
@require_safe
def facilities(request, pk):
    kindergarten = kindergarten_get_for_user(request.user, pk)
    require(safety_can(request.user, "view"))
    return render(request, "safety/facilities.html", _context(request, kindergarten))


def _writer(request, pk):
    kindergarten = kindergarten_get_for_user(request.user, pk)
    require(facility_can_record(request.user, kindergarten), "您不能登记该幼儿园的安全设施、检查或演练。")
    return kindergarten


def _post(request, pk, form_class, service, key, done, *, files=False, form_kwargs=None):
    kindergarten = _writer(request, pk)
    form = form_class(request.POST, request.FILES if files else None, **(form_kwargs or {}))
    if form.is_valid():
        data = dict(form.cleaned_data)
        if files:
            upload = data.pop("file", None)
            data["files"] = [upload] if upload is not None else request.FILES.getlist("files")
        try:
            service(actor=request.user, kindergarten=kindergarten, **data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, done)
            return redirect("safety:facilities", pk=kindergarten.pk)
    return render(request, "safety/facilities.html", _context(request, kindergarten, **{key: form}), status=400)


@login_required
@require_POST
def facility_change(request, pk):
    return _post(request, pk, FacilityForm, facility_record_change, "facility_form", "已登记安全设施变化。")


@login_required
@require_POST
def bus_create(request, pk):
    return _post(request, pk, BusForm, bus_add, "bus_form", "已登记校车。")


@login_required
@require_POST
def video_check_create(request, pk):
    return _post(request, pk, VideoCheckForm, video_check_record, "video_form", "已登记视频监控月度检查。")


@login_required
@require_POST
def letter_create(request, pk):
    return _post(request, pk, LetterForm, letter_record, "letter_form", "已登记安全责任书。", files=True)


@login_required
@require_POST
def drill_create(request, pk):
    return _post(request, pk, DrillForm, drill_record, "drill_form", "已登记安全演练。", files=True)


@login_required
@require_POST
def bus_retire_view(request, pk):
    bus = bus_get_for_user(request.user, pk)
    form = BusRetireForm(request.POST)
    if form.is_valid():
        try:
            bus_retire(actor=request.user, bus=bus, retired_on=form.cleaned_data["retired_on"])
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, f"{bus}已停用。")
    else:
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
    return redirect("safety:facilities", pk=bus.kindergarten_id)


@login_required
@require_POST
def bus_inspect_view(request, pk):
    bus = bus_get_for_user(request.user, pk)
    form = BusInspectForm(request.POST)
    if form.is_valid():
        try:
            bus_inspect(actor=request.user, bus=bus, **form.cleaned_data)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, f"已登记{bus}的检验情况。")
    else:
        messages.error(request, "请填写检验日期和检验有效期。")
    return redirect("safety:facilities", pk=bus.kindergarten_id)
