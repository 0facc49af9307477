"""Safety's indicators (DOMAIN §6, §8): hazards closed on time, incidents reported on time, video
footage kept 30 days, school buses inspected, safety officers trained and certified.

Registered with core.indicators from SafetyConfig.ready(). Each is computed as of a month from dated
data: what happened within the month (up to the day it is judged by: its last day, or today for the
current month) or what was true on that day, for the kindergartens the frame says count. Each gives
``compute`` (row by row over the frame, one query) and ``sql`` (the same parts in SQL, for
``indicators.totals``); ``tests/indicators/test_totals.py`` checks they agree.

No data is not zero: a kindergarten with no safety facility record on the day has no part for the
video and safety-officer figures (暂无数据 for it); a kindergarten with no hazard due, no incident or
no bus in service has a part of 0 / 0, and a figure whose denominator is 0 is 暂无数据.
"""

from __future__ import annotations

import bisect
import datetime
from collections import defaultdict

from django.db.models import Q
from django.utils import timezone

from core.indicators import HIGHER, PERCENT, Indicator, Measures, Part, SqlPart, register_indicator
from core.sqldates import local_date_sql
from safety.models import FacilityRecord, Incident, SchoolBus
from supervision.models import RectificationOrder
from supervision.models.rectification import OrderState

SOURCE = "安全管理"
HAZARD_SOURCE_KIND = "hazard"  # the rectification orders that close a hazard (SafetyConfig.ready)
RETENTION_DAYS = 30


def _window(frame) -> tuple[datetime.date, datetime.date]:
    return frame.months[0], frame.day(frame.months[-1])


def _in_month(frame, day: datetime.date) -> datetime.date | None:
    """The month ``day`` falls in, if it is not after the day that month is judged by."""
    month = day.replace(day=1)
    return month if day <= frame.day(month) else None


def _kg_ids(frame) -> list[int]:
    return sorted({row.kg_id for row in frame.counted_rows()})


def _moment(day: datetime.date) -> datetime.datetime:
    """The first moment of ``day`` in Beijing time."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


# --- 隐患按期整改率 --------------------------------------------------------------------------------------


def hazards_on_time(frame) -> Measures:
    """Per counted kindergarten-month: (hazard orders due in the month and accepted by their deadline,
    hazard orders due in the month). One query."""
    measures = Measures()
    if not frame.months:
        return measures
    first, last = _window(frame)
    due: dict[tuple, list[int]] = defaultdict(list)
    rows = RectificationOrder.objects.filter(
        kindergarten_id__in=_kg_ids(frame), source_kind=HAZARD_SOURCE_KIND, deadline__gte=first, deadline__lte=last
    ).values_list("kindergarten_id", "deadline", "state", "verified_at")
    for kg_id, deadline, state, verified_at in rows:
        month = _in_month(frame, deadline)
        if month is None:
            continue
        closed = (
            state == OrderState.ACCEPTED and verified_at is not None and timezone.localdate(verified_at) <= deadline
        )
        due[(kg_id, month)].append(int(closed))
    for row in frame.counted_rows():
        orders = due.get((row.kg_id, row.month), ())
        measures.parts[(row.kg_id, row.month)] = Part(
            sum(orders), len(orders), "" if orders else "本月无到期的隐患整改"
        )
    return measures


# --- 事故按时报告率 --------------------------------------------------------------------------------------


def incidents_on_time(frame) -> Measures:
    """Per counted kindergarten-month: (incidents that happened in the month whose initial report was
    not late, incidents that happened in the month). One query."""
    measures = Measures()
    if not frame.months:
        return measures
    first, last = _window(frame)
    happened: dict[tuple, list[int]] = defaultdict(list)
    rows = Incident.objects.filter(
        kindergarten_id__in=_kg_ids(frame),
        occurred_at__gte=_moment(first),
        occurred_at__lt=_moment(last + datetime.timedelta(days=1)),
    ).values_list("kindergarten_id", "occurred_at", "late")
    for kg_id, occurred_at, late in rows:
        month = _in_month(frame, timezone.localdate(occurred_at))
        if month is not None:
            happened[(kg_id, month)].append(0 if late else 1)
    for row in frame.counted_rows():
        incidents = happened.get((row.kg_id, row.month), ())
        measures.parts[(row.kg_id, row.month)] = Part(sum(incidents), len(incidents), "" if incidents else "本月无事故")
    return measures


# --- the facility record in force on the day: video retention, safety officer ----------------------------


def _facility_on_day(frame) -> dict[tuple, FacilityRecord | tuple]:
    """(kg id, month) -> (retention days, officer named, trained, certified) of the latest record
    effective on or before the day; missing: no record by then. One query (shared by both
    indicators through ``frame.shared``)."""
    key = "safety.facility_on_day"
    if key in frame.shared and frame.shared[key][0] is frame:
        return frame.shared[key][1]
    last = frame.day(frame.months[-1])
    records = defaultdict(list)
    rows = (
        FacilityRecord.objects.filter(kindergarten_id__in=_kg_ids(frame), effective_on__lte=last)
        .order_by("kindergarten_id", "effective_on")
        .values_list(
            "kindergarten_id",
            "effective_on",
            "video_retention_days",
            "safety_officer",
            "safety_officer_trained",
            "safety_officer_certified",
        )
    )
    for kg_id, effective_on, retention, officer, trained, certified in rows:
        records[kg_id].append((effective_on, (retention, bool(officer.strip()), trained, certified)))
    result = {}
    for row in frame.counted_rows():
        kg_records = records.get(row.kg_id)
        if not kg_records:
            continue
        index = bisect.bisect_right([r[0] for r in kg_records], frame.day(row.month))
        if index:
            result[(row.kg_id, row.month)] = kg_records[index - 1][1]
    frame.shared[key] = (frame, result)
    return result


def video_retention(frame) -> Measures:
    """Per counted kindergarten-month: (1 if the record in force on the day keeps footage 30 days or
    more, else 0; 1); no record by the day: no part."""
    measures = Measures()
    if not frame.months:
        return measures
    facilities = _facility_on_day(frame)
    for row in frame.counted_rows():
        state = facilities.get((row.kg_id, row.month))
        if state is None:
            measures.parts[(row.kg_id, row.month)] = Part(None, None, "无安全设施登记")
            continue
        enough = state[0] >= RETENTION_DAYS
        measures.parts[(row.kg_id, row.month)] = Part(int(enough), 1, "" if enough else f"录像保存 {state[0]} 天")
    return measures


def safety_officer(frame) -> Measures:
    """Per counted kindergarten-month: (1 if the record in force on the day names a safety officer who
    is trained and certified, else 0; 1); no record by the day: no part."""
    measures = Measures()
    if not frame.months:
        return measures
    facilities = _facility_on_day(frame)
    for row in frame.counted_rows():
        state = facilities.get((row.kg_id, row.month))
        if state is None:
            measures.parts[(row.kg_id, row.month)] = Part(None, None, "无安全设施登记")
            continue
        _retention, named, trained, certified = state
        ok = named and trained and certified
        why = "" if ok else ("未登记安全员" if not named else "安全员未培训或未持证")
        measures.parts[(row.kg_id, row.month)] = Part(int(ok), 1, why)
    return measures


# --- 校车年检合格率 --------------------------------------------------------------------------------------


def bus_inspection(frame) -> Measures:
    """Per counted kindergarten-month: (buses in service on the day whose inspection is valid that day,
    buses in service on the day whose inspection status that day is known). One query.

    In service: not retired on or before the day. Valid: inspected on or before the day and valid
    until the day or later. The table keeps only a bus's latest inspection: a bus inspected after the
    day has an unknown status that day and is left out of that month."""
    measures = Measures()
    if not frame.months:
        return measures
    first, last = _window(frame)
    buses = defaultdict(list)
    rows = SchoolBus.objects.filter(
        Q(retired_on__isnull=True) | Q(retired_on__gt=first), kindergarten_id__in=_kg_ids(frame)
    ).values_list("kindergarten_id", "inspected_on", "valid_until", "retired_on")
    for kg_id, inspected_on, valid_until, retired_on in rows:
        buses[kg_id].append((inspected_on, valid_until, retired_on))
    for row in frame.counted_rows():
        day = frame.day(row.month)
        in_service = valid = 0
        for inspected_on, valid_until, retired_on in buses.get(row.kg_id, ()):
            if (retired_on is not None and retired_on <= day) or (inspected_on is not None and inspected_on > day):
                continue
            in_service += 1
            valid += int(valid_until is not None and valid_until >= day)
        why = "" if in_service else "无在用校车"
        if in_service and valid < in_service:
            why = f"{in_service - valid} 辆校车检验过期或未检验"
        measures.parts[(row.kg_id, row.month)] = Part(valid, in_service, why)
    return measures


# --- the same parts as SQL (indicators.totals) -----------------------------------------------------------
#
# One join for the five: per kindergarten and month, its hazard orders due, incidents, facility record
# in force and buses, stacked (UNION ALL) and summed. Each is matched with the months (``months``: a
# few dozen rows, each with the day it is judged by), not with every kindergarten-month: a few
# thousand records against 36 months instead of 100,000 kindergarten-months. One join instead of five
# keeps PostgreSQL's plan of the whole query sound (see core.indicators.SqlPart); each definition
# reads its columns, and the kindergarten-months that do not count are dropped by the totals.

_COLUMNS = ("due", "closed", "incidents", "on_time", "facility", "video", "officer", "buses", "valid")


def _stacked(kg_id: str, values: dict[str, str], source: str) -> str:
    columns = ", ".join(values.get(c, "0") + " AS " + c for c in _COLUMNS)
    scope = f"{kg_id} IN (SELECT kg_id FROM safety_kgs)"  # noqa: S608 - constant names
    return f"SELECT {kg_id} AS kg_id, m.month AS month, {columns} {source} AND {scope}"


def _safety_join() -> tuple[str, str, tuple]:
    verified, verified_params = local_date_sql("o.verified_at")
    occurred, occurred_params = local_date_sql("i.occurred_at")
    orders = _stacked(
        "o.kindergarten_id",
        {
            "due": "1",
            "closed": f"CASE WHEN o.state = %s AND o.verified_at IS NOT NULL AND {verified} <= o.deadline"
            " THEN 1 ELSE 0 END",
        },
        f"FROM {RectificationOrder._meta.db_table} o JOIN months m ON o.deadline >= m.month AND o.deadline <= m.day"
        " WHERE o.source_kind = %s",
    )
    incidents = _stacked(
        "i.kindergarten_id",
        {"incidents": "1", "on_time": "CASE WHEN i.late THEN 0 ELSE 1 END"},
        f"FROM {Incident._meta.db_table} i JOIN months m ON {occurred} >= m.month AND {occurred} <= m.day WHERE 1 = 1",
    )
    facility = _stacked(
        "f.kindergarten_id",
        {
            "facility": "1",
            "video": "CASE WHEN f.video_retention_days >= %s THEN 1 ELSE 0 END",
            "officer": "CASE WHEN TRIM(f.safety_officer) <> '' AND f.safety_officer_trained"
            " AND f.safety_officer_certified THEN 1 ELSE 0 END",
        },
        "FROM safety_facility_steps f JOIN months m ON f.since <= m.day AND (f.until IS NULL OR f.until > m.day)"
        " WHERE 1 = 1",
    )
    buses = _stacked(
        "s.kindergarten_id",
        {"buses": "1", "valid": "CASE WHEN s.valid_until IS NOT NULL AND s.valid_until >= m.day THEN 1 ELSE 0 END"},
        f"FROM {SchoolBus._meta.db_table} s JOIN months m ON (s.retired_on IS NULL OR s.retired_on > m.day)"
        " AND (s.inspected_on IS NULL OR s.inspected_on <= m.day) WHERE 1 = 1",
    )
    sums = ", ".join(f"SUM({c}) AS {c}" for c in _COLUMNS)
    stacked = f"{orders} UNION ALL {incidents} UNION ALL {facility} UNION ALL {buses}"
    select = f"SELECT kg_id, month, {sums} FROM ({stacked}) stacked GROUP BY kg_id, month"  # noqa: S608 - constant names
    params = (
        OrderState.ACCEPTED.value,
        *verified_params,
        HAZARD_SOURCE_KIND,
        *occurred_params,
        *occurred_params,
        RETENTION_DAYS,
    )
    return ("safety", select, params)


_SAFETY_KGS = ("safety_kgs", "SELECT DISTINCT kg_id FROM kg_months", ())
_FACILITY_STEPS = (
    "safety_facility_steps",
    f"""
    SELECT kindergarten_id, effective_on AS since,
           LEAD(effective_on) OVER (PARTITION BY kindergarten_id ORDER BY effective_on) AS until,
           video_retention_days, safety_officer, safety_officer_trained, safety_officer_certified
      FROM {FacilityRecord._meta.db_table}
     WHERE kindergarten_id IN (SELECT kg_id FROM safety_kgs)
    """,  # noqa: S608 - table names from the models
    (),
)


def _sql(numerator: str, denominator: str, has_data: str = "1"):
    def sql(frame) -> SqlPart:
        return SqlPart(
            numerator=(numerator, ()),
            denominator=(denominator, ()),
            has_data=(has_data, ()),
            ctes=(_SAFETY_KGS, _FACILITY_STEPS),
            joins=(_safety_join(),),
        )

    return sql


hazards_on_time_sql = _sql("COALESCE(safety.closed, 0)", "COALESCE(safety.due, 0)")
incidents_on_time_sql = _sql("COALESCE(safety.on_time, 0)", "COALESCE(safety.incidents, 0)")
video_retention_sql = _sql("safety.video", "1", "COALESCE(safety.facility, 0)")
safety_officer_sql = _sql("safety.officer", "1", "COALESCE(safety.facility, 0)")
bus_inspection_sql = _sql("COALESCE(safety.valid, 0)", "COALESCE(safety.buses, 0)")


INDICATORS = (
    Indicator(
        code="hazards-on-time",
        name="隐患按期整改率",
        formula="本月到期且在期限内验收通过的隐患整改数 ÷ 本月到期的隐患整改数 × 100%",
        numerator_label="按期整改完成数",
        denominator_label="本月到期的隐患整改数",
        unit=PERCENT,
        direction=HIGHER,
        source=SOURCE,
        compute=hazards_on_time,
        sql=hazards_on_time_sql,
        rule=(
            "计安全隐患的整改通知：整改期限在本月（当月截至今天）的为应整改数；其中在整改期限当天或之前"
            "（北京时间）验收通过的为按期整改数。期限已过仍未验收、逾期验收的均不计为按期。本月无到期隐患的"
            "区县显示暂无数据。"
        ),
        order=90,
    ),
    Indicator(
        code="incidents-on-time",
        name="事故按时报告率",
        formula="本月发生且首报未迟报的事故数 ÷ 本月发生的事故数 × 100%",
        numerator_label="按时首报的事故数",
        denominator_label="本月发生的事故数",
        unit=PERCENT,
        direction=HIGHER,
        source=SOURCE,
        compute=incidents_on_time,
        sql=incidents_on_time_sql,
        rule=(
            "按事故发生时间（北京时间）计入所在月份；首报在首报时限内送达的为按时报告（迟报的不计）。"
            "本月无事故的区县显示暂无数据。"
        ),
        order=91,
    ),
    Indicator(
        code="video-retention",
        name="视频监控存储30天达标率",
        formula="录像保存不少于 30 天的幼儿园数 ÷ 有安全设施登记的幼儿园数 × 100%",
        numerator_label="录像保存达标的幼儿园数",
        denominator_label="有安全设施登记的幼儿园数",
        unit=PERCENT,
        direction=HIGHER,
        source=SOURCE,
        compute=video_retention,
        sql=video_retention_sql,
        rule=(
            "按月末当天有效的安全设施登记（生效日期不晚于当天的最近一次登记）中的录像保存天数计，"
            "不少于 30 天为达标；截至当天没有安全设施登记的幼儿园不计入（缺少数据）。"
        ),
        order=92,
    ),
    Indicator(
        code="bus-inspection",
        name="校车年检合格率",
        formula="检验有效的在用校车数 ÷ 在用校车数 × 100%",
        numerator_label="检验有效的在用校车数",
        denominator_label="在用校车数",
        unit=PERCENT,
        direction=HIGHER,
        source=SOURCE,
        compute=bus_inspection,
        sql=bus_inspection_sql,
        rule=(
            "在用校车：月末当天未停用的已登记校车；检验有效：最近检验日期不晚于当天且有效期至当天或以后。"
            "校车只记最近一次检验，最近检验日期晚于当天的校车当月检验情况不明，不计入。无在用校车的区县"
            "显示暂无数据。"
        ),
        order=93,
    ),
    Indicator(
        code="safety-officer",
        name="安全员持证率",
        formula="安全员已培训且持证的幼儿园数 ÷ 有安全设施登记的幼儿园数 × 100%",
        numerator_label="安全员培训持证的幼儿园数",
        denominator_label="有安全设施登记的幼儿园数",
        unit=PERCENT,
        direction=HIGHER,
        source=SOURCE,
        compute=safety_officer,
        sql=safety_officer_sql,
        rule=(
            "按月末当天有效的安全设施登记计：登记了安全员且安全员已培训、已持证的幼儿园为达标；"
            "截至当天没有安全设施登记的幼儿园不计入（缺少数据）。"
        ),
        order=94,
    ),
)


def register() -> None:
    for indicator in INDICATORS:
        register_indicator(indicator)
