"""Every indicator for every district and past month in ONE query (set-based).

``indicators.frame`` builds one Python row per kindergarten-month and each definition walks them:
fine for a month's drill-down, 20 s for a city's 36 months. Here the same kindergarten-months are
a common table expression, and each definition that has an SQL form (``Indicator.sql``, a
``core.indicators.SqlPart``) adds its sums to one ``GROUP BY district, township, month``. The
groupings a page asks for (district, township, urban/rural, all) are sums of those rows.

The kindergarten-months are the frame's, by the same rules:

* a month's district and township are those of its snapshot (a kindergarten counts where it was
  that month); a kindergarten of the districts without a snapshot that month is there with no
  enrolment (its enrolment indicators say "缺少本月数据");
* its status and nature are those of the month's last day: ``with_values_on``'s rule (the current
  value unless the history has a change after that day, then the latest change on or before it:
  latest effective date, then latest recorded), read as intervals of the history (window function
  LEAD) instead of one lookup per kindergarten-month;
* it counts by ``kindergartens.selectors.counted_sql`` (``counted_condition``'s sets).

The current month (judged by today, from today's classes) goes through the frame: it is one month.
The SQL runs on PostgreSQL and SQLite alike (CTEs, VALUES, window functions; dates as parameters).
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from dateutil.relativedelta import relativedelta
from django.db import connection

from core.indicators import Figure, Indicator
from kindergartens.selectors import counted_sql


def _tables() -> dict[str, str]:
    from indicators.models import EnrolmentSnapshot
    from kindergartens.models import Kindergarten, KindergartenStatusChange

    return {
        "snap": EnrolmentSnapshot._meta.db_table,
        "kg": Kindergarten._meta.db_table,
        "change": KindergartenStatusChange._meta.db_table,
    }


def _placeholders(values) -> str:
    return ", ".join(["%s"] * len(values))


def _history(attribute: str, change: str) -> str:
    """One row per change of ``attribute``: its value from ``since`` until ``until`` (the next change,
    ordered as ``_dated_subquery`` orders them; NULL: still in force), and the kindergarten's latest
    effective date. Two changes on one day: the earlier-recorded one lasts no day at all."""
    return f"""
        SELECT kindergarten_id, value, effective_date AS since,
               LEAD(effective_date) OVER (
                   PARTITION BY kindergarten_id ORDER BY effective_date, recorded_at, id
               ) AS until,
               MAX(effective_date) OVER (PARTITION BY kindergarten_id) AS latest
          FROM {change}
         WHERE attribute = '{attribute}' AND kindergarten_id IN (SELECT kg_id FROM kg_months)
    """  # noqa: S608 - constant names


def _value_on_day(attribute: str, alias: str, change: str) -> str:
    """``with_values_on``: the current value when nothing changed after the day (or there is no
    history at all), else the history's value on the day (NULL: not registered yet)."""
    return f"""CASE
            WHEN {alias}.kindergarten_id IS NULL THEN CASE
                WHEN EXISTS (SELECT 1 FROM {change} c WHERE c.kindergarten_id = r.kg_id AND c.attribute = '{attribute}')
                THEN NULL ELSE k.{attribute} END
            WHEN {alias}.latest <= r.day THEN k.{attribute}
            ELSE {alias}.value END"""  # noqa: S608 - constant names


def counted_months_sql(district_ids: list[int], months: list[datetime.date], days: list[datetime.date]) -> tuple:
    """The CTEs ``months``, ``kg_months`` … ``b``: the kindergarten-months of the districts in the
    (past) months, with the columns SqlPart documents and ``counted`` (1: it counts). Filtering on
    ``counted`` instead (a CASE over the history) leaves PostgreSQL guessing one row, and it then
    nests every join in a loop over the months: 8 s instead of 0.1 for a district. Returns (sql, params)."""
    t = _tables()
    ids = _placeholders(district_ids)
    months_values = ", ".join(["(%s, %s, %s)"] * len(months))
    month_params = tuple(
        value for month, day in zip(months, days, strict=True) for value in (month, day, day - relativedelta(years=1))
    )
    condition, condition_params = counted_sql("d.status", "d.nature")
    sql = f"""
        months (month, day, year_before) AS (VALUES {months_values}),
        kg_months AS (
            SELECT s.kindergarten_id AS kg_id, m.month AS month, m.day AS day, m.year_before AS year_before,
                   s.district_id AS district_id,
                   s.township_id AS township_id, 1 AS has_snapshot, s.children AS children, s.classes AS classes,
                   s.compliant_classes AS compliant_classes, s.capacity AS capacity
              FROM {t["snap"]} s JOIN months m ON m.month = s.month
             WHERE s.district_id IN ({ids})
            UNION ALL
            SELECT k.id, m.month, m.day, m.year_before, k.district_id, k.township_id, 0, 0, 0, 0, 0
              FROM {t["kg"]} k CROSS JOIN months m
             WHERE k.district_id IN ({ids})
               AND NOT EXISTS (SELECT 1 FROM {t["snap"]} s WHERE s.kindergarten_id = k.id AND s.month = m.month)
        ),
        status_history AS ({_history("status", t["change"])}),
        nature_history AS ({_history("nature", t["change"])}),
        d AS (
            SELECT r.*, {_value_on_day("status", "sh", t["change"])} AS status,
                   {_value_on_day("nature", "nh", t["change"])} AS nature
              FROM kg_months r
              JOIN {t["kg"]} k ON k.id = r.kg_id
              LEFT JOIN status_history sh ON sh.kindergarten_id = r.kg_id AND sh.since <= r.day
                   AND (sh.until IS NULL OR sh.until > r.day)
              LEFT JOIN nature_history nh ON nh.kindergarten_id = r.kg_id AND nh.since <= r.day
                   AND (nh.until IS NULL OR nh.until > r.day)
        ),
        b AS (SELECT d.*, CASE WHEN {condition} THEN 1 ELSE 0 END AS counted FROM d)
    """  # noqa: S608 - table names from the models' metadata; every value is a parameter
    return sql, (*month_params, *district_ids, *district_ids, *condition_params)


def _as_date(value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, str):  # SQLite
        return datetime.date.fromisoformat(value[:10])
    return value


def township_totals(frame, indicators: list[Indicator], parts: dict) -> dict[str, dict]:
    """code -> {(district id, township id, month): (numerator, denominator, with data, without)}
    over the frame's past months, in one query for every indicator given (with its SqlPart)."""
    months = [m for m in frame.months if m < frame.today.replace(day=1)]
    result: dict[str, dict] = {i.code: {} for i in indicators}
    if not months or not frame.district_ids or not indicators:
        return result
    base, params = counted_months_sql(frame.district_ids, months, [frame.day(m) for m in months])
    ctes, columns, column_params, joins, join_params = [base], [], [], [], []
    cte_params: list = list(params)
    seen_ctes, seen_joins = set(), set()
    for index, indicator in enumerate(indicators):
        part = parts[indicator.code]
        for name, sql, cte_param in part.ctes:
            if name in seen_ctes:
                continue
            seen_ctes.add(name)
            ctes.append(f"{name} AS ({sql})")
            cte_params.extend(cte_param)
        for alias, select, params_of_join in part.joins:
            if alias in seen_joins:  # several definitions share it (safety's): joined once
                continue
            seen_joins.add(alias)
            joins.append(f"LEFT JOIN ({select}) {alias} ON {alias}.kg_id = b.kg_id AND {alias}.month = b.month")
            join_params.extend(params_of_join)
        has, has_params = part.has_data
        (num, num_params), (den, den_params) = part.numerator, part.denominator
        columns.append(f"SUM(CASE WHEN b.counted = 1 THEN {has} ELSE 0 END) AS w{index}")
        columns.append(f"SUM(CASE WHEN b.counted = 1 AND {has} = 1 THEN {num} END) AS n{index}")
        columns.append(f"SUM(CASE WHEN b.counted = 1 AND {has} = 1 THEN {den} END) AS d{index}")
        column_params.extend([*has_params, *has_params, *num_params, *has_params, *den_params])
    # The definitions' own fragments; every value is a parameter.
    select = f"SELECT b.district_id, b.township_id, b.month, SUM(b.counted), {', '.join(columns)}"
    sql = f"WITH {', '.join(ctes)} {select} FROM b {' '.join(joins)} GROUP BY b.district_id, b.township_id, b.month"
    with connection.cursor() as cursor:
        cursor.execute(sql, [*cte_params, *column_params, *join_params])
        rows = cursor.fetchall()
    for row in rows:
        key = (row[0], row[1], _as_date(row[2]))
        total = int(row[3] or 0)
        if not total:  # no kindergarten counts there that month
            continue
        for index, indicator in enumerate(indicators):
            with_data, numerator, denominator = row[4 + 3 * index : 7 + 3 * index]
            with_data = int(with_data or 0)
            result[indicator.code][key] = (
                float(numerator or 0),
                float(denominator or 0),
                with_data,
                total - with_data,
            )
    return result


def figures_from_totals(
    indicator: Indicator, frame, totals: dict, township_denominators: dict | None, *, by: str, group_of
) -> dict[tuple, Figure]:
    """``selectors.aggregate``'s figures from the township rows: (group key, month) -> Figure."""
    num: dict[tuple, float] = defaultdict(float)
    den: dict[tuple, float] = defaultdict(float)
    with_data: dict[tuple, int] = defaultdict(int)
    missing: dict[tuple, int] = defaultdict(int)
    for (district_id, township_id, month), (n, d, w, m) in totals.items():
        key = (group_of(frame, by, district_id, township_id), month)
        num[key] += n
        den[key] += d
        with_data[key] += w
        missing[key] += m
    keys = {k for k in with_data if with_data[k] or missing[k]}
    notes: dict[tuple, set[str]] = defaultdict(set)
    if township_denominators is not None:
        den = defaultdict(float)
        has_den: set[tuple] = set()
        for (township_id, month), (value, township_notes) in township_denominators.items():
            info = frame.townships.get(township_id)
            if info is None:
                continue
            key = (group_of(frame, by, info["district_id"], township_id), month)
            den[key] += value
            has_den.add(key)
            notes[key].update(township_notes)
        keys |= has_den
        for key in keys - has_den:
            den.pop(key, None)
    figures = {}
    for key in keys:
        key_notes = set(notes.get(key, ()))
        if missing.get(key):
            key_notes.add(f"{missing[key]} 所幼儿园缺少本月数据，未计入")
        denominator = den.get(key)
        figures[key] = Figure(
            numerator=num[key] if with_data.get(key) else None,
            denominator=denominator if denominator else None,
            notes=tuple(sorted(key_notes)),
            kindergartens=with_data.get(key, 0),
        )
    return figures
