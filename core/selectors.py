"""Reads for the home pages: counts over what the user may see, never more."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Q

from kindergartens.access import kindergartens_visible_to
from kindergartens.models import Nature
from supervision.models import SupervisorAssignment


def district_overview(user) -> dict:
    """Counts for a bureau home page: by nature, urban/rural, and supervision coverage."""
    active = SupervisorAssignment.objects.filter(kindergarten=OuterRef("pk"), ended_at__isnull=True)
    qs = kindergartens_visible_to(user).annotate(has_supervisor=Exists(active))
    aggregates = {f"nature_{n.value}": Count("pk", filter=Q(nature=n.value)) for n in Nature}
    totals = qs.aggregate(
        total=Count("pk"),
        rural=Count("pk", filter=Q(township__urban_rural_code__startswith="2")),
        unassigned=Count("pk", filter=Q(has_supervisor=False)),
        **aggregates,
    )
    totals["urban"] = totals["total"] - totals["rural"]
    totals["by_nature"] = [(n.label, totals[f"nature_{n.value}"]) for n in Nature]
    totals["inclusive"] = totals[f"nature_{Nature.PUBLIC.value}"] + totals[f"nature_{Nature.INCLUSIVE_PRIVATE.value}"]
    return totals


def districts_breakdown(user) -> list[dict]:
    """Per-district counts for the city viewer."""
    rows = (
        kindergartens_visible_to(user)
        .values("district_id", "district__name")
        .annotate(
            total=Count("pk"),
            inclusive=Count("pk", filter=Q(nature__in=[Nature.PUBLIC, Nature.INCLUSIVE_PRIVATE])),
            rural=Count("pk", filter=Q(township__urban_rural_code__startswith="2")),
        )
        .order_by("district__name")
    )
    return list(rows)
