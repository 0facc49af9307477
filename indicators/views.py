"""Indicator pages: the dashboard (district or city), one indicator (formula, parts, trend, breakdown,
drill-down), the Excel export, resident children (list, form, import) and targets. Thin: read input,
ask indicators.access, compute through indicators.dashboard, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods

from core.access import get_in_scope_or_404, require
from core.indicators import all_indicators
from core.pagination import querystring_without_page
from indicators import dashboard as board
from indicators.access import (
    can_edit_inputs,
    can_edit_targets,
    require_view,
    residents_visible_to,
    target_bureaus_for,
    targets_visible_to,
    tasks_visible_to,
    townships_editable_by,
)
from indicators.forms import ResidentChildrenForm, TargetForm
from indicators.selectors import targets_for
from indicators.services import resident_children_save, target_save, today
from kindergartens.models import area_name

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _scope_and_month(request):
    scope = board.scope_for(request.user, request.GET.get("district"))
    day = today()
    return scope, board.parse_month(request.GET.get("month"), day), day


@login_required
@require_GET
def dashboard(request):
    """普及普惠指标: every indicator's figure for the month with target, gap, trajectory and trend; a
    city also ranks its districts on each."""
    scope, month, day = _scope_and_month(request)
    cards = board.cards_for(scope, month, day)
    ranked = None
    if scope.is_city:
        _frame, figures, _measures = board.compute(scope, [month], day, bys=("district",))
        labels = [(d.pk, d.area_name) for d in scope.districts]
        district_targets = targets_for([d.pk for d in scope.districts])
        ranked = [
            (
                card.indicator,
                board.ranking(
                    card.indicator,
                    figures["district"][card.indicator.code],
                    labels,
                    month,
                    {d.pk: district_targets.get((d.pk, card.indicator.code), []) for d in scope.districts},
                ),
            )
            for card in cards
        ]
    return render(
        request,
        "indicators/dashboard.html",
        {
            "scope": scope,
            "month": month,
            "month_label": board.month_label(month),
            "months": board.month_options(day),
            "cards": cards,
            "ranked": ranked,
            "districts": scope.districts if request.user.role == "city_viewer" else [],
            "query": request.GET.urlencode(),
        },
    )


@login_required
@require_GET
def indicator_detail(request, code):
    """One indicator: formula and rule, numerator and denominator, target, 36 months, the breakdown
    (districts ranked, or townships and urban/rural) and the kindergartens behind the figure."""
    indicator = board.indicator_or_404(code)
    scope, month, day = _scope_and_month(request)
    months = board.months_back(month, board.HISTORY_MONTHS)
    bys = ("scope", "district") if scope.is_city else ("scope", "township", "urban_rural")
    frame, figures, measured = board.compute(scope, months, day, bys=bys, indicators=[indicator], detail_month=month)
    own_targets = targets_for([scope.bureau.pk]).get((scope.bureau.pk, indicator.code), [])
    by_scope = figures["scope"][indicator.code]
    history = [board.cell(indicator, by_scope.get((scope.key, m)), own_targets, m) for m in reversed(months)]
    current = board.cell(indicator, by_scope.get((scope.key, month)), own_targets, month)
    context = {
        "indicator": indicator,
        "scope": scope,
        "month": month,
        "month_label": board.month_label(month),
        "months": board.month_options(day),
        "current": current,
        "history": list(zip(reversed(months), history, strict=True)),
        "targets": own_targets,
    }
    if scope.is_city:
        labels = [(d.pk, d.area_name) for d in scope.districts]
        context["districts_ranked"] = board.ranking(indicator, figures["district"][indicator.code], labels, month)
    else:
        towns = sorted(frame.townships.items(), key=lambda kv: kv[1]["name"])
        context["townships"] = board.ranking(
            indicator, figures["township"][indicator.code], [(pk, t["name"]) for pk, t in towns], month
        )
        context["urban_rural"] = [
            (label, board.cell(indicator, figures["urban_rural"][indicator.code].get((label, month)), [], month))
            for label in ("城镇", "乡村")
        ]
        rows = board.drill_down(indicator, frame, measured[indicator.code], month)
        context["drill"] = Paginator(rows, 50).get_page(request.GET.get("page"))
        context["drill_query"] = querystring_without_page(request)
        context["township_denominators"] = board.township_denominators(frame, measured[indicator.code], month)
    return render(request, "indicators/detail.html", context)


@login_required
@require_GET
def export(request):
    """The dashboard as a formatted .xlsx: figures, targets, gaps, the month, who exported it and when."""
    from indicators.excel import dashboard_xlsx

    scope, month, day = _scope_and_month(request)
    content, filename = dashboard_xlsx(request.user, scope, month, day)
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


# --- resident children ------------------------------------------------------------------------------


@login_required
@require_GET
def resident_list(request):
    """常住适龄儿童数: every township's figure per year, with its source and date."""
    require_view(request.user)
    qs = residents_visible_to(request.user).select_related("township", "district", "recorded_by")
    year = request.GET.get("year", "").strip()
    if year.isdigit():
        qs = qs.filter(year=int(year))
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(township__name__contains=q)
    page = Paginator(qs.order_by("-year", "township__name", "pk"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "indicators/resident_list.html",
        {
            "page": page,
            "year": year,
            "q": q,
            "can_edit": can_edit_inputs(request.user),
            "query": querystring_without_page(request),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def resident_form(request, pk=None):
    """Enter or correct a township's figure for a year (one per township and year)."""
    user = request.user
    # A record first: outside the scope (or for a role that sees none) it does not exist (404).
    record = get_in_scope_or_404(residents_visible_to(user), pk=pk) if pk is not None else None
    require_view(user)
    require(can_edit_inputs(user), "只有本区县教育局的管理员和业务人员可以录入常住适龄儿童数。")
    form = ResidentChildrenForm(request.POST or None, instance=record, townships=townships_editable_by(user))
    if request.method == "POST" and form.is_valid():
        try:
            resident_children_save(user=user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "已保存。")
            return redirect("indicators:resident-list")
    return render(request, "indicators/resident_form.html", {"form": form, "record": record})


@login_required
@require_http_methods(["GET", "POST"])
def resident_import(request):
    """Import a year's figures from Excel: all or nothing, every problem listed by row."""
    from indicators.imports import ResidentFileError, check_rows, read_residents

    user = request.user
    require_view(user)
    require(can_edit_inputs(user), "只有本区县教育局的管理员和业务人员可以导入常住适龄儿童数。")
    problems, file_error, done = [], None, None
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            file_error = "请选择要导入的 Excel 文件。"
        elif upload.size > 5 * 1024 * 1024:
            file_error = "文件过大，上限为 5 MB。"
        else:
            try:
                raw = read_residents(upload.read(), filename=upload.name)
                rows, problems = check_rows(raw, townships=townships_editable_by(user))
            except ResidentFileError as exc:
                file_error = str(exc)
            else:
                if not problems:
                    from indicators.services import resident_children_import

                    done = resident_children_import(user=user, rows=rows)
                    messages.success(request, f"已导入 {done} 行。")
                    return redirect("indicators:resident-list")
    return render(
        request, "indicators/resident_import.html", {"problems": problems, "file_error": file_error}, status=200
    )


@login_required
@require_GET
def resident_template(request):
    """The import's blank workbook, with the district's townships filled in."""
    from indicators.imports import template_xlsx

    user = request.user
    require_view(user)
    require(can_edit_inputs(user), "只有本区县教育局的管理员和业务人员可以导入常住适龄儿童数。")
    response = HttpResponse(template_xlsx(list(townships_editable_by(user))), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, "常住适龄儿童数导入模板.xlsx")
    return response


# --- targets ----------------------------------------------------------------------------------------


@login_required
@require_GET
def target_list(request):
    """指标目标: each bureau's targets by indicator and year, with the plan's baseline."""
    user = request.user
    require_view(user)
    names = {i.code: i for i in all_indicators()}
    targets = list(
        targets_visible_to(user).select_related("bureau").order_by("bureau__level", "bureau__name", "indicator", "year")
    )
    rows = [
        {
            "target": t,
            "bureau": area_name(t.bureau.name),
            "indicator": names.get(t.indicator),
            "value": board.display(names[t.indicator], t.value) if t.indicator in names else "—",
            "baseline": (
                board.display(names[t.indicator], t.baseline_value)
                if t.indicator in names and t.baseline_value is not None
                else "—"
            ),
            "editable": t.bureau_id == user.bureau_id and can_edit_targets(user),
        }
        for t in targets
    ]
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "indicators/target_list.html",
        {
            "page": page,
            "can_edit": can_edit_targets(user),
            "query": querystring_without_page(request),
            "kept_elsewhere": _targets_kept_elsewhere(user),
        },
    )


def _targets_kept_elsewhere(user) -> list[dict]:
    """Indicators whose targets their own app keeps (pairing's yearly target): where they are set,
    and the years' values as the dashboard reads them for this user's bureaus."""
    from indicators.access import target_bureaus_visible_to

    kept = [i for i in all_indicators() if i.targets is not None]
    if not kept:
        return []
    bureau_ids = list(target_bureaus_visible_to(user).values_list("pk", flat=True))
    rows = []
    for indicator in kept:
        years = sorted({(t.year, t.value) for targets in indicator.targets(bureau_ids).values() for t in targets})
        rows.append(
            {
                "indicator": indicator,
                "source": indicator.targets_source,
                "years": "；".join(f"{year}年 {board.display(indicator, value)}" for year, value in years),
            }
        )
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def target_form(request, pk=None):
    user = request.user
    target = get_in_scope_or_404(targets_visible_to(user), pk=pk) if pk is not None else None
    require_view(user)
    require(can_edit_targets(user), "您不能设定指标目标。")
    if target is not None:
        require(target.bureau_id == user.bureau_id, "只能修改本单位的指标目标。")
    bureau = target_bureaus_for(user).get()
    form = TargetForm(request.POST or None, instance=target)
    if request.method == "POST" and form.is_valid():
        try:
            target_save(user=user, bureau=bureau, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "已保存。")
            return redirect(reverse("indicators:target-list"))
    return render(request, "indicators/target_form.html", {"form": form, "target": target, "bureau": bureau})


# --- responsibility list ----------------------------------------------------------------------------


@login_required
@require_GET
def task_list(request):
    """责任清单: the district's tasks (a city viewer picks a district), overdue ones first and marked,
    with the latest progress reported through 责任清单月度进展."""
    from indicators.access import districts_visible_to
    from indicators.responsibility import latest_progress

    user = request.user
    require_view(user)
    districts = list(districts_visible_to(user))
    chosen = request.GET.get("district")
    district = next((d for d in districts if str(d.pk) == chosen), None) if chosen else None
    if chosen and district is None:
        raise Http404
    district = district or (districts[0] if len(districts) == 1 or not chosen and districts else None)
    day = today()
    tasks, submission, progress = [], None, {}
    if district is not None:
        tasks = list(tasks_visible_to(user).filter(district=district))
        tasks.sort(key=lambda t: (not t.is_overdue(day), t.done_on is not None, t.number))
        submission, progress = latest_progress(district.pk)
    names = {i.code: i.name for i in all_indicators()}
    rows = [
        {
            "task": t,
            "overdue": t.is_overdue(day),
            "indicator": names.get(t.indicator, ""),
            "progress": progress.get(t.number, []),
        }
        for t in tasks
    ]
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "indicators/task_list.html",
        {
            "page": page,
            "district": district,
            "districts": districts if len(districts) > 1 else [],
            "submission": submission,
            "overdue_count": sum(r["overdue"] for r in rows),
            "can_edit": can_edit_inputs(user) and district is not None and district.pk == user.bureau_id,
            "query": querystring_without_page(request),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def task_form(request, pk=None):
    from indicators.forms import ResponsibilityTaskForm
    from indicators.services import responsibility_task_save

    user = request.user
    task = get_in_scope_or_404(tasks_visible_to(user), pk=pk) if pk is not None else None
    require_view(user)
    require(can_edit_inputs(user), "只有本区县教育局的管理员和业务人员可以维护责任清单。")
    taken = tasks_visible_to(user).filter(district_id=user.bureau_id)
    if task is not None:
        taken = taken.exclude(pk=task.pk)
    form = ResponsibilityTaskForm(
        request.POST or None, instance=task, numbers_taken=taken.values_list("number", flat=True)
    )
    if request.method == "POST" and form.is_valid():
        try:
            responsibility_task_save(user=user, district=user.bureau, task=task, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "已保存。")
            return redirect("indicators:task-list")
    return render(request, "indicators/task_form.html", {"form": form, "task": task})
