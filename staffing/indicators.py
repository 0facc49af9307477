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

from core.indicators import HIGHER, LOWER, PER_TEACHER, PERCENT, Indicator, Measures, Part, register_indicator
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
        rule="按月末当天在职人员及当天有效的证书计；各岗位所需证书见“教职工 › 证书类型”设置。",
        order=70,
    ),
)


def register() -> None:
    for indicator in INDICATORS:
        register_indicator(indicator)
