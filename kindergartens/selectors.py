"""Reads over the registry: dated status/nature ("as of"), class-size compliance, enrolment."""

from __future__ import annotations

import datetime
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from types import SimpleNamespace

from django.conf import settings
from django.db.models import (
    BooleanField,
    CharField,
    Count,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.collation import pinyin_key
from core.db.template import SQLTemplate
from kindergartens.models import (
    INCLUSIVE_NATURES,
    OPERATING_STATUSES,
    ClassType,
    Kindergarten,
    KindergartenClass,
    KindergartenStatusChange,
    Nature,
    Schedule,
    Status,
    area_name,
)

# --- what counts for the district's figures ---------------------------------------------------
# One definition, used by every page, export, API, report and indicator that counts
# kindergartens, places or children: licensed and operating on the day (a month is judged by
# its last day). 整改 still enrols children, so it counts; 社区办园点 are filed with the bureau
# and count; 无证园, and 筹设 / 停办 / 注销 kindergartens, do not.
COUNTED_STATUSES: tuple[str, ...] = tuple(s.value for s in OPERATING_STATUSES)
COUNTED_NATURES: tuple[str, ...] = tuple(n.value for n in Nature if n != Nature.UNLICENSED)
INCLUSIVE_VALUES: tuple[str, ...] = tuple(n.value for n in INCLUSIVE_NATURES)
COUNTED_DEFINITION = (
    "计入统计的是在办（含整改）且不是无证园的幼儿园（社区办园点计入）；筹设、停办、注销的幼儿园和无证园不计入。"
)


def counted_condition(prefix: str = "") -> Q:
    """The condition "counts for the district's figures" on the current values (``prefix`` for a relation)."""
    return Q(**{f"{prefix}status__in": COUNTED_STATUSES, f"{prefix}nature__in": COUNTED_NATURES})


def counted_sql(status: str, nature: str) -> tuple[str, tuple]:
    """``counted_condition`` in raw SQL over two columns holding the dated values (the indicators'
    set-based query, ``indicators.totals``): the same sets, so the same rule; a NULL status (not yet
    registered that day) does not count."""
    statuses = ", ".join(["%s"] * len(COUNTED_STATUSES))
    natures = ", ".join(["%s"] * len(COUNTED_NATURES))
    return f"{status} IN ({statuses}) AND {nature} IN ({natures})", (*COUNTED_STATUSES, *COUNTED_NATURES)


def kindergartens_counted_on(qs: QuerySet[Kindergarten], day: datetime.date) -> QuerySet[Kindergarten]:
    """The kindergartens of ``qs`` that count for the figures of ``day``, from the dated history."""
    return kindergartens_on(qs, day, statuses=COUNTED_STATUSES, natures=COUNTED_NATURES)


def not_counted_reason(status: str | None, nature: str | None) -> str | None:
    """Why a kindergarten does not count (None when it does): its status first, then 无证."""
    if status is None:
        return "尚未登记"
    if status not in COUNTED_STATUSES:
        return str(Status(status).label)
    if nature not in COUNTED_NATURES:
        return str(Nature(nature).label)
    return None


def _dated_subquery(attribute: str, day: datetime.date) -> Subquery:
    return Subquery(
        KindergartenStatusChange.objects.filter(
            kindergarten=OuterRef("pk"), attribute=attribute, effective_date__lte=day
        )
        .order_by("-effective_date", "-recorded_at", "-id")
        .values("value")[:1]
    )


def kindergartens_as_of(qs: QuerySet[Kindergarten], day: datetime.date) -> QuerySet[Kindergarten]:
    """Annotate ``status_on`` and ``nature_on``: what the dated history says for ``day``.

    A kindergarten registered after ``day`` gets None for both. "Operating in March 2025"
    is ``kindergartens_operating_on(qs, date(2025, 3, 31))``: operating at the month's end.
    """
    return qs.annotate(status_on=_dated_subquery("status", day), nature_on=_dated_subquery("nature", day))


def _settled(day: datetime.date) -> datetime.date:
    """Up to yesterday the current value is exactly what the history says (the services and the
    daily task keep it so); a change effective today may wait for the 00:05 task."""
    return min(day, timezone.localdate() - datetime.timedelta(days=1))


def _changed_after(attribute: str, day: datetime.date, *, settled: datetime.date | None = None) -> QuerySet:
    """Kindergartens with a dated change of ``attribute`` after ``day`` (or after yesterday)."""
    settled = _settled(day) if settled is None else settled
    return (
        KindergartenStatusChange.objects.filter(attribute=attribute, effective_date__gt=settled)
        .order_by()
        .values("kindergarten_id")
    )


def name_search(q: str, *, prefix: str = "") -> Q:
    """Kindergartens whose name or credit code contains ``q``.

    Chinese has no letter case, and UPPER() under the pinyin collation costs every row of a
    city-wide search (27 ms against 10 ms over 30,000 names), so the name is matched
    case-insensitively only when the words typed contain Latin letters. Credit codes are stored
    upper-case and the search term is normalised the same way.
    """
    return name_search_condition(*name_search_terms(q), prefix=prefix)


def name_search_terms(q: str) -> tuple[str, str, str | None]:
    """``(lookup, text, code)`` of a search: the name's lookup (``contains``, or ``icontains`` when
    Latin letters were typed), the text, and the credit code to look for too (None: the text cannot
    be part of a code)."""
    from kindergartens.validators import normalise_credit_code

    q = q.strip()
    lookup = "icontains" if any("a" <= c.lower() <= "z" for c in q) else "contains"
    code = normalise_credit_code(q)
    return lookup, q, code if code and all(c.isascii() and c.isalnum() for c in code) else None


def name_search_condition(lookup: str, text: str, code: str | None, *, prefix: str = "") -> Q:
    condition = Q(**{f"{prefix}name__{lookup}": text})
    if code is not None:
        condition |= Q(**{f"{prefix}credit_code__contains": code})
    return condition


def with_values_on(qs: QuerySet[Kindergarten], day: datetime.date) -> QuerySet[Kindergarten]:
    """Annotate ``status_then``/``nature_then``: the values on ``day``, read from the history only
    for the few kindergartens changed since (the rest still have that day's values). For counting
    over many rows; ``kindergartens_as_of`` looks every row up and is for display."""
    return qs.annotate(**_values_on_expressions(day, _settled(day)))


@functools.lru_cache(maxsize=64)
def _values_on_expressions(day: datetime.date, settled: datetime.date) -> dict:
    """The two annotations of ``with_values_on``: the current value for the kindergartens not changed
    since ``settled``, the history's value on ``day`` for the few that were (``_DATED``'s SQL)."""
    return {
        f"{attribute}_then": SQLTemplate(
            f"CASE WHEN NOT ({{pk}} IN ({_DATED.changed})) THEN {{current}} ELSE {_DATED.then} END",
            [attribute, settled, attribute, day],
            output_field=CharField(),
            pk=F("pk"),
            current=F(attribute),
        )
        for attribute in ("status", "nature")
    }


def with_values_on_days(qs: QuerySet[Kindergarten], days: Iterable[datetime.date]) -> tuple[QuerySet, list]:
    """``with_values_on`` for several days in ONE query (a trend over months): annotates
    ``status_then_<i>``/``nature_then_<i>`` for the i-th day, each exactly ``with_values_on``'s
    expressions. Returns the queryset and, per day, its two annotation names."""
    annotations, names = {}, []
    for i, day in enumerate(days):
        expressions = _values_on_expressions(day, _settled(day))
        annotations[f"status_then_{i}"] = expressions["status_then"]
        annotations[f"nature_then_{i}"] = expressions["nature_then"]
        names.append((f"status_then_{i}", f"nature_then_{i}"))
    return qs.annotate(**annotations), names


def kindergartens_on(
    qs: QuerySet[Kindergarten],
    day: datetime.date,
    *,
    statuses: Iterable[str] | None = None,
    natures: Iterable[str] | None = None,
    values: bool = True,
    settled: datetime.date | None = None,
) -> QuerySet[Kindergarten]:
    """Kindergartens already registered on ``day`` (optionally whose status/nature then is in the
    given sets), annotated with ``status_then``/``nature_then``: the values on that day.

    Fast over a whole province: those read the history only for the few kindergartens changed
    since ``day`` (with_values_on), each set computed once. The rows a page shows get their values
    with ``kindergartens_as_of`` (or the list's own rows query), not the narrow count and sort.
    """
    settled = _settled(day) if settled is None else settled  # (given: a compiled list's parameter)
    if values:  # building the two annotations costs a list page a third of its time when unused
        qs = qs.annotate(**_values_on_expressions(day, settled))
    qs = qs.filter(_value_on_condition("status", day, settled, statuses))
    if natures is not None:
        qs = qs.filter(_value_on_condition("nature", day, settled, natures))
    return qs


def _value_on_condition(attribute: str, day: datetime.date, settled: datetime.date, values) -> Q:
    """ "``attribute`` on ``day`` is one of ``values``" (``None``: "has a value", i.e. registered by
    then), written so that PostgreSQL can estimate it: the current value for the kindergartens not
    changed since, the history for the few that were. Filtering on the ``*_then`` CASE annotation
    means the same, but the planner guesses a CASE matches almost no row, so it sorted every match
    instead of walking the name index and stopping at the page (the city's as-of list: 2.5× slower).

    Hand-written SQL (``_DATED``) inside the ORM's query: built with the ORM (four subqueries), this
    condition cost the as-of list 1.6 ms to build and 1.5 ms to compile per request."""
    changed, then = _DATED.changed, _DATED.then
    if values is None:
        return Q(
            SQLTemplate(
                f"(NOT ({{pk}} IN ({changed})) OR ({{pk}} IN ({changed}) AND {then} IS NOT NULL))",
                [attribute, settled, attribute, settled, attribute, day],
                output_field=BooleanField(),
                pk=F("pk"),
            )
        )
    values = list(dict.fromkeys(values))
    if not values:
        return Q(pk__in=[])  # nothing matches (the ORM's EmptyResultSet)
    marks = ", ".join(["%s"] * len(values))
    return Q(
        SQLTemplate(
            f"((NOT ({{pk}} IN ({changed})) AND {{current}} IN ({marks}))"
            f" OR ({{pk}} IN ({changed}) AND {then} IN ({marks})))",
            [attribute, settled, *values, attribute, settled, attribute, day, *values],
            output_field=BooleanField(),
            pk=F("pk"),
            current=F(attribute),
        )
    )


class _DatedSQL:
    """The dated history's two questions as SQL over the outer kindergarten's ``{pk}``, each taking
    ``%s`` parameters (attribute, day): ``changed``, the kindergartens with a change of the attribute
    effective after the day (a list, for ``IN``); ``then``, the attribute's value on the day
    (``_dated_subquery``'s rule: latest effective date, then latest recorded; NULL before the
    kindergarten's first record). Aliases ``kg_dc``/``kg_dv`` are the template's own."""

    @functools.cached_property
    def _columns(self) -> dict[str, str]:
        meta = KindergartenStatusChange._meta
        names = ("kindergarten", "attribute", "value", "effective_date", "recorded_at", "id")
        return {"table": meta.db_table, **{name: meta.get_field(name).column for name in names}}

    @functools.cached_property
    def changed(self) -> str:
        c = self._columns
        return (
            f'SELECT kg_dc."{c["kindergarten"]}" FROM "{c["table"]}" kg_dc'  # noqa: S608 - names from the model
            f' WHERE (kg_dc."{c["attribute"]}" = %s AND kg_dc."{c["effective_date"]}" > %s)'
        )

    @functools.cached_property
    def then(self) -> str:
        c = self._columns
        return (
            f'(SELECT kg_dv."{c["value"]}" FROM "{c["table"]}" kg_dv'  # noqa: S608 - names from the model
            f' WHERE (kg_dv."{c["attribute"]}" = %s AND kg_dv."{c["effective_date"]}" <= %s'
            f' AND kg_dv."{c["kindergarten"]}" = ({{pk}}))'
            f' ORDER BY kg_dv."{c["effective_date"]}" DESC, kg_dv."{c["recorded_at"]}" DESC, kg_dv."{c["id"]}" DESC'
            " LIMIT 1)"
        )


_DATED = _DatedSQL()


def registry_overview(qs: QuerySet[Kindergarten], day: datetime.date) -> dict:
    """The figures of a bureau's home page over ``qs`` for ``day``, in one query.

    ``total``, ``inclusive``, ``rural``, ``community`` and ``by_nature`` count only what counts
    (see COUNTED_DEFINITION); ``not_counted`` says how many were left out and why.
    """
    rows = (
        with_values_on(qs, day)
        .values("status_then", "nature_then", "township__urban_rural_code")
        .annotate(n=Count("pk"))
    )
    overview = {
        "day": day,
        "definition": COUNTED_DEFINITION,
        "total": 0,
        "inclusive": 0,
        "rural": 0,
        "community": 0,
        "by_nature": {n.value: 0 for n in Nature if n.value in COUNTED_NATURES},
        "not_counted": {},
    }
    for row in rows.order_by():
        status, nature, n = row["status_then"], row["nature_then"], row["n"]
        reason = not_counted_reason(status, nature)
        if reason is not None:
            overview["not_counted"][reason] = overview["not_counted"].get(reason, 0) + n
            continue
        overview["total"] += n
        overview["by_nature"][nature] += n
        overview["inclusive"] += n if nature in INCLUSIVE_VALUES else 0
        overview["community"] += n if nature == Nature.COMMUNITY else 0
        overview["rural"] += n if (row["township__urban_rural_code"] or "").startswith("2") else 0
    overview["by_nature"] = [(Nature(k).label, v) for k, v in overview["by_nature"].items()]
    order = [str(s.label) for s in Status] + [str(Nature.UNLICENSED.label)]
    overview["not_counted"] = sorted(overview["not_counted"].items(), key=lambda kv: order.index(kv[0]))
    overview["not_counted_total"] = sum(n for _reason, n in overview["not_counted"])
    overview["inclusive_percent"] = (
        round(overview["inclusive"] * 100 / overview["total"]) if overview["total"] else None
    )
    return overview


def registry_overview_by_district(qs: QuerySet[Kindergarten], day: datetime.date) -> list[dict]:
    """Counted kindergartens per district (a city's breakdown), one query for all districts."""
    counted = kindergartens_counted_on(qs, day)
    rows = (
        counted.values("district_id", "district__name")
        .annotate(
            total=Count("pk"),
            inclusive=Count("pk", filter=Q(nature_then__in=INCLUSIVE_VALUES)),
            rural=Count("pk", filter=Q(township__urban_rural_code__startswith="2")),
        )
        .order_by("district__name")
    )
    return [{**r, "district_name": area_name(r["district__name"])} for r in rows]


def kindergartens_operating_on(qs: QuerySet[Kindergarten], day: datetime.date) -> QuerySet[Kindergarten]:
    return kindergartens_on(qs, day, statuses=[s.value for s in OPERATING_STATUSES])


def kindergartens_inclusive_on(qs: QuerySet[Kindergarten], day: datetime.date) -> QuerySet[Kindergarten]:
    return kindergartens_on(
        qs, day, statuses=[s.value for s in OPERATING_STATUSES], natures=[n.value for n in INCLUSIVE_NATURES]
    )


@functools.cache
def _list_rows_sql(*, as_of: bool) -> str:
    """The list page's rows in one hand-written query: the ORM spent more time building this query
    (three correlated subqueries, four joins) than the database spent running it. The as-of values
    are ``_dated_subquery``'s rule (latest effective date, then latest recorded); the test
    tests/core/test_lists.py pins the rows against the ORM's."""
    from accounts.models import User
    from kindergartens.models import Bureau, Level, Township
    from supervision.models import SupervisorAssignment

    t = {
        "kg": Kindergarten._meta.db_table,
        "bureau": Bureau._meta.db_table,
        "township": Township._meta.db_table,
        "level": Level._meta.db_table,
        "cls": KindergartenClass._meta.db_table,
        "assignment": SupervisorAssignment._meta.db_table,
        "user": User._meta.db_table,
        "change": KindergartenStatusChange._meta.db_table,
    }
    dated = _dated_columns(t["change"]) if as_of else ""
    return f"""
        SELECT k.id, k.name, d.name, t.name, t.urban_rural_code, k.nature, k.status, l.name, k.capacity,
               (SELECT COALESCE(SUM(c.children), 0) FROM {t["cls"]} c WHERE c.kindergarten_id = k.id AND c.is_active),
               (SELECT COALESCE(NULLIF(u.full_name, ''), u.username) FROM {t["assignment"]} a
                  JOIN {t["user"]} u ON u.id = a.supervisor_id
                 WHERE a.kindergarten_id = k.id AND a.ended_at IS NULL LIMIT 1){dated}
          FROM {t["kg"]} k
          JOIN {t["bureau"]} d ON d.id = k.district_id
          JOIN {t["township"]} t ON t.id = k.township_id
          LEFT JOIN {t["level"]} l ON l.id = k.level_id
         WHERE k.id = ANY($1)
    """  # noqa: S608 - table names from the models' own metadata; every value is a parameter


def _dated_columns(change_table: str) -> str:
    """The status and nature on the day ``$2`` (``_dated_subquery``'s rule), as two more columns."""
    return "".join(
        f""", (SELECT s.value FROM {change_table} s WHERE s.kindergarten_id = k.id AND s.attribute = '{attribute}'
             AND s.effective_date <= $2 ORDER BY s.effective_date DESC, s.recorded_at DESC, s.id DESC LIMIT 1)"""  # noqa: S608 - constant names
        for attribute in ("status", "nature")
    )


def _fetch_page_rows(name: str, sql: str, ids: list[int], as_of: datetime.date | None) -> list[tuple]:
    """``sql`` (``$1`` the ids, ``$2`` the as-of day) as a statement planned once per connection."""
    from core.db.prepared import fetch_prepared

    if as_of is None:
        return fetch_prepared(name, sql, [ids], types=["bigint[]"])
    return fetch_prepared(f"{name}_as_of", sql, [ids, as_of], types=["bigint[]", "date"])


@dataclass(slots=True)
class KindergartenRow:
    """One row of the kindergarten list, read as plain values (no model instances for 50 rows × 4 joins)."""

    pk: int
    name: str
    district_name: str
    township_name: str
    rural: bool
    nature: str
    nature_label: str
    status: str
    status_label: str
    level_name: str | None
    capacity: int
    enrolled: int
    supervisor_display: str
    status_on: str | None = None
    nature_on: str | None = None
    status_on_label: str = ""
    nature_on_label: str = ""


def kindergarten_list_rows(ids: list[int], *, as_of: datetime.date | None = None) -> list[KindergartenRow]:
    """The rows of one list page (``core.lists.page_of_ids``): what the list shows and nothing more,
    with labels in the active language and the responsible supervisor's name."""

    from core.lists import choice_labels

    if not ids:
        return []
    fetched = _fetch_page_rows("kg_list_rows", _list_rows_sql(as_of=as_of is not None), ids, as_of)
    natures, statuses = choice_labels(Nature), choice_labels(Status)
    rows = []
    for r in fetched:
        pk, name, district, township, urban_rural, nature, status, level, capacity, enrolled, supervisor = r[:11]
        row = KindergartenRow(
            pk=pk,
            name=name,
            district_name=area_name(district),
            township_name=township,
            rural=(urban_rural or "").startswith("2"),
            nature=nature,
            nature_label=natures.get(nature, ""),
            status=status,
            status_label=statuses.get(status, ""),
            level_name=level,
            capacity=capacity,
            enrolled=int(enrolled or 0),
            supervisor_display=supervisor or "",
        )
        if as_of is not None:
            row.status_on, row.nature_on = r[11], r[12]
            row.status_on_label = statuses.get(row.status_on, "—")
            row.nature_on_label = natures.get(row.nature_on, "—")
        rows.append(row)
    return rows


# The record's own columns the API list shows (KindergartenSerializer), in this order.
_API_COLUMNS = (
    *("id", "name", "credit_code", "licence_number", "licence_valid_until", "address", "sponsor", "sponsor_name"),
    *("nature", "inclusive_recognised_on", "status", "schedule", "capacity", "fee_monthly", "fee_government_guided"),
    *("principal_name", "principal_since", "has_parent_committee", "legal_vice_principal", "medical_partner"),
    "party_organisation",
)


@functools.cache
def _api_rows_sql(*, as_of: bool) -> str:
    """kindergarten_api_rows' query (``$1`` the ids, ``$2`` the as-of day), built once."""
    from accounts.models import User
    from kindergartens.models import Bureau, CollaborationGroup, CreditGrade, Level, Township
    from supervision.models import SupervisorAssignment

    t = {
        "kg": Kindergarten._meta.db_table,
        "bureau": Bureau._meta.db_table,
        "township": Township._meta.db_table,
        "group": CollaborationGroup._meta.db_table,
        "level": Level._meta.db_table,
        "grade": CreditGrade._meta.db_table,
        "cls": KindergartenClass._meta.db_table,
        "assignment": SupervisorAssignment._meta.db_table,
        "user": User._meta.db_table,
        "change": KindergartenStatusChange._meta.db_table,
    }
    dated = _dated_columns(t["change"]) if as_of else ""
    columns = ", ".join(f"k.{c}" for c in _API_COLUMNS)
    return f"""
        SELECT {columns}, d.id, d.name, t.id, t.name, t.urban_rural_code, g.id, g.name, l.id, l.name, cr.id, cr.name,
               u.id, u.full_name, u.phone,
               (SELECT COALESCE(SUM(c.children), 0) FROM {t["cls"]} c WHERE c.kindergarten_id = k.id AND c.is_active),
               (SELECT COUNT(*) FROM {t["cls"]} c WHERE c.kindergarten_id = k.id AND c.is_active){dated}
          FROM {t["kg"]} k
          JOIN {t["bureau"]} d ON d.id = k.district_id
          JOIN {t["township"]} t ON t.id = k.township_id
          LEFT JOIN {t["group"]} g ON g.id = k.collaboration_group_id
          LEFT JOIN {t["level"]} l ON l.id = k.level_id
          LEFT JOIN {t["grade"]} cr ON cr.id = k.credit_rating_id
          LEFT JOIN {t["assignment"]} a ON a.kindergarten_id = k.id AND a.ended_at IS NULL
          LEFT JOIN {t["user"]} u ON u.id = a.supervisor_id
         WHERE k.id = ANY($1)
    """  # noqa: S608 - table names from the models' own metadata; every value is a parameter


def kindergarten_api_rows(ids: list[int], *, as_of: datetime.date | None = None) -> list[SimpleNamespace]:
    """The rows of one API list page as plain objects with what KindergartenSerializer reads, in one
    hand-written query (model instances for 50 kindergartens and their 6 relations cost more than the
    query). tests/core/test_api_fast.py pins the JSON against the ORM path's."""

    if not ids:
        return []
    sql = _api_rows_sql(as_of=as_of is not None)
    # One active assignment per kindergarten at most (supervision's partial unique constraint).
    fetched = _fetch_page_rows("kg_api_rows", sql, ids, as_of)
    fields = {f.attname: f for f in Kindergarten._meta.concrete_fields}
    n = len(_API_COLUMNS)
    rows = []
    for r in fetched:
        values = {
            name: fields[name].to_python(value) if value is not None else None
            for name, value in zip(_API_COLUMNS, r[:n], strict=True)
        }
        d_id, d_name, t_id, t_name, t_code, g_id, g_name, l_id, l_name, cr_id, cr_name, u_id, u_name, u_phone = r[
            n : n + 14
        ]
        enrolled, class_count = r[n + 14], r[n + 15]
        row = SimpleNamespace(
            pk=values["id"],
            **values,
            district=SimpleNamespace(id=d_id, name=d_name),
            township=SimpleNamespace(id=t_id, name=t_name, urban_rural_code=t_code, is_rural=t_code.startswith("2")),
            collaboration_group=SimpleNamespace(id=g_id, name=g_name) if g_id is not None else None,
            level=SimpleNamespace(id=l_id, name=l_name) if l_id is not None else None,
            credit_rating=SimpleNamespace(id=cr_id, name=cr_name) if cr_id is not None else None,
            active_assignments=(
                [SimpleNamespace(supervisor=SimpleNamespace(pk=u_id, full_name=u_name, phone=u_phone))]
                if u_id is not None
                else []
            ),
            enrolled=int(enrolled or 0),
            class_count=int(class_count or 0),
        )
        if as_of is not None:
            row.as_of_date, row.status_on, row.nature_on = as_of, r[n + 16], r[n + 17]
        rows.append(row)
    return rows


def dated_values_on(kindergarten: Kindergarten, day: datetime.date) -> dict[str, str | None]:
    row = kindergartens_as_of(Kindergarten.objects.filter(pk=kindergarten.pk), day).values("status_on", "nature_on")
    values = row.first() or {}
    return {"status": values.get("status_on"), "nature": values.get("nature_on")}


def class_size_limit(class_type: str, schedule: str) -> int:
    """幼儿园工作规程 art. 11: 25/30/35/30; boarding kindergartens smaller (configurable)."""
    limits = settings.CLASS_SIZE_LIMITS_BOARDING if schedule == Schedule.BOARDING else settings.CLASS_SIZE_LIMITS
    return limits[class_type]


CLASS_TYPE_RANK = {value: i for i, value in enumerate(ClassType.values)}  # 小班, 中班, 大班, 混合班
_NUMERALS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_NUMBER_RE = re.compile(r"\d+|[零〇一二两三四五六七八九十百]+")


def _parse_number(text: str) -> int:
    """``12`` → 12; Chinese numerals as class names use them: 一 → 1, 十 → 10, 十二 → 12, 二十一 → 21, 一百零二 → 102."""
    if text.isdigit():
        return int(text)
    total, current = 0, 0
    for char in text:
        if char == "百":
            total += (current or 1) * 100
            current = 0
        elif char == "十":
            total += (current or 1) * 10
            current = 0
        else:
            current = _NUMERALS[char]
    return total + current


def class_sort_key(klass: KindergartenClass) -> tuple:
    """Classes in the order a kindergarten lists them: by type (小班, 中班, 大班, 混合班), then by the
    number in the name (大二班 before 大十班), then by name; inactive ones last."""
    match = _NUMBER_RE.search(klass.name)
    number = _parse_number(match.group()) if match else 10**6
    return (not klass.is_active, CLASS_TYPE_RANK.get(klass.class_type, 99), number, pinyin_key(klass.name), klass.pk)


def classes_with_compliance(kindergarten: Kindergarten) -> list[KindergartenClass]:
    classes = sorted(kindergarten.classes.filter(is_active=True), key=class_sort_key)
    for c in classes:
        c.size_limit = class_size_limit(c.class_type, kindergarten.schedule)
        c.compliant = c.children <= c.size_limit
    return classes


def _compliant_condition(prefix: str = "") -> Q:
    """Q over KindergartenClass rows (or via ``prefix``) that are within their size limit."""
    q = Q()
    for boarding, limits in ((False, settings.CLASS_SIZE_LIMITS), (True, settings.CLASS_SIZE_LIMITS_BOARDING)):
        schedule_q = (
            Q(**{f"{prefix}kindergarten__schedule": Schedule.BOARDING})
            if boarding
            else ~Q(**{f"{prefix}kindergarten__schedule": Schedule.BOARDING})
        )
        for class_type, limit in limits.items():
            q |= schedule_q & Q(**{f"{prefix}class_type": class_type, f"{prefix}children__lte": limit})
    return q


def _per_class(aggregate, condition: Q | None = None) -> Coalesce:
    """A correlated subquery over the kindergarten's active classes."""
    classes = KindergartenClass.objects.filter(kindergarten=OuterRef("pk"), is_active=True)
    if condition is not None:
        classes = classes.filter(condition)
    value = classes.order_by().values("kindergarten").annotate(v=aggregate).values("v")[:1]
    return Coalesce(Subquery(value, output_field=IntegerField()), Value(0), output_field=IntegerField())


def with_enrolment(
    qs: QuerySet[Kindergarten], *, only: tuple[str, ...] = ("enrolled", "class_count", "compliant_classes")
) -> QuerySet[Kindergarten]:
    """Annotate ``enrolled`` (children in active classes), ``class_count`` and ``compliant_classes``
    (or ``only`` some of them: each is a subquery to build and run).

    Correlated subqueries rather than a join with GROUP BY: a paginated list then computes
    them only for the rows of its page (PostgreSQL evaluates costly select-list expressions
    after ORDER BY/LIMIT), and ``count()`` drops them altogether.
    """
    builders = {
        "enrolled": lambda: _per_class(Sum("children")),
        "class_count": lambda: _per_class(Count("pk")),
        "compliant_classes": lambda: _per_class(Count("pk"), _compliant_condition()),
    }
    return qs.annotate(**{name: builders[name]() for name in only})


def district_compliance(qs: QuerySet[Kindergarten]) -> dict:
    """Totals for a set of kindergartens: classes, compliant classes and rate, enrolment vs capacity."""
    classes = KindergartenClass.objects.filter(kindergarten__in=qs.values("pk"), is_active=True)
    totals = classes.aggregate(
        classes=Count("pk"),
        compliant=Count("pk", filter=_compliant_condition()),
        enrolled=Coalesce(Sum("children"), Value(0)),
    )
    # Over the bare rows: ``qs`` may be filtered across classes (a join that repeats each kindergarten).
    totals["capacity"] = Kindergarten.objects.filter(pk__in=qs.values("pk")).aggregate(
        c=Coalesce(Sum("capacity"), Value(0))
    )["c"]
    totals["compliance_rate"] = (totals["compliant"] / totals["classes"]) if totals["classes"] else None
    totals["enrolment_rate"] = (totals["enrolled"] / totals["capacity"]) if totals["capacity"] else None
    return totals


def compliance_by_district(qs: QuerySet[Kindergarten]) -> list[dict]:
    """``district_compliance`` per district, in two queries whatever the number of districts."""
    kindergartens = Kindergarten.objects.filter(pk__in=qs.values("pk"))
    rows = {
        r["district_id"]: {**r, "classes": 0, "compliant": 0, "enrolled": 0}
        for r in kindergartens.values("district_id", "district__name")
        .annotate(kindergartens=Count("pk"), capacity=Coalesce(Sum("capacity"), Value(0)))
        .order_by("district__name")
    }
    classes = (
        KindergartenClass.objects.filter(kindergarten__in=kindergartens, is_active=True)
        .values("kindergarten__district_id")
        .annotate(
            classes=Count("pk"),
            compliant=Count("pk", filter=_compliant_condition()),
            enrolled=Coalesce(Sum("children"), Value(0)),
        )
        .order_by()
    )
    for c in classes:
        rows[c["kindergarten__district_id"]].update(
            classes=c["classes"], compliant=c["compliant"], enrolled=c["enrolled"]
        )
    for r in rows.values():
        r["district_name"] = area_name(r["district__name"])
        r["compliance_rate"] = (r["compliant"] / r["classes"]) if r["classes"] else None
        r["enrolment_rate"] = (r["enrolled"] / r["capacity"]) if r["capacity"] else None
    return list(rows.values())


# --- who owes a monthly report -------------------------------------------------------------------
# "Counts for the district's figures" judges a month by one day; a monthly report is owed for the
# whole month: every kindergarten that counted on ANY day of it (one closed on the 31st was open on
# the 30th; one opened on the 31st was open that day). A kindergarten's values only change on the
# effective dates of its history, so "any day" is the month's first day or one of those dates.


def month_bounds(month: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The first and the last day of the month ``month`` falls in."""
    first = month.replace(day=1)
    following = (first + datetime.timedelta(days=32)).replace(day=1)
    return first, following - datetime.timedelta(days=1)


def _value_at_change(attribute: str) -> Subquery:
    """Inside a query over KindergartenStatusChange: ``attribute``'s value on that row's effective date
    (``_dated_subquery``'s rule: latest effective date, then latest recorded)."""
    return Subquery(
        KindergartenStatusChange.objects.filter(
            kindergarten_id=OuterRef("kindergarten_id"),
            attribute=attribute,
            effective_date__lte=OuterRef("effective_date"),
        )
        .order_by("-effective_date", "-recorded_at", "-id")
        .values("value")[:1]
    )


def owes_report_condition(month: datetime.date) -> Q:
    """Q over a queryset already passed through ``with_values_on(qs, first day of month)``: counted on
    the first day, or on the effective date of a change within the month."""
    # Imported here so the additions to this module stay in this section (the imports above are shared).
    from django.db.models import Exists

    first, last = month_bounds(month)
    counted_after_a_change = (
        KindergartenStatusChange.objects.filter(
            # Every row is one of the two attributes: naming them lets PostgreSQL use
            # kg_statuschange_date_cov_idx (attribute, effective_date) for the month's few changes.
            kindergarten_id=OuterRef("pk"),
            attribute__in=("status", "nature"),
            effective_date__gt=first,
            effective_date__lte=last,
        )
        .annotate(status_at=_value_at_change("status"), nature_at=_value_at_change("nature"))
        .filter(status_at__in=COUNTED_STATUSES, nature_at__in=COUNTED_NATURES)
    )
    return Q(status_then__in=COUNTED_STATUSES, nature_then__in=COUNTED_NATURES) | Exists(counted_after_a_change)


def kindergartens_owing_report(qs: QuerySet[Kindergarten], month: datetime.date) -> QuerySet[Kindergarten]:
    """The kindergartens of ``qs`` that owe a monthly report for ``month`` (any day of it): licensed
    and operating (see COUNTED_DEFINITION) on at least one day of that month, from the dated history."""
    first, _last = month_bounds(month)
    return with_values_on(qs, first).filter(owes_report_condition(month))
