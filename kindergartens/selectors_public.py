"""信息公开: the only place that decides what the public disclosure pages may show.

What is listed ([001] 信息公开平台: 级类等级、信用等级、收费、违规查处; [003] 年检结果):

- Kindergartens that are operating: status 在办 or 整改. A kindergarten under rectification
  still enrols children, so parents must find it; its status itself is an internal supervision
  state with no publication decision behind it, so the pages do not show it. 筹设 (not open
  yet), 停办 and 注销 (not enrolling) are not listed and their profiles answer 404.
- Of the natures: 公办, 普惠性民办, 非普惠性民办 and 社区办园点 (filed with the bureau). 无证园 are
  never listed: the directory tells parents which kindergartens are approved, and showing an
  unlicensed site beside them would read as approval. Notices about unlicensed sites are an
  enforcement matter the bureau publishes through its own channels.
- Only the organisation's public fields (``PUBLIC_FIELDS``). Never a person: no principal,
  sponsor name (a private sponsor may be a natural person), legal vice-principal, staff, phone
  or user. The unified social credit code and the licence number are organisation identifiers
  that the state already publishes (国家企业信用信息公示系统; the licence hangs at the gate), so
  parents may check them.
- Violations and annual inspection results only where the bureau ticked ``published``; without
  the name of whoever recorded them.
"""

from __future__ import annotations

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.http import Http404

from kindergartens.models import (
    INCLUSIVE_NATURES,
    AnnualInspection,
    AnnualInspectionResult,
    Bureau,
    Kindergarten,
    Level,
    Nature,
    Township,
    Violation,
)
from kindergartens.selectors import COUNTED_NATURES, COUNTED_STATUSES

# Listed = what counts for the district's figures (kindergartens.selectors.COUNTED_DEFINITION).
LISTED_STATUSES = COUNTED_STATUSES
LISTED_NATURES = COUNTED_NATURES
INCLUSIVE = tuple(n.value for n in INCLUSIVE_NATURES)

# The kindergarten columns a public page may read (``.only()`` keeps everything else out of memory).
PUBLIC_FIELDS = (
    "id",
    "name",
    "credit_code",
    "licence_number",
    "licence_valid_until",
    "address",
    "district",
    "township",
    "sponsor",
    "nature",
    "inclusive_recognised_on",
    "schedule",
    "level",
    "capacity",
    "fee_monthly",
    "fee_government_guided",
    "credit_rating",
)
# Nature filter on the public lists: one of the listed natures, or "inclusive" (普惠性 = 公办 + 普惠性民办).
NATURE_INCLUSIVE = "inclusive"


def _listed(prefix: str = "") -> Q:
    """The condition "publicly listed", over Kindergarten rows or through a relation (``prefix``)."""
    return Q(**{f"{prefix}status__in": LISTED_STATUSES, f"{prefix}nature__in": LISTED_NATURES})


def public_kindergartens() -> QuerySet[Kindergarten]:
    """Every publicly listed kindergarten, with only its public fields."""
    return Kindergarten.objects.filter(_listed()).only(*PUBLIC_FIELDS)


def public_kindergarten_list(qs: QuerySet[Kindergarten] | None = None) -> QuerySet[Kindergarten]:
    """Rows for a public list: township, level and the latest published annual inspection in one query."""
    qs = public_kindergartens() if qs is None else qs
    latest = AnnualInspection.objects.filter(kindergarten=OuterRef("pk"), published=True).order_by("-year")
    return (
        qs.select_related("district", "township", "level", "credit_rating")
        .only(*PUBLIC_FIELDS, "district__name", "township__name", "level__name", "credit_rating__name")
        .annotate(
            inspection_year=Subquery(latest.values("year")[:1]),
            inspection_result=Subquery(latest.values("result")[:1]),
        )
    )


def inspection_label(result: str | None) -> str:
    """The Chinese label of an annual inspection result code ("" when none is published)."""
    if not result:
        return ""
    try:
        return str(AnnualInspectionResult(result).label)
    except ValueError:
        return ""


def with_inspection_labels(rows):
    """Give each row from ``public_kindergarten_list`` an ``inspection_label`` for the template."""
    rows = list(rows)
    for kg in rows:
        kg.inspection_label = inspection_label(kg.inspection_result)
    return rows


def filter_nature(qs: QuerySet[Kindergarten], nature: str) -> QuerySet[Kindergarten]:
    if nature == NATURE_INCLUSIVE:
        return qs.filter(nature__in=INCLUSIVE)
    if nature:
        return qs.filter(nature=nature)
    return qs


def public_districts() -> QuerySet[Bureau]:
    """Every district bureau with counts of listed, 公办 and 普惠性 kindergartens (one query)."""
    listed = _listed("kindergartens__")
    return (
        Bureau.objects.filter(level=Bureau.Level.DISTRICT)
        .select_related("parent")
        .annotate(
            listed_count=Count("kindergartens", filter=listed),
            public_count=Count("kindergartens", filter=listed & Q(kindergartens__nature=Nature.PUBLIC)),
            inclusive_count=Count("kindergartens", filter=listed & Q(kindergartens__nature__in=INCLUSIVE)),
        )
        .order_by("parent__name", "parent_id", "name", "id")
    )


def public_district_get(pk) -> Bureau:
    """A district bureau by id, with the counts of ``public_districts``; a city bureau or a missing id is 404."""
    district = public_districts().filter(pk=pk).first()
    if district is None:
        raise Http404("没有这个区县。")
    return district


def public_townships(district: Bureau) -> QuerySet[Township]:
    return Township.objects.filter(district=district).only("id", "name").order_by("name", "id")


def public_levels(district: Bureau) -> QuerySet[Level]:
    """The levels that listed kindergartens of the district hold (the filter offers nothing that finds nothing)."""
    used = public_kindergartens().filter(district=district, level__isnull=False).order_by().values("level_id")
    return Level.objects.filter(pk__in=Subquery(used)).only("id", "name", "rank").order_by("-rank", "name", "id")


def public_kindergarten_get(pk) -> Kindergarten:
    """A publicly listed kindergarten with its public fields; anything else (closed, unlicensed…) is 404."""
    kindergarten = (
        public_kindergartens()
        .filter(pk=pk)
        .select_related("district", "township", "level", "credit_rating")
        .only(*PUBLIC_FIELDS, "district__name", "township__name", "level__name", "credit_rating__name")
        .first()
    )
    if kindergarten is None:
        raise Http404("没有这所幼儿园，或它不在公开名录中。")
    return kindergarten


def public_violations(kindergarten: Kindergarten) -> QuerySet[Violation]:
    """Published violations and penalties, newest first (who recorded them is not public)."""
    return (
        Violation.objects.filter(kindergarten=kindergarten, published=True)
        .only("id", "occurred_on", "description", "penalty")
        .order_by("-occurred_on", "-id")
    )


def public_inspections(kindergarten: Kindergarten) -> QuerySet[AnnualInspection]:
    """Published annual inspection results, newest year first."""
    return (
        AnnualInspection.objects.filter(kindergarten=kindergarten, published=True)
        .only("id", "year", "result")
        .order_by("-year")
    )
