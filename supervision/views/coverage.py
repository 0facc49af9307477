"""督导覆盖: who is behind on inspections this term or on the comprehensive assessment cycle; and
each supervisor's load."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_safe

from core.access import require
from core.lists import page_of_ids
from core.pagination import querystring_without_page
from kindergartens.models import Kindergarten
from kindergartens.services import today
from supervision.access import coverage_can
from supervision.coverage import (
    assessment_status,
    coverage_queryset,
    coverage_summary,
    supervisor_loads,
    term_of,
)

ASSESSMENT_LABELS = {"ok": "在周期内", "due": "即将到期", "overdue": "已超期或从未评估"}


@login_required
@require_safe
def coverage(request):
    require(coverage_can(request.user), "您没有查看督导覆盖情况的权限。")
    day = today()
    behind_only = request.GET.get("show", "behind") != "all"
    q = request.GET.get("q", "").strip()[:100]
    qs = coverage_queryset(request.user, day, behind_only=behind_only, q=q).order_by("term_count", "name", "pk")
    figures = {}

    def load(ids):
        rows = (
            coverage_queryset(request.user, day)
            .filter(pk__in=ids)
            .values("pk", "name", "term_count", "last_assessment")
        )
        out = []
        for row in rows:
            kg = Kindergarten(pk=row["pk"], name=row["name"])
            kg.term_count, kg.last_assessment = row["term_count"], row["last_assessment"]
            kg.assessment = ASSESSMENT_LABELS[assessment_status(row["last_assessment"], day)]
            kg.short = row["term_count"] < settings.SUPERVISION_MIN_INSPECTIONS_PER_TERM
            out.append(kg)
        return out

    page = page_of_ids(request, qs, load=load)
    figures = coverage_summary(request.user, day)
    return render(
        request,
        "supervision/coverage.html",
        {
            "page": page,
            "q": q,
            "behind_only": behind_only,
            "term": term_of(day),
            "minimum": settings.SUPERVISION_MIN_INSPECTIONS_PER_TERM,
            "due_years": settings.SUPERVISION_ASSESSMENT_DUE_YEARS,
            "overdue_years": settings.SUPERVISION_ASSESSMENT_OVERDUE_YEARS,
            "figures": figures,
            "querystring": querystring_without_page(request),
        },
    )


@login_required
@require_safe
def supervisor_load(request):
    require(coverage_can(request.user, "load"), "您没有查看督学负荷的权限。")
    rows = supervisor_loads(request.user)
    return render(
        request,
        "supervision/supervisor_load.html",
        {"rows": rows, "limit": settings.SUPERVISOR_LOAD_WARNING, "over": sum(r["over"] for r in rows)},
    )
