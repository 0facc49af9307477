"""Reads of pairing records: the helped kindergartens' progress, the plan cross-checks, the monthly
figures and the city's overview. Each answers in a fixed number of queries whatever the row count."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from kindergartens.models import OPERATING_STATUSES, Bureau, Kindergarten, Status
from pairing.models import Activity, Agreement, AgreementParty, CityTarget, Form, PlanEntry, Side, YearPlan
from pairing.rules import stars

# Agreements that count as agreed (filed or on their way): not drafts, not returned ones.
AGREED_STATES = (
    Agreement.State.SUBMITTED,
    Agreement.State.CONFIRMED,
    Agreement.State.ACTIVE,
    Agreement.State.COMPLETED,
    Agreement.State.ENDED,
)
RUNNING_STATES = (Agreement.State.CONFIRMED, Agreement.State.ACTIVE)


def required_districts(agreement: Agreement) -> set[int]:
    """The districts whose bureau must confirm: every party's."""
    return set(agreement.parties.values_list("kindergarten__district_id", flat=True))


def month_bounds(month: datetime.date) -> tuple[datetime.date, datetime.date]:
    first = month.replace(day=1)
    last = (first + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
    return first, last


# --- progress of the helped kindergartens --------------------------------------------------------------


def progress_snapshot(kindergarten_ids: list[int]) -> dict[int, dict]:
    """Level, latest inspection and self-check scores, open rectification orders, per kindergarten:
    one query (subqueries per row) whatever the number of kindergartens."""
    from supervision.models import Inspection, RectificationOrder, SelfCheck
    from supervision.models.rectification import OPEN_STATES

    if not kindergarten_ids:
        return {}
    latest_inspection = Inspection.objects.filter(
        kindergarten=OuterRef("pk"), state="submitted", score__isnull=False
    ).order_by("-submitted_at", "-id")
    latest_selfcheck = SelfCheck.objects.filter(
        kindergarten=OuterRef("pk"), state="submitted", score__isnull=False
    ).order_by("-submitted_at", "-id")
    open_orders = (
        RectificationOrder.objects.filter(kindergarten=OuterRef("pk"), state__in=OPEN_STATES)
        .order_by()
        .values("kindergarten")
        .annotate(n=Count("pk"))
        .values("n")
    )
    rows = Kindergarten.objects.filter(pk__in=kindergarten_ids).values(
        "pk",
        level_name=F("level__name"),
        inspection=Subquery(latest_inspection.values("score")[:1]),
        selfcheck=Subquery(latest_selfcheck.values("score")[:1]),
        orders=Coalesce(Subquery(open_orders[:1]), 0),
    )
    return {
        r["pk"]: {
            "level": r["level_name"] or "未定级",
            "inspection": str(r["inspection"]) if r["inspection"] is not None else None,
            "selfcheck": str(r["selfcheck"]) if r["selfcheck"] is not None else None,
            "open_orders": r["orders"],
        }
        for r in rows
    }


def agreement_progress(agreement: Agreement, parties) -> list[dict]:
    """Each helped kindergarten: before (at the start, from the baseline) and now."""
    helped = [p.kindergarten for p in parties if p.side == Side.HELPED]
    now = progress_snapshot([k.pk for k in helped])
    before = (agreement.baseline or {}).get("kindergartens", {})
    return [{"kindergarten": k, "before": before.get(str(k.pk)), "now": now.get(k.pk)} for k in helped]


# --- idle agreements -----------------------------------------------------------------------------------


def idle_days_by_city(year: int) -> dict[int, int]:
    return dict(CityTarget.objects.filter(year=year).values_list("city_id", "idle_days"))


def idle_agreements(day: datetime.date) -> list[tuple[Agreement, int]]:
    """Active agreements not flagged yet whose last activity (or start) is ``idle_days`` or more ago."""
    settings_by_city = idle_days_by_city(day.year)
    result = []
    for agreement in (
        Agreement.objects.filter(state=Agreement.State.ACTIVE, idle_flagged_on__isnull=True)
        .select_related("district")
        .order_by("pk")
    ):
        idle_days = settings_by_city.get(agreement.district.parent_id, 45)
        since = agreement.last_activity_on or agreement.start_date
        if (day - since).days >= idle_days:
            result.append((agreement, (day - since).days))
    return result


def is_idle(agreement: Agreement, day: datetime.date, idle_days: int = 45) -> bool:
    if agreement.state != Agreement.State.ACTIVE:
        return False
    since = agreement.last_activity_on or agreement.start_date
    return (day - since).days >= idle_days


# --- plan cross-checks ---------------------------------------------------------------------------------


@dataclass
class Check:
    """One figure from two sources; ``ok`` is False when they disagree (both are shown)."""

    label: str
    left_label: str
    left: object
    right_label: str
    right: object

    @property
    def ok(self) -> bool:
        return self.left == self.right


@dataclass
class DistrictPlanRow:
    district: Bureau
    plan: YearPlan | None
    checks: list[Check] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    late: bool = False  # filed with the city after its date, or not filed by then
    rural_operating: int = 0
    rural_in_agreement: int = 0

    @property
    def mismatches(self) -> int:
        return sum(1 for c in self.checks if not c.ok) + len(self.problems)

    @property
    def participation(self) -> Decimal | None:
        if not self.rural_operating:
            return None
        return (Decimal(self.rural_in_agreement * 100) / self.rural_operating).quantize(Decimal("0.1"))


def _year_bounds(year: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(year, 1, 1), datetime.date(year, 12, 31)


# An agreement's parties take part in pairing on a day when the agreement was running that day: it
# became active (active now, or completed or ended early since), the day is within its dates, and it
# had not ended by then (completed or ended on a later day, Beijing time). One rule, three forms: a
# queryset filter (``running_on``), a test of one agreement's values (``runs_on``), and SQL
# (``running_on_sql``, the set-based indicator); tests/pairing/test_indicators.py checks they agree.
TOOK_EFFECT_STATES = (Agreement.State.ACTIVE, Agreement.State.COMPLETED, Agreement.State.ENDED)


def _day_after_starts(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min))


def running_on(day: datetime.date, prefix: str = "") -> Q:
    """Agreements (``prefix``: the path to them, "agreement__") running on ``day``."""
    return Q(
        **{
            f"{prefix}state__in": TOOK_EFFECT_STATES,
            f"{prefix}start_date__lte": day,
            f"{prefix}end_date__gte": day,
        }
    ) & (Q(**{f"{prefix}ended_at__isnull": True}) | Q(**{f"{prefix}ended_at__gte": _day_after_starts(day)}))


def runs_on(
    state: str, start: datetime.date, end: datetime.date, ended_at: datetime.datetime | None, day: datetime.date
) -> bool:
    """``running_on`` for one agreement's values."""
    return (
        state in TOOK_EFFECT_STATES and start <= day <= end and (ended_at is None or timezone.localdate(ended_at) > day)
    )


def running_on_sql(alias: str, day: str) -> tuple[str, tuple]:
    """``running_on`` as SQL over the agreement table aliased ``alias``, ``day`` a date expression."""
    from core.sqldates import local_date_sql

    ended, ended_params = local_date_sql(f"{alias}.ended_at")
    states = ", ".join(["%s"] * len(TOOK_EFFECT_STATES))
    sql = (
        f"{alias}.state IN ({states}) AND {alias}.start_date <= {day} AND {alias}.end_date >= {day}"
        f" AND ({alias}.ended_at IS NULL OR {ended} > {day})"
    )
    return sql, (*(s.value for s in TOOK_EFFECT_STATES), *ended_params)


def participation_by_district(district_ids: list[int], day: datetime.date) -> dict[int, tuple[int, int]]:
    """district → (rural kindergartens in an agreement running on ``day`` (``running_on``), rural
    kindergartens operating): two grouped queries. Operating is the registry's present status (the
    indicator ``pairing-rural`` judges each month by the registry's dated history instead)."""
    rural = Q(township__urban_rural_code__startswith="2", status__in=OPERATING_STATUSES)
    operating = dict(
        Kindergarten.objects.filter(rural, district_id__in=district_ids)
        .order_by()
        .values("district_id")
        .annotate(n=Count("pk"))
        .values_list("district_id", "n")
    )
    in_agreement = dict(
        Kindergarten.objects.filter(
            rural,
            district_id__in=district_ids,
            pk__in=AgreementParty.objects.filter(running_on(day, "agreement__")).values("kindergarten_id"),
        )
        .order_by()
        .values("district_id")
        .annotate(n=Count("pk"))
        .values_list("district_id", "n")
    )
    return {d: (in_agreement.get(d, 0), operating.get(d, 0)) for d in district_ids}


def cycle_participation(city: Bureau, district_ids: list[int], rural_operating: int) -> dict | None:
    """The three-year cycle's participation (seed 004: 100% of rural kindergartens over 2024–2026): rural
    operating kindergartens that have been in an agreement that started (active, completed or ended)
    during the years the city set targets for / rural operating kindergartens now. Two queries."""
    years = list(CityTarget.objects.filter(city=city).order_by("year").values_list("year", "cycle_share"))
    if not years or not rural_operating:
        return None
    first, last = datetime.date(years[0][0], 1, 1), datetime.date(years[-1][0], 12, 31)
    took_part = (
        Kindergarten.objects.filter(
            township__urban_rural_code__startswith="2",
            status__in=OPERATING_STATUSES,
            district_id__in=district_ids,
            pk__in=AgreementParty.objects.filter(
                agreement__state__in=(Agreement.State.ACTIVE, Agreement.State.COMPLETED, Agreement.State.ENDED),
                agreement__start_date__lte=last,
                agreement__end_date__gte=first,
            ).values("kindergarten_id"),
        )
        .order_by()
        .count()
    )
    share = (Decimal(took_part * 100) / rural_operating).quantize(Decimal("0.1"))
    return {"first": years[0][0], "last": years[-1][0], "took_part": took_part, "share": share, "target": years[-1][1]}


def plan_checks(city: Bureau, year: int, districts: list[Bureau], *, whole_city: bool = True) -> dict:
    """The year's plans of the given districts checked against each other, the city's target, the
    registry and the agreements. Nothing is corrected: each mismatch shows both numbers. The city's
    total is compared with the sum of the districts only when ``districts`` are all of the city's."""
    target = CityTarget.objects.filter(city=city, year=year).first()
    plans = {p.district_id: p for p in YearPlan.objects.filter(year=year, district__in=districts)}
    entries = list(
        PlanEntry.objects.filter(plan__in=plans.values()).select_related(
            "kindergarten__township", "kindergarten__level", "plan"
        )
    )
    start, end = _year_bounds(year)
    agreed = defaultdict(lambda: {Side.HELPING: set(), Side.HELPED: set()})
    for district_id, kg_id, side in AgreementParty.objects.filter(
        agreement__state__in=AGREED_STATES,
        agreement__start_date__lte=end,
        agreement__end_date__gte=start,
        kindergarten__district__in=districts,
    ).values_list("kindergarten__district_id", "kindergarten_id", "side"):
        agreed[district_id][side].add(kg_id)
    on_day = min(end, timezone.localdate()) if year >= timezone.localdate().year else end
    participation = participation_by_district([d.pk for d in districts], on_day)
    by_plan = defaultdict(list)
    for e in entries:
        by_plan[e.plan.district_id].append(e)
    rows = []
    for district in districts:
        plan = plans.get(district.pk)
        row = DistrictPlanRow(district=district, plan=plan)
        row.rural_in_agreement, row.rural_operating = participation.get(district.pk, (0, 0))
        rows.append(row)
        if target is not None:
            filed = timezone.localdate(plan.submitted_at) if plan and plan.submitted_at else None
            row.late = (filed or timezone.localdate()) > target.plan_due
        if plan is None:
            continue
        named = by_plan[district.pk]
        named_helping = {e.kindergarten_id for e in named if e.side == Side.HELPING}
        named_helped = {e.kindergarten_id for e in named if e.side == Side.HELPED}
        row.checks += [
            Check("参与帮扶园数", "计划填报", plan.helping_count, "名单列出", len(named_helping)),
            Check("被帮扶园数", "计划填报", plan.helped_count, "名单列出", len(named_helped)),
            Check("参与帮扶园数", "计划填报", plan.helping_count, "协议中", len(agreed[district.pk][Side.HELPING])),
            Check("被帮扶园数", "计划填报", plan.helped_count, "协议中", len(agreed[district.pk][Side.HELPED])),
        ]
        for e in sorted(named, key=lambda e: (e.side, e.kindergarten.name)):
            kg = e.kindergarten
            if kg.status not in OPERATING_STATUSES:
                row.problems.append(f"“{kg.name}”在名录中为{Status(kg.status).label}，不是在办幼儿园。")
            if e.side == Side.HELPED and not kg.township.urban_rural_code.startswith("2"):
                row.problems.append(
                    f"被帮扶园“{kg.name}”所在的{kg.township.name}城乡分类代码为 {kg.township.urban_rural_code}，"
                    "不是农村幼儿园。"
                )
            if e.side == Side.HELPING:
                count = stars(kg.level)
                if count is None or count < 4:
                    shown = kg.level.name if kg.level else "未定级"
                    row.problems.append(f"帮扶园“{kg.name}”为{shown}：不能按方式二（四、五星级帮扶）结对。")
            agreed_side = agreed[district.pk][e.side]
            if kg.pk not in agreed_side:
                row.problems.append(f"“{kg.name}”列入计划，但尚无已提交的帮扶协议。")
    total_planned = sum(p.helping_count + p.helped_count for p in plans.values())
    city_checks = []
    if target is not None and whole_city:
        city_checks.append(
            Check("参与帮扶结对的幼儿园总数", "市定目标", target.participants, "各区县计划合计", total_planned)
        )
    rural_in = sum(r.rural_in_agreement for r in rows)
    rural_all = sum(r.rural_operating for r in rows)
    share = (Decimal(rural_in * 100) / rural_all).quantize(Decimal("0.1")) if rural_all else None
    cycle = cycle_participation(city, [d.pk for d in districts], rural_all)
    return {
        "cycle": cycle,
        "target": target,
        "rows": rows,
        "city_checks": city_checks,
        "total_planned": total_planned,
        "rural_in_agreement": rural_in,
        "rural_operating": rural_all,
        "share": share,
        "share_met": share is not None and target is not None and share >= target.rural_share,
    }


# --- the monthly figures (月调度) ------------------------------------------------------------------------


def monthly_figures(district_ids: list[int], month: datetime.date, *, idle_days: int = 45) -> dict[int, dict]:
    """Per district, the month's pairing figures: agreements running, kindergartens helping and helped
    (rural among them), activities, hours and people by side, activities by form, idle agreements.
    A fixed number of grouped queries whatever the number of districts and agreements."""
    first, last = month_bounds(month)
    running = Q(agreement__state__in=(*RUNNING_STATES, Agreement.State.COMPLETED, Agreement.State.ENDED)) & Q(
        agreement__start_date__lte=last, agreement__end_date__gte=first
    )
    figures = {
        d: {
            "agreements": 0,
            "helping": 0,
            "helped": 0,
            "helped_rural": 0,
            "activities": 0,
            "hours": 0.0,
            "helping_people": 0,
            "helped_people": 0,
            "idle": 0,
            **{f"form_{v}": 0 for v, _ in Form.choices},
        }
        for d in district_ids
    }
    parties = (
        AgreementParty.objects.filter(running, kindergarten__district_id__in=district_ids)
        .order_by()
        .values("kindergarten__district_id", "side")
        .annotate(
            kgs=Count("kindergarten_id", distinct=True),
            agreements=Count("agreement_id", distinct=True),
            rural=Count(
                "kindergarten_id", distinct=True, filter=Q(kindergarten__township__urban_rural_code__startswith="2")
            ),
        )
    )
    agreements_by_district = defaultdict(int)
    for row in parties:
        d = figures[row["kindergarten__district_id"]]
        if row["side"] == Side.HELPING:
            d["helping"] = row["kgs"]
        else:
            d["helped"] = row["kgs"]
            d["helped_rural"] = row["rural"]
    agreements_by_district.update(
        AgreementParty.objects.filter(running, kindergarten__district_id__in=district_ids)
        .order_by()
        .values("kindergarten__district_id")
        .annotate(n=Count("agreement_id", distinct=True))
        .values_list("kindergarten__district_id", "n")
    )
    for d, n in agreements_by_district.items():
        figures[d]["agreements"] = n
    # An activity counts for the district of the kindergarten that logged it.
    for row in (
        Activity.objects.filter(date__gte=first, date__lte=last, kindergarten__district_id__in=district_ids)
        .order_by()
        .values("kindergarten__district_id", "form")
        .annotate(
            n=Count("pk"), hours=Sum("hours"), helping_people=Sum("helping_people"), helped_people=Sum("helped_people")
        )
    ):
        d = figures[row["kindergarten__district_id"]]
        d["activities"] += row["n"]
        d["hours"] = round(d["hours"] + float(row["hours"] or 0), 1)
        d["helping_people"] += row["helping_people"] or 0
        d["helped_people"] += row["helped_people"] or 0
        d[f"form_{row['form']}"] += row["n"]
    # Idle: active, and no activity in the city's idle days (default 45) before the month's end (or today).
    cutoff = min(last, timezone.localdate()) - datetime.timedelta(days=idle_days)
    for district_id, n in (
        AgreementParty.objects.filter(
            kindergarten__district_id__in=district_ids,
            agreement__state=Agreement.State.ACTIVE,
            agreement__start_date__lte=cutoff,
        )
        .filter(Q(agreement__last_activity_on__isnull=True) | Q(agreement__last_activity_on__lt=cutoff))
        .order_by()
        .values("kindergarten__district_id")
        .annotate(n=Count("agreement_id", distinct=True))
        .values_list("kindergarten__district_id", "n")
    ):
        figures[district_id]["idle"] = n
    return figures


def city_overview(city: Bureau, month: datetime.date, districts: list[Bureau] | None = None) -> dict:
    """The city's monthly pairing overview: every district's month figures and participation against
    the year's target, and the city's totals. Fixed queries: districts, figures (5), participation (2),
    target (1)."""
    if districts is None:
        districts = list(Bureau.objects.filter(parent=city, level=Bureau.Level.DISTRICT).order_by("name"))
    ids = [d.pk for d in districts]
    target = CityTarget.objects.filter(city=city, year=month.year).first()
    figures = monthly_figures(ids, month, idle_days=target.idle_days if target else 45)
    _, last = month_bounds(month)
    participation = participation_by_district(ids, min(last, timezone.localdate()))
    rows = []
    totals: dict[str, float] = defaultdict(float)
    for d in districts:
        f = figures[d.pk]
        rural_in, rural_all = participation[d.pk]
        share = (Decimal(rural_in * 100) / rural_all).quantize(Decimal("0.1")) if rural_all else None
        rows.append({"district": d, "figures": f, "rural_in": rural_in, "rural_all": rural_all, "share": share})
        for k, v in f.items():
            totals[k] += v
        totals["rural_in"] += rural_in
        totals["rural_all"] += rural_all
    share = (
        (Decimal(int(totals["rural_in"]) * 100) / int(totals["rural_all"])).quantize(Decimal("0.1"))
        if totals["rural_all"]
        else None
    )
    return {"rows": rows, "totals": dict(totals), "share": share, "target": target}


def agreements_late(city_id: int, year: int, day: datetime.date, *, district_id: int | None = None) -> list[Agreement]:
    """Agreements of the year that reached the city after its date, or had not reached it by then
    (``district_id``: only those with a kindergarten of that district)."""
    target = CityTarget.objects.filter(city_id=city_id, year=year).first()
    if target is None:
        return []
    due = target.agreements_due
    qs = Agreement.objects.filter(district__parent_id=city_id, start_date__year=year)
    if district_id is not None:
        qs = qs.filter(
            pk__in=AgreementParty.objects.filter(kindergarten__district_id=district_id).values("agreement_id")
        )
    late = []
    for a in qs.select_related("district").order_by("district__name", "title"):
        filed = timezone.localdate(a.filed_at) if a.filed_at else None
        if (filed is not None and filed > due) or (filed is None and day > due):
            late.append(a)
    return late
