"""The roster's indicators (DOMAIN §8): children per full-time teacher and certificate holding,
computed as of each month's last day from the dated employments and certificates.

Registered with core.indicators from StaffingConfig.ready(). ``compute`` receives the indicators
app's frame: the kindergarten-months that count, with each one's enrolment that month.
"""

from __future__ import annotations

import bisect
import datetime
from collections import defaultdict

from django.db.models import Q

from core.indicators import (
    HIGHER,
    LOWER,
    PER_TEACHER,
    PERCENT,
    Indicator,
    Measures,
    Part,
    SqlPart,
    register_indicator,
)
from staffing.models import Certificate, Employment, Post

SOURCE = "教职工名册"


def _in_office(employments_qs, first: datetime.date, last: datetime.date):
    """Employments that overlap [first, last]."""
    return employments_qs.filter(hire_date__lte=last).filter(Q(leave_date__isnull=True) | Q(leave_date__gt=first))


def _window(frame) -> tuple[datetime.date, datetime.date]:
    return frame.months[0], frame.day(frame.months[-1])


def teacher_ratio(frame) -> Measures:
    """Per kindergarten-month: (children, 专任教师 in office on the day). One query."""
    measures = Measures()
    if not frame.months:
        return measures
    first, last = _window(frame)
    hires: dict[int, list] = defaultdict(list)
    leaves: dict[int, list] = defaultdict(list)
    rows = _in_office(
        Employment.objects.filter(kindergarten_id__in=list(frame.kindergarten_ids()), post=Post.TEACHER), first, last
    ).values_list("kindergarten_id", "hire_date", "leave_date")
    for kg_id, hire, leave in rows:
        hires[kg_id].append(hire)
        if leave is not None:
            leaves[kg_id].append(leave)
    for values in (*hires.values(), *leaves.values()):
        values.sort()
    for row in frame.counted_rows():
        if not row.has_enrolment:
            measures.parts[(row.kg_id, row.month)] = Part(None, None, "缺少本月在园数据")
            continue
        day = frame.day(row.month)
        # in office on ``day``: hired on or before it, not left on or before it
        teachers = bisect.bisect_right(hires[row.kg_id], day) - bisect.bisect_right(leaves[row.kg_id], day)
        measures.parts[(row.kg_id, row.month)] = Part(row.children, teachers, "" if teachers else "无专任教师")
    return measures


def certificate_holding(frame) -> Measures:
    """Per kindergarten-month: (staff holding every certificate their post needs, staff whose post
    needs one), on the day, by the requirements in force in the kindergarten's district that month
    (staffing.selectors.requirements_for: the city-wide kinds with the district's own changes). Two
    queries: the employments in the window and their certificates (the requirements are cached)."""
    from staffing.selectors import required_kinds, requirements_for

    measures = Measures()
    if not frame.months:
        return measures
    districts = {row.district_id for row in frame.rows.values()}
    needed = {
        district_id: {
            post: frozenset(k.pk for k in required_kinds(post, requirements_for(district_id))) for post in Post.values
        }
        for district_id in districts
    }
    posts = sorted({post for by_post in needed.values() for post, ids in by_post.items() if ids})
    first, last = _window(frame)
    in_office = _in_office(
        Employment.objects.filter(kindergarten_id__in=list(frame.kindergarten_ids()), post__in=posts), first, last
    )
    employments = list(in_office.values_list("kindergarten_id", "person_id", "post", "hire_date", "leave_date"))
    certificates = defaultdict(list)
    for person_id, kind_id, issued, expires in Certificate.objects.filter(
        person_id__in=in_office.values("person_id"), issued_on__lte=last
    ).values_list("person_id", "kind_id", "issued_on", "expires_on"):
        certificates[person_id].append((kind_id, issued, expires))
    by_kg = defaultdict(list)
    for kg_id, person_id, post, hire, leave in employments:
        by_kg[kg_id].append((person_id, post, hire, leave))
    rules: dict[tuple, callable] = {}
    for row in frame.counted_rows():
        day = frame.day(row.month)
        district_needs = needed[row.district_id]
        staff = holding = 0
        for person_id, post, hire, leave in by_kg.get(row.kg_id, ()):
            kinds = district_needs[post]
            if not kinds or hire > day or (leave is not None and leave <= day):
                continue
            staff += 1
            key = (person_id, kinds)
            if key not in rules:
                rules[key] = _holding_rule(set(kinds), certificates.get(person_id, ()))
            holding += rules[key](day)
        measures.parts[(row.kg_id, row.month)] = Part(holding, staff, "" if staff else "无需持证岗位人员")
    return measures


def _holding_rule(kind_ids: set[int], certificates) -> callable:
    """day -> does the person hold a valid certificate of every kind in ``kind_ids`` on that day?

    Certificates that never expire make it "from the day the last of them was issued": one comparison
    per month. Expiring ones are checked day by day."""
    relevant = [c for c in certificates if c[0] in kind_ids]
    if any(expires is not None for _kind, _issued, expires in relevant):

        def holds(day):
            valid = {k for k, issued, expires in relevant if issued <= day and (expires is None or expires >= day)}
            return kind_ids <= valid

        return holds
    earliest: dict[int, datetime.date] = {}
    for kind, issued, _expires in relevant:
        earliest[kind] = min(issued, earliest.get(kind, issued))
    if set(earliest) != kind_ids:
        return lambda day: False
    held_from = max(earliest.values())
    return lambda day: held_from <= day


# The same parts as SQL over one counted kindergarten-month ``b`` (indicators.totals).
_IN_OFFICE = "e.kindergarten_id = b.kg_id AND e.hire_date <= b.day AND (e.leave_date IS NULL OR e.leave_date > b.day)"


def teacher_ratio_sql(frame) -> SqlPart:
    """(children, 专任教师 in office on the day); no snapshot: no part."""
    teachers = f"(SELECT COUNT(*) FROM {Employment._meta.db_table} e WHERE {_IN_OFFICE} AND e.post = %s)"  # noqa: S608 - table names from the models
    return SqlPart(
        numerator=("b.children", ()), denominator=(teachers, (Post.TEACHER.value,)), has_data=("b.has_snapshot", ())
    )


def certificate_holding_sql(frame) -> SqlPart:
    """(staff holding every certificate their post needs in the district that month, staff whose
    post needs one), as ``certificate_holding``. The requirements of each district are a VALUES
    table; each employment's certificates are summed once per kind (held since the earliest issue
    when none of them expires); only someone with an expiring one is checked day by day."""
    from staffing.selectors import required_kinds, requirements_for

    needs = [
        (district_id, post, kind.pk)
        for district_id in frame.district_ids
        for post in Post.values
        for kind in required_kinds(post, requirements_for(district_id))
    ] or [(0, "", 0)]  # no requirement anywhere: a row that matches no district
    employment, certificate = Employment._meta.db_table, Certificate._meta.db_table
    staff = f"""
        SELECT e.id AS employment_id, e.kindergarten_id, e.person_id, e.post, e.hire_date, e.leave_date, n.district_id,
               COUNT(*) AS needed, COUNT(s.kind_id) AS held, MAX(s.held_from) AS held_from,
               MAX(s.expiring) AS expiring
          FROM {employment} e
          JOIN (SELECT DISTINCT kg_id, district_id FROM kg_months) kd ON kd.kg_id = e.kindergarten_id
          JOIN certificate_need n ON n.district_id = kd.district_id AND n.post = e.post
          LEFT JOIN (
                SELECT person_id, kind_id, MIN(issued_on) AS held_from,
                       MAX(CASE WHEN expires_on IS NULL THEN 0 ELSE 1 END) AS expiring
                  FROM {certificate}
                 WHERE person_id IN (
                       SELECT person_id FROM {employment} WHERE kindergarten_id IN (SELECT kg_id FROM kg_months))
                 GROUP BY person_id, kind_id
          ) s ON s.person_id = e.person_id AND s.kind_id = n.kind_id
         WHERE e.hire_date <= (SELECT MAX(day) FROM months)
           AND (e.leave_date IS NULL OR e.leave_date > (SELECT MIN(month) FROM months))
         GROUP BY e.id, e.kindergarten_id, e.person_id, e.post, e.hire_date, e.leave_date, n.district_id
    """  # noqa: S608 - table names from the models
    # Each kindergarten's staff and holders as steps over time (a count from a day until the next
    # change): hired, certificates complete, left. The months join them by day: a few steps per
    # kindergarten instead of every employment every month.
    complete = "held = needed AND expiring = 0"
    events = f"""
        SELECT kindergarten_id AS kg_id, district_id, hire_date AS on_day, 1 AS staff,
               CASE WHEN {complete} AND held_from <= hire_date THEN 1 ELSE 0 END AS holding
          FROM certificate_staff
        UNION ALL
        SELECT kindergarten_id, district_id, held_from, 0, 1 FROM certificate_staff
         WHERE {complete} AND held_from > hire_date AND (leave_date IS NULL OR held_from < leave_date)
        UNION ALL
        SELECT kindergarten_id, district_id, leave_date, -1,
               CASE WHEN {complete} AND (held_from < leave_date OR held_from <= hire_date) THEN -1 ELSE 0 END
          FROM certificate_staff WHERE leave_date IS NOT NULL
    """  # noqa: S608 - constant names
    steps = """
        SELECT kg_id, district_id, on_day AS since,
               LEAD(on_day) OVER (PARTITION BY kg_id, district_id ORDER BY on_day) AS until,
               SUM(staff) OVER (PARTITION BY kg_id, district_id ORDER BY on_day) AS staff,
               SUM(holding) OVER (PARTITION BY kg_id, district_id ORDER BY on_day) AS holding
          FROM (SELECT kg_id, district_id, on_day, SUM(staff) AS staff, SUM(holding) AS holding
                  FROM certificate_events GROUP BY kg_id, district_id, on_day) ev
    """
    # Someone with a certificate that expires: checked on each day, kind by kind (rare).
    valid = (
        f"SELECT 1 FROM {certificate} c WHERE c.person_id = x.person_id AND c.kind_id = n.kind_id"  # noqa: S608 - table names from the models
        " AND c.issued_on <= b.day AND (c.expires_on IS NULL OR c.expires_on >= b.day)"
    )
    expiring = f"""
        SELECT b.kg_id, b.month, COUNT(*) AS holding
          FROM b JOIN certificate_staff x ON x.kindergarten_id = b.kg_id AND x.district_id = b.district_id
               AND x.expiring = 1 AND x.held = x.needed
               AND x.hire_date <= b.day AND (x.leave_date IS NULL OR x.leave_date > b.day)
         WHERE NOT EXISTS (SELECT 1 FROM certificate_need n WHERE n.district_id = b.district_id AND n.post = x.post
                           AND NOT EXISTS ({valid}))
         GROUP BY b.kg_id, b.month
    """  # noqa: S608 - constant names
    # LEFT JOIN: one row per kindergarten-month (none has no staff: 0 / 0 either way), which PostgreSQL
    # estimates right; an inner join's estimate of one row made it loop over this join once per row of
    # b when other definitions' joins sat beside it (0.9 s instead of 0.2 for a district's 12 months).
    by_month = """
        SELECT b.kg_id, b.month, s.staff AS staff, s.holding + COALESCE(ex.holding, 0) AS holding
          FROM b LEFT JOIN certificate_steps s ON s.kg_id = b.kg_id AND s.district_id = b.district_id
               AND s.since <= b.day AND (s.until IS NULL OR s.until > b.day)
          LEFT JOIN certificate_expiring ex ON ex.kg_id = b.kg_id AND ex.month = b.month
    """
    values = ", ".join(["(%s, %s, %s)"] * len(needs))
    return SqlPart(
        numerator=("COALESCE(certificates.holding, 0)", ()),
        denominator=("COALESCE(certificates.staff, 0)", ()),
        ctes=(
            ("certificate_need (district_id, post, kind_id)", f"VALUES {values}", tuple(v for n in needs for v in n)),
            ("certificate_staff", staff, ()),
            ("certificate_events", events, ()),
            ("certificate_steps", steps, ()),
            ("certificate_expiring", expiring, ()),
        ),
        joins=(("certificates", by_month, ()),),
    )


INDICATORS = (
    Indicator(
        code="teacher-ratio",
        name="专任教师与幼儿比",
        formula="在园幼儿数 ÷ 专任教师数（以 1:x 表示，x 越小越好）",
        numerator_label="在园幼儿数",
        denominator_label="专任教师数",
        unit=PER_TEACHER,
        direction=LOWER,
        source=SOURCE,
        compute=teacher_ratio,
        sql=teacher_ratio_sql,
        rule="专任教师按月末当天在职（入职日期不晚于当天、尚未离职）计；县域督导评估标准为不高于 1:15。",
        order=60,
    ),
    Indicator(
        code="certificate-holding",
        name="持证上岗率",
        formula="持有岗位所需全部有效证书的人数 ÷ 需持证岗位在职人数 × 100%",
        numerator_label="持证齐全人数",
        denominator_label="需持证岗位在职人数",
        unit=PERCENT,
        direction=HIGHER,
        source=SOURCE,
        compute=certificate_holding,
        sql=certificate_holding_sql,
        rule="按月末当天在职人员及当天有效的证书计；各岗位所需证书见“教职工 › 证书类型”设置。",
        order=70,
    ),
)


def register() -> None:
    for indicator in INDICATORS:
        register_indicator(indicator)
