"""Reads of the staff roster: certificate holding, expiring and missing certificates, record checks,
training hours and the staffing standards. Every function takes querysets already scoped by
staffing.access (or a kindergarten fetched through it) and runs a fixed number of queries.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.db import connection
from django.db.models import Count, Exists, F, Max, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from core.cache import cached
from kindergartens.models import OPERATING_STATUSES, Kindergarten, KindergartenClass
from staffing import standards
from staffing.models import (
    Certificate,
    CertificateKind,
    Employment,
    Post,
    RecordCheck,
    StaffingPolicy,
    Training,
)

EXPIRY_WINDOWS = (30, 60, 90)
RECORD_CHECK_VALID = relativedelta(months=12)
# 教师 for the training requirement: the teaching posts (principals teach too).
TRAINED_POSTS = (Post.PRINCIPAL, Post.VICE_PRINCIPAL, Post.TEACHER)


def today() -> datetime.date:
    return timezone.localdate()


def _requirement_data() -> tuple[list[CertificateKind], dict[int, dict]]:
    """The configured kinds and each district's own requirements (a few rows that change a few
    times a year): one cache entry, invalidated when either changes."""
    return cached(
        "staffing:certificate-requirements",
        lambda: (
            list(CertificateKind.objects.order_by("order", "id")),
            {
                district_id: rules
                for district_id, rules in StaffingPolicy.objects.values_list("district_id", "certificate_requirements")
                if rules
            },
        ),
        depends_on=(CertificateKind, StaffingPolicy),
    )


def certificate_kinds() -> list[CertificateKind]:
    """The configured kinds, in their order (cached)."""
    return _requirement_data()[0]


@dataclass(frozen=True)
class Requirement:
    """Which posts need one kind of certificate in one district (or by the city-wide default)."""

    kind: CertificateKind
    all_posts: bool
    posts: frozenset[str]

    def applies(self, post: str) -> bool:
        return self.all_posts or post in self.posts


def district_overrides() -> dict[int, dict]:
    """District id → its own certificate requirements (StaffingPolicy), for districts that set any."""
    return _requirement_data()[1]


def default_requirement(kind: CertificateKind) -> Requirement:
    return Requirement(kind=kind, all_posts=kind.for_all_posts, posts=frozenset(kind.required_for or []))


def requirements_for(district_id: int | None) -> list[Requirement]:
    """The certificate requirements in force in a district: the city-wide defaults (CertificateKind)
    with the district's own changes on top. No query when the caches are warm."""
    rules = district_overrides().get(district_id, {}) if district_id else {}
    result = []
    for kind in certificate_kinds():
        rule = rules.get(str(kind.pk))
        if rule is None:
            result.append(default_requirement(kind))
        else:
            result.append(
                Requirement(kind=kind, all_posts=bool(rule.get("all")), posts=frozenset(rule.get("posts", [])))
            )
    return result


def requirement_groups(district_ids: list[int] | None = None) -> list[tuple[Q, list[Requirement]]]:
    """Employment filters, each with the requirements in force there: one per district with its own
    setting, and one for every other district (the defaults). ``district_ids``: the districts the
    employments are known to lie in (e.g. a district bureau's own), so the groups of other districts
    are left out; with one district there is one group and no filter. Without district settings:
    one group with no filter, so the queries are exactly the city-wide ones."""
    if district_ids is not None and len(set(district_ids)) == 1:
        return [(Q(), requirements_for(next(iter(district_ids))))]
    overrides = sorted(district_overrides())
    if district_ids is not None:
        overrides = [d for d in overrides if d in set(district_ids)]
    groups = [(Q(kindergarten__district_id=district_id), requirements_for(district_id)) for district_id in overrides]
    rest = ~Q(kindergarten__district_id__in=overrides) if overrides else Q()
    groups.append((rest, requirements_for(None)))
    return groups


def required_kinds(post: str, requirements: list[Requirement]) -> list[CertificateKind]:
    return [r.kind for r in requirements if r.applies(post)]


def _valid(kind_id: int, on: datetime.date, person_ref: str = "person_id") -> Exists:
    """A certificate of this kind that is valid on ``on`` (served by certificate_holding_idx)."""
    return Exists(
        Certificate.objects.filter(person_id=OuterRef(person_ref), kind_id=kind_id, issued_on__lte=on).filter(
            Q(expires_on__isnull=True) | Q(expires_on__gte=on)
        )
    )


def _missing_condition(requirements: list[Requirement], on: datetime.date) -> Q:
    """Employments whose post needs a kind the person does not hold on ``on``."""
    condition = Q(pk__in=[])
    for requirement in requirements:
        if not requirement.all_posts and not requirement.posts:
            continue
        applies = Q() if requirement.all_posts else Q(post__in=sorted(requirement.posts))
        condition |= applies & ~Q(_valid(requirement.kind.pk, on))
    return condition


def open_employments(qs: QuerySet[Employment]) -> QuerySet[Employment]:
    return qs.filter(leave_date__isnull=True)


# --- roster -----------------------------------------------------------------------------------


@dataclass
class RosterRow:
    employment: Employment
    missing: list[str] = field(default_factory=list)  # certificate names
    expiring: list[tuple[str, datetime.date]] = field(default_factory=list)  # within 30 days
    check: str = ""  # "" ok / "none" / "stale" / "record"
    training_hours: Decimal | None = None  # teaching posts only
    training_required: int | None = None


def roster_rows(employments: list[Employment], *, on: datetime.date, policy) -> list[RosterRow]:
    """Flags for a page of employments (of one kindergarten: ``policy`` is its district's): 4 queries
    whatever the page size."""
    requirements = requirements_for(policy.district_id)
    person_ids = [e.person_id for e in employments]
    valid: dict[int, dict[int, datetime.date | None]] = defaultdict(dict)  # person -> kind -> latest expiry
    for person_id, kind_id, expires in (
        Certificate.objects.filter(person_id__in=person_ids, issued_on__lte=on)
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=on))
        .values_list("person_id", "kind_id", "expires_on")
    ):
        held = valid[person_id]
        if kind_id not in held or (held[kind_id] is not None and (expires is None or expires > held[kind_id])):
            held[kind_id] = expires
    checks = record_check_status(person_ids, on=on)
    hours = training_hours(person_ids, on=on, years=policy.training_years)
    soon = on + datetime.timedelta(days=30)
    rows = []
    for employment in employments:
        held = valid.get(employment.person_id, {})
        row = RosterRow(employment=employment, check=checks.get(employment.person_id, "none"))
        for kind in required_kinds(employment.post, requirements):
            if kind.pk not in held:
                row.missing.append(kind.name)
            elif held[kind.pk] is not None and held[kind.pk] <= soon:
                row.expiring.append((kind.name, held[kind.pk]))
        if employment.post in TRAINED_POSTS:
            row.training_hours = hours.get(employment.person_id, Decimal(0))
            row.training_required = policy.training_hours
        rows.append(row)
    return rows


def record_check_status(person_ids, *, on: datetime.date) -> dict[int, str]:
    """Per person: "" (a clean check in the last 12 months), "stale" (none that recent), "record"
    (the latest check found a record), or absent when never checked. One query."""
    since = on - RECORD_CHECK_VALID
    rows = (
        RecordCheck.objects.filter(person_id__in=person_ids, checked_on__lte=on)
        .values("person_id")
        .annotate(
            last=Max("checked_on"),
            last_clear=Max("checked_on", filter=Q(result=RecordCheck.Result.CLEAR)),
            last_record=Max("checked_on", filter=Q(result=RecordCheck.Result.RECORD)),
        )
    )
    status = {}
    for row in rows:
        if row["last_record"] is not None and (row["last_clear"] is None or row["last_record"] >= row["last_clear"]):
            status[row["person_id"]] = "record"
        elif row["last_clear"] is not None and row["last_clear"] > since:
            status[row["person_id"]] = ""
        else:
            status[row["person_id"]] = "stale"
    return status


def training_hours(person_ids, *, on: datetime.date, years: int) -> dict[int, Decimal]:
    """Hours completed in the rolling window (on - years, on]. One query."""
    since = on - relativedelta(years=years)
    return dict(
        Training.objects.filter(person_id__in=person_ids, completed_on__gt=since, completed_on__lte=on)
        .values("person_id")
        .annotate(total=Sum("hours"))
        .values_list("person_id", "total")
    )


def principal_not_on_roster(kindergarten: Kindergarten) -> str:
    """The registry's principal when the roster has no principal of that name in office ("" otherwise)."""
    name = kindergarten.principal_name
    if not name:
        return ""
    on_roster = Employment.objects.filter(
        kindergarten=kindergarten, post=Post.PRINCIPAL, leave_date__isnull=True, person__name=name
    ).exists()
    return "" if on_roster else name


# --- staffing standards -----------------------------------------------------------------------


@dataclass
class Compliance:
    kindergarten_id: int
    name: str
    schedule: str
    children: int
    classes: int
    staff: dict[str, int]
    shortfalls: list[standards.Shortfall]
    principals_over: int

    @property
    def missing_total(self) -> int:
        return sum(s.missing for s in self.shortfalls)

    @property
    def staff_total(self) -> int:
        return sum(self.staff.values())


def compliance_for(kindergartens: QuerySet[Kindergarten]) -> list[Compliance]:
    """The standards for each kindergarten of ``kindergartens`` (three queries in all)."""
    kgs = list(kindergartens.order_by().values_list("pk", "name", "schedule"))
    ids = [k[0] for k in kgs]
    sub = Q(kindergarten_id__in=kindergartens.order_by().values("pk")) if len(ids) > 500 else Q(kindergarten_id__in=ids)
    figures = {
        row["kindergarten_id"]: row
        for row in KindergartenClass.objects.filter(sub, is_active=True)
        .values("kindergarten_id")
        .annotate(children=Sum("children"), classes=Count("pk"))
    }
    staff: dict[int, dict[str, int]] = defaultdict(dict)
    for kg_id, post, count in (
        Employment.objects.filter(sub, leave_date__isnull=True)
        .values("kindergarten_id", "post")
        .annotate(n=Count("pk"))
        .values_list("kindergarten_id", "post", "n")
    ):
        staff[kg_id][post] = count
    result = []
    for pk, name, schedule in kgs:
        fig = figures.get(pk, {})
        children, classes = fig.get("children") or 0, fig.get("classes") or 0
        counts = staff.get(pk, {})
        result.append(
            Compliance(
                kindergarten_id=pk,
                name=name,
                schedule=schedule,
                children=children,
                classes=classes,
                staff=counts,
                shortfalls=standards.shortfalls(children=children, classes=classes, schedule=schedule, staff=counts),
                principals_over=standards.principals_over(classes=classes, staff=counts),
            )
        )
    return result


def district_compliance(kindergartens: QuerySet[Kindergarten]) -> list[Compliance]:
    """Operating kindergartens by shortfall: most people missing first, then by rules failed, then name."""
    rows = compliance_for(kindergartens.filter(status__in=OPERATING_STATUSES))
    rows.sort(key=lambda r: (-r.missing_total, -len(r.shortfalls), r.name))
    return rows


# --- certificates -----------------------------------------------------------------------------


def holding_rates(
    employments: QuerySet[Employment], *, on: datetime.date, district_ids: list[int] | None = None
) -> list[dict]:
    """Per post that needs certificates: staff in post, how many hold each required certificate and all of them.

    One grouped query whatever the size: each person in office in scope (one open employment each)
    left-joined once to their valid certificates and folded into one row with a 0/1 column per kind,
    then summed per post. (Seven EXISTS probes per employment took 2 s over a district of 75,000
    staff; a DISTINCT (person, kind, post) list grouped twice took 1.5 s; this about 0.35 s. Grouping
    by the person's id alone, the post carried by MIN, keeps the hash table in PostgreSQL's default
    work_mem: with the post in the key it spilled to disk.)

    The requirements are each district's (``requirement_groups``): one such query per group, the
    figures added up per post (one query when no district has its own setting).
    """
    totals: dict[str, dict] = {}
    for condition, requirements in requirement_groups(district_ids):
        for post, total, holding, per_kind in _holding_figures(employments.filter(condition), requirements, on):
            row = totals.setdefault(post, {"total": 0, "holding": 0, "kinds": {}})
            row["total"] += total
            row["holding"] += holding
            for kind, count in per_kind:
                row["kinds"][kind] = row["kinds"].get(kind, 0) + count
    result = []
    for post in Post:
        row = totals.get(post.value)
        if row is None or not row["kinds"]:
            continue
        kinds = sorted(row["kinds"].items(), key=lambda item: (item[0].order, item[0].pk))
        result.append(
            {
                "post": post.label,
                "total": row["total"],
                "holding": row["holding"],
                "rate": row["holding"] * 100 / row["total"],
                "kinds": [(kind.name, count) for kind, count in kinds],
            }
        )
    return result


def _holding_figures(employments: QuerySet[Employment], requirements: list[Requirement], on: datetime.date):
    """(post, staff in post, holding all required, [(kind, holding it)]) for posts that need any, one query."""
    kinds = [r.kind for r in requirements]
    needed = {post: required_kinds(post, requirements) for post in Post.values}
    if not kinds or not any(needed.values()):
        return []
    emp_sql, emp_params = open_employments(employments).order_by().values("person_id", "post").query.sql_with_params()
    held = ", ".join(f"MAX(CASE WHEN c.kind_id = %s THEN 1 ELSE 0 END) AS k{i}" for i in range(len(kinds)))
    column = {k.pk: f"k{i}" for i, k in enumerate(kinds)}
    all_cases = " ".join(
        "WHEN post = %s" + "".join(f" AND {column[k.pk]} = 1" for k in post_kinds) + " THEN 1"
        for post, post_kinds in needed.items()
        if post_kinds
    )
    sums = ", ".join(f"SUM(k{i})" for i in range(len(kinds)))
    sql = (
        f"WITH emp(person_id, post) AS ({emp_sql}), "  # noqa: S608 - Django's compiled SQL; values are parameters
        f"person AS (SELECT MIN(emp.post) AS post, {held} FROM emp "
        "LEFT JOIN staffing_certificate c ON c.person_id = emp.person_id "
        "AND c.issued_on <= %s AND (c.expires_on IS NULL OR c.expires_on >= %s) "
        "GROUP BY emp.person_id) "
        f"SELECT post, COUNT(*), SUM(CASE {all_cases} ELSE 0 END), {sums} FROM person GROUP BY post"
    )
    params = [
        *emp_params,
        *[k.pk for k in kinds],
        on,
        on,
        *[post for post, post_kinds in needed.items() if post_kinds],
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        figures = {row[0]: row[1:] for row in cursor.fetchall()}
    position = {k.pk: i for i, k in enumerate(kinds)}
    result = []
    for post, post_kinds in needed.items():
        if post not in figures or not post_kinds:
            continue
        total, holding, *per_kind = figures[post]
        result.append((post, total, holding or 0, [(k, per_kind[position[k.pk]] or 0) for k in post_kinds]))
    return result


def expiring_certificates(employments: QuerySet[Employment], *, on: datetime.date, days: int) -> QuerySet:
    """Certificates of people in office that expire within ``days`` and have not been renewed,
    soonest first (certificate_expiry_idx). Rows as plain values."""
    renewed = Certificate.objects.filter(person_id=OuterRef("person_id"), kind_id=OuterRef("kind_id")).filter(
        Q(expires_on__isnull=True) | Q(expires_on__gt=OuterRef("expires_on"))
    )
    people = open_employments(employments).values("person_id")
    return (
        Certificate.objects.filter(expires_on__gte=on, expires_on__lte=on + datetime.timedelta(days=days))
        .filter(person_id__in=people, person__employments__leave_date__isnull=True)
        .filter(~Exists(renewed))
        .values(
            "pk",
            "number",
            "expires_on",
            "kind__name",
            "person_id",
            "person__name",
            "person__id_masked",
            kindergarten_id=F("person__employments__kindergarten_id"),
            kindergarten_name=F("person__employments__kindergarten__name"),
            post=F("person__employments__post"),
        )
        .order_by("expires_on", "pk")
    )


def missing_certificates(
    employments: QuerySet[Employment], *, on: datetime.date, district_ids: list[int] | None = None
) -> QuerySet[Employment]:
    """Employments in office whose post needs a certificate the person does not hold (by the
    requirements of each one's district)."""
    condition = Q(pk__in=[])
    for group, requirements in requirement_groups(district_ids):
        condition |= group & _missing_condition(requirements, on)
    return (
        open_employments(employments)
        .filter(condition)
        .select_related("person", "kindergarten")
        .order_by("kindergarten__name", "person__name", "pk")
    )


def missing_names(employments: list[Employment], *, on: datetime.date) -> dict[int, list[str]]:
    """For a page of employments (their kindergartens loaded): the names of the certificates each
    lacks by its district's requirements (one query)."""
    requirements = {e.kindergarten.district_id: None for e in employments}
    requirements = {district_id: requirements_for(district_id) for district_id in requirements}
    held = defaultdict(set)
    for person_id, kind_id in (
        Certificate.objects.filter(person_id__in=[e.person_id for e in employments], issued_on__lte=on)
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=on))
        .values_list("person_id", "kind_id")
    ):
        held[person_id].add(kind_id)
    return {
        e.pk: [
            k.name
            for k in required_kinds(e.post, requirements[e.kindergarten.district_id])
            if k.pk not in held[e.person_id]
        ]
        for e in employments
    }
