"""The registry pages: the kindergarten list and record, classes, violations and annual inspections,
the level vocabulary and class-size compliance. Each view: access function, service, render/redirect."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import F, Prefetch
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.roles import KINDERGARTEN_ROLES, Role
from core.access import get_in_scope_or_404, require
from core.audit import history_for
from core.lists import page_of_ids
from core.pagination import paginate, querystring_without_page
from core.registry import panels_for
from core.views_helpers import apply_validation_error
from kindergartens.access import (
    can,
    class_get_for_user,
    kindergarten_flags,
    kindergarten_get_for_user,
    kindergartens_visible_to,
    level_get_for_user,
    levels_visible_to,
    user_province,
)
from kindergartens.forms import (
    AnnualInspectionForm,
    ClassForm,
    KindergartenFilterForm,
    KindergartenForm,
    LevelForm,
    ViolationForm,
    kindergarten_list_ids,
)
from kindergartens.models import Nature, Status
from kindergartens.selectors import (
    COUNTED_DEFINITION,
    classes_with_compliance,
    compliance_by_district,
    district_compliance,
    kindergarten_list_rows,
    kindergartens_counted_on,
    with_enrolment,
)
from kindergartens.services import (
    annual_inspection_record,
    class_create,
    class_deactivate,
    class_update,
    kindergarten_update,
    level_create,
    level_update,
    today,
    violation_record,
    violation_set_published,
)
from kindergartens.tables import kindergarten_list_rows as kindergarten_list_table
from supervision.models import SupervisorAssignment

STATUS_LABELS = dict(Status.choices)
NATURE_LABELS = dict(Nature.choices)

# Tabs of the record page, chosen on the server (?tab=) so each renders only what it shows.
TABS = [
    ("info", "基本信息"),
    ("classes", "班级"),
    ("status", "状态与性质历史"),
    ("violations", "违规查处"),
    ("inspections", "年检结果"),
    ("supervisor", "责任督学"),
    ("filings", "变更备案"),  # only for roles that read filings (kindergarten staff do not)
]


def active_assignments_prefetch() -> Prefetch:
    return Prefetch(
        "supervisor_assignments",
        queryset=SupervisorAssignment.objects.filter(ended_at__isnull=True).select_related("supervisor"),
        to_attr="active_assignments",
    )


def route_exists(name: str) -> bool:
    """Routes other parts of the product add (export, import, filings) are linked only once they exist."""
    try:
        reverse(name)
    except NoReverseMatch:
        return False
    return True


def _percent(part, whole) -> int | None:
    return round(part * 100 / whole) if whole else None


# --- the list and the record ------------------------------------------------------------------


@login_required
@require_safe
def kindergarten_list(request):
    user = request.user
    form = KindergartenFilterForm(request.GET or None, user=user)
    as_of = form.as_of_date
    page = page_of_ids(
        request,
        kindergarten_list_ids(form, user),  # = form.filter(kindergartens_visible_to(user)), compiled once per shape
        load=lambda ids: kindergarten_list_rows(ids, as_of=as_of),
    )
    return render(
        request,
        "kindergartens/list.html",
        {
            "form": form,
            "page": page,
            "rows_html": kindergarten_list_table(page.object_list, as_of=as_of),
            "as_of": as_of,
            "querystring": querystring_without_page(request),
            "show_district_filter": user.role == Role.CITY_VIEWER,
            # A kindergarten's own users see one row: no filter bar for it.
            "show_filters": user.role not in KINDERGARTEN_ROLES,
            "can_export": can(user, "export_list") and route_exists("kindergartens:export"),
            "can_import": can(user, "import_roster") and route_exists("kindergartens:import"),
            "can_manage_levels": can(user, "manage_levels"),
            "can_manage_credit_grades": can(user, "manage_credit_grades"),
        },
    )


@login_required
@require_safe
def kindergarten_detail(request, pk):
    user = request.user
    can_read_filings = can(user, "list_filings") and route_exists("kindergartens:filing-list")
    tabs = [(key, label) for key, label in TABS if key != "filings" or can_read_filings]
    tab = request.GET.get("tab", "info")
    if tab not in dict(tabs):
        tab = "info"
    # Every tab shows the responsible supervisor (read with the record); only the supervisor tab lists
    # past assignments.
    kindergarten = kindergarten_get_for_user(
        user,
        pk,
        action="view",
        related=("level", "credit_rating") if tab == "info" else (),
        active_supervisor=tab != "supervisor",
        panels="kindergarten-actions",  # the other apps' panels below, read in the same query
    )
    if tab == "supervisor":
        assignments = kindergarten.supervisor_assignments.select_related("supervisor", "assigned_by", "ended_by")
        assignments = list(assignments.order_by("-started_at", "-id"))
        active = next((a for a in assignments if a.ended_at is None), None)
    else:
        active, assignments = kindergarten.active_assignment, []
    context = {
        "kindergarten": kindergarten,
        "tabs": tabs,
        "tab": tab,
        "assignments": assignments,
        "active_assignment": active,
        "flags": kindergarten_flags(user, kindergarten),
        # links other apps offer on the record (supervision: inspections, self-checks, open orders)
        "action_panels": panels_for("kindergarten-actions", request=request, kindergarten=kindergarten),
    }
    if tab == "classes":
        classes = classes_with_compliance(kindergarten)
        enrolled = sum(c.children for c in classes)
        context.update(
            classes=classes,
            enrolled=enrolled,
            compliant_count=sum(1 for c in classes if c.compliant),
            enrolment_percent=_percent(enrolled, kindergarten.capacity),
        )
    elif tab == "status":
        context["page"] = paginate(request, kindergarten.status_changes.select_related("recorded_by"))
        context["today"] = today()
    elif tab == "violations":
        context["page"] = paginate(request, kindergarten.violations.select_related("recorded_by"))
    elif tab == "filings":
        from kindergartens.selectors_filings import filing_field_labels

        page = paginate(
            request,
            kindergarten.change_filings.select_related("filed_by", "decided_by").order_by("-submitted_at", "-id"),
        )
        for filing in page.object_list:
            filing.field_labels = filing_field_labels(filing)
        context["page"] = page
    elif tab == "inspections":
        context["inspections"] = list(kindergarten.annual_inspections.select_related("recorded_by"))
    elif tab == "info":
        context["level"] = kindergarten.level  # fetched with the record for this tab only
        context["credit_grade"] = kindergarten.credit_rating
        valid_until = kindergarten.licence_valid_until
        context["licence_expired"] = valid_until is not None and valid_until < today()
    context["querystring"] = querystring_without_page(request)
    return render(request, "kindergartens/detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def kindergarten_edit(request, pk):
    kindergarten = kindergarten_get_for_user(request.user, pk, action="change")
    form = KindergartenForm(request.POST or None, kindergarten=kindergarten, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            changed = kindergarten_update(
                actor=request.user,
                kindergarten=kindergarten,
                changes=form.changes(),
                effective_date=form.cleaned_data.get("effective_date"),
                note=form.cleaned_data.get("note", ""),
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
            kindergarten.refresh_from_db()  # the page shows the record as saved, not the rejected values
        else:
            messages.success(request, "幼儿园信息已保存。" if changed else "没有需要保存的修改。")
            return redirect("kindergartens:detail", pk=kindergarten.pk)
    return render(request, "kindergartens/edit.html", {"kindergarten": kindergarten, "form": form})


@login_required
@require_safe
def kindergarten_history(request, pk):
    kindergarten = kindergarten_get_for_user(request.user, pk, action="view_history")
    page = paginate(
        request,
        history_for(
            kindergarten,
            include=[
                kindergarten.supervisor_assignments.all(),
                kindergarten.status_changes.all(),
                kindergarten.classes.all(),
                kindergarten.violations.all(),
                kindergarten.annual_inspections.all(),
                kindergarten.change_filings.all(),
            ],
        ),
    )
    return render(
        request,
        "core/history.html",
        {"object": kindergarten, "object_label": str(kindergarten), "page": page, "back_url": kindergarten},
    )


# --- classes ----------------------------------------------------------------------------------


def _class_input(form) -> dict:
    data = form.cleaned_data
    return {"name": data["name"], "class_type": data["class_type"], "children": data["children"]}


def _tab_url(kindergarten, tab: str) -> str:
    return f"{kindergarten.get_absolute_url()}?tab={tab}"


@login_required
@require_http_methods(["GET", "POST"])
def class_create_view(request, pk):
    kindergarten = kindergarten_get_for_user(request.user, pk, action="manage_classes")
    form = ClassForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            klass = class_create(actor=request.user, kindergarten=kindergarten, **_class_input(form))
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"已新增班级「{klass.name}」。")
            return redirect(_tab_url(kindergarten, "classes"))
    return render(request, "kindergartens/class_form.html", {"kindergarten": kindergarten, "form": form, "klass": None})


@login_required
@require_http_methods(["GET", "POST"])
def class_edit_view(request, pk):
    klass = class_get_for_user(request.user, pk, action="manage")
    kindergarten = klass.kindergarten
    initial = {"name": klass.name, "class_type": klass.class_type, "children": klass.children}
    form = ClassForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            class_update(actor=request.user, klass=klass, **_class_input(form))
        except ValidationError as exc:
            apply_validation_error(form, exc)
            klass.refresh_from_db()
        else:
            messages.success(request, f"班级「{klass.name}」已保存。")
            return redirect(_tab_url(kindergarten, "classes"))
    return render(
        request, "kindergartens/class_form.html", {"kindergarten": kindergarten, "form": form, "klass": klass}
    )


@login_required
@require_http_methods(["GET", "POST"])
def class_deactivate_view(request, pk):
    """GET asks for confirmation; POST stops the class (it stays on record)."""
    klass = class_get_for_user(request.user, pk, action="manage")
    kindergarten = klass.kindergarten
    if request.method == "POST":
        try:
            class_deactivate(actor=request.user, klass=klass)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, f"班级「{klass.name}」已停用。")
        return redirect(_tab_url(kindergarten, "classes"))
    return render(
        request,
        "snippets/confirm.html",
        {
            "title": "停用班级",
            "message": f"确定停用「{kindergarten}」的班级「{klass.name}」（{klass.children} 名幼儿）吗？"
            "停用后该班不再计入在园人数和班额统计，记录保留。",
            "confirm_label": "确认停用",
            "danger": True,
            "cancel_url": _tab_url(kindergarten, "classes"),
        },
    )


# --- violations and annual inspections ----------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def violation_create_view(request, pk):
    kindergarten = kindergarten_get_for_user(request.user, pk, action="record_findings")
    form = ViolationForm(request.POST or None, initial={"occurred_on": today()})
    if request.method == "POST" and form.is_valid():
        try:
            violation_record(actor=request.user, kindergarten=kindergarten, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, "违规查处记录已登记。")
            return redirect(_tab_url(kindergarten, "violations"))
    return render(request, "kindergartens/violation_form.html", {"kindergarten": kindergarten, "form": form})


@login_required
@require_POST
def violation_publish_view(request, pk):
    """Publish or withdraw one violation of the kindergarten (POST ``violation``, ``published`` 1/0)."""
    kindergarten = kindergarten_get_for_user(request.user, pk, action="record_findings")
    violation = get_in_scope_or_404(kindergarten.violations.all(), pk=request.POST.get("violation"))
    published = request.POST.get("published") == "1"
    violation_set_published(actor=request.user, violation=violation, published=published)
    messages.success(request, "已向社会公开该违规查处记录。" if published else "已撤回该违规查处记录的公开。")
    return redirect(_tab_url(kindergarten, "violations"))


@login_required
@require_http_methods(["GET", "POST"])
def inspection_create_view(request, pk):
    kindergarten = kindergarten_get_for_user(request.user, pk, action="record_findings")
    form = AnnualInspectionForm(request.POST or None, initial={"year": today().year - 1, "published": True})
    if request.method == "POST" and form.is_valid():
        try:
            inspection = annual_inspection_record(actor=request.user, kindergarten=kindergarten, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"{inspection.year} 年度年检结果已登记：{inspection.get_result_display()}。")
            return redirect(_tab_url(kindergarten, "inspections"))
    return render(request, "kindergartens/inspection_form.html", {"kindergarten": kindergarten, "form": form})


# --- the level vocabulary ---------------------------------------------------------------------


@login_required
@require_safe
def level_list(request):
    """Everyone in scope may read the vocabulary (levels are public); the bureau admin keeps it."""
    user = request.user
    qs = levels_visible_to(user).order_by("-is_active", "-rank", "name")
    page = paginate(request, qs)
    return render(
        request,
        "kindergartens/level_list.html",
        {"page": page, "province": user_province(user), "can_manage": can(user, "manage_levels")},
    )


@login_required
@require_http_methods(["GET", "POST"])
def level_create_view(request):
    require(can(request.user, "manage_levels"))
    form = LevelForm(request.POST or None, creating=True)
    if request.method == "POST" and form.is_valid():
        try:
            level = level_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"已新增等级「{level.name}」。")
            return redirect("kindergartens:level-list")
    return render(request, "kindergartens/level_form.html", {"form": form, "level": None})


@login_required
@require_http_methods(["GET", "POST"])
def level_edit_view(request, pk):
    level = level_get_for_user(request.user, pk, action="change")
    initial = {"name": level.name, "rank": level.rank, "description": level.description, "is_active": level.is_active}
    form = LevelForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            level_update(actor=request.user, level=level, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
            level.refresh_from_db()
        else:
            messages.success(request, f"等级「{level.name}」已保存。")
            return redirect("kindergartens:level-list")
    return render(request, "kindergartens/level_form.html", {"form": form, "level": level})


# --- class-size compliance --------------------------------------------------------------------


@login_required
@require_safe
def compliance(request):
    """Class sizes against 25/30/35/30 (boarding smaller) and enrolment against capacity."""
    user = request.user
    form = KindergartenFilterForm(request.GET or None, user=user)
    # Only what counts for the district's figures (licensed and operating today): one definition.
    scope = form.filter(kindergartens_counted_on(kindergartens_visible_to(user), today()))
    qs = with_enrolment(scope)
    if request.GET.get("over") == "1":
        qs = qs.filter(compliant_classes__lt=F("class_count"))
    page = paginate(request, qs.select_related("district", "township"))
    for kg in page.object_list:
        kg.over_classes = kg.class_count - kg.compliant_classes
        kg.enrolment_percent = _percent(kg.enrolled, kg.capacity)
    is_city = user.role == Role.CITY_VIEWER
    totals = district_compliance(scope)
    districts = compliance_by_district(scope) if is_city else []
    for row in [totals, *districts]:
        row["compliance_percent"] = _percent(row["compliant"], row["classes"])
        row["enrolment_percent"] = _percent(row["enrolled"], row["capacity"])
    return render(
        request,
        "kindergartens/compliance.html",
        {
            "form": form,
            "page": page,
            "over": request.GET.get("over") == "1",
            "totals": totals,
            "districts": districts,
            "show_district_filter": is_city,
            "querystring": querystring_without_page(request),
            "counted_definition": COUNTED_DEFINITION,
        },
    )


urlpatterns = [
    path("", kindergarten_list, name="list"),
    path("compliance/", compliance, name="compliance"),
    path("levels/", level_list, name="level-list"),
    path("levels/new/", level_create_view, name="level-create"),
    path("levels/<int:pk>/edit/", level_edit_view, name="level-edit"),
    path("<int:pk>/", kindergarten_detail, name="detail"),
    path("<int:pk>/edit/", kindergarten_edit, name="edit"),
    path("<int:pk>/history/", kindergarten_history, name="history"),
    path("<int:pk>/classes/new/", class_create_view, name="class-create"),
    path("classes/<int:pk>/edit/", class_edit_view, name="class-edit"),
    path("classes/<int:pk>/deactivate/", class_deactivate_view, name="class-deactivate"),
    path("<int:pk>/violations/new/", violation_create_view, name="violation-create"),
    path("<int:pk>/violations/publish/", violation_publish_view, name="violation-publish"),
    path("<int:pk>/annual-inspections/new/", inspection_create_view, name="inspection-create"),
]
