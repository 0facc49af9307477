"""Supervision's sections of the district's monthly report: inspections of the month by kind and
conclusion, rectification orders issued / closed / open and overdue at the month's end. The month is
the Beijing month: a row at 23:59:59 on the last day counts, one at 00:00:00 on the 1st does not;
another district's rows never count."""

import datetime
import zoneinfo

import pytest

from reports.registry import district_sections
from supervision.models import ChecklistTemplate, Inspection, RectificationOrder
from supervision.monthly_report import inspections_of_month, month_bounds, orders_of_month

SH = zoneinfo.ZoneInfo("Asia/Shanghai")
FEB = datetime.date(2025, 2, 1)


def bj(*args):
    return datetime.datetime(*args, tzinfo=SH)


def rows(section) -> dict:
    return {label: value for label, value, _unit in section.rows}


@pytest.fixture
def template(cast):
    return ChecklistTemplate.objects.get(family="quality-2022", is_current=True)


def _inspection(kg, template, *, kind="routine", state="submitted", at=None, **kw):
    return Inspection.objects.create(
        kindergarten=kg, kind=kind, template=template, planned_on=datetime.date(2025, 2, 3), state=state,
        submitted_at=at, **kw,
    )  # fmt: skip


def test_supervision_registers_both_sections():
    keys = [s.key for s in district_sections()]
    assert "supervision.inspections" in keys and "supervision.rectification" in keys


def test_month_bounds_are_beijing_midnights():
    start, end, following = month_bounds(datetime.date(2024, 2, 1))
    assert (start, end, following) == (bj(2024, 2, 1), bj(2024, 3, 1), datetime.date(2024, 3, 1))
    assert start.astimezone(datetime.UTC) == datetime.datetime(2024, 1, 31, 16, tzinfo=datetime.UTC)


def test_inspections_of_the_month_by_kind_and_conclusion(cast, template):
    a1, a2, b1 = cast.kg_a1, cast.kg_a2, cast.kg_b1
    _inspection(a1, template, at=bj(2025, 2, 1, 0, 0, 0))  # first second of February: counts
    _inspection(a2, template, kind="special", subtype="safety", at=bj(2025, 2, 28, 23, 59, 59), vetoed=True)
    _inspection(a1, template, kind="annual", conclusion="basic", at=bj(2025, 2, 14, 10))
    _inspection(a2, template, kind="annual", conclusion="fail", at=bj(2025, 2, 15, 10))
    _inspection(a1, template, at=bj(2025, 1, 31, 23, 59, 59))  # January (UTC: 31 Jan 15:59)
    _inspection(a1, template, at=bj(2025, 3, 1, 0, 0, 0))  # March (UTC: still 28 Feb)
    _inspection(a1, template, state="in_progress")  # not finished: found nothing yet
    _inspection(b1, template, at=bj(2025, 2, 10, 10))  # another district

    figures = rows(inspections_of_month(cast.district_a, FEB))
    assert figures["督导检查次数"] == 4
    assert figures["受检幼儿园数"] == 2
    assert (figures["日常督导"], figures["专项督导"], figures["年检"], figures["双随机抽查"]) == (1, 1, 2, 0)
    assert (figures["年检合格"], figures["年检基本合格"], figures["年检不合格"]) == (0, 1, 1)
    assert figures["一票否决的检查"] == 1


def _order(kg, *, issued, deadline, state="issued", verified=None):
    return RectificationOrder.objects.create(
        kindergarten=kg, source_kind="manual", source_label="日常督导发现", description="整改", severity="major",
        issued_at=issued, deadline=deadline, state=state, verified_at=verified,
        return_reason="不完整" if state == "returned" else "",
    )  # fmt: skip


def test_orders_issued_closed_and_overdue_at_the_months_end(cast):
    a1, b1 = cast.kg_a1, cast.kg_b1
    D = datetime.date
    # Issued in January, deadline in February, accepted in February: closed this month, not overdue.
    _order(a1, issued=bj(2025, 1, 20), deadline=D(2025, 2, 4), state="accepted", verified=bj(2025, 2, 3))
    # Issued in January, deadline 28 Feb, accepted at 00:00:00 on 1 March: overdue at February's end.
    _order(a1, issued=bj(2025, 1, 25), deadline=D(2025, 2, 28), state="accepted", verified=bj(2025, 3, 1, 0, 0, 0))
    # Issued at 23:59:59 on 28 Feb, deadline in March: issued this month, open, not overdue.
    _order(a1, issued=bj(2025, 2, 28, 23, 59, 59), deadline=D(2025, 3, 15))
    # Issued in February, returned, deadline passed: open and overdue.
    _order(a1, issued=bj(2025, 2, 2), deadline=D(2025, 2, 9), state="returned")
    # Issued at 00:00:00 on 1 March: not February's.
    _order(a1, issued=bj(2025, 3, 1, 0, 0, 0), deadline=D(2025, 3, 8))
    # Closed in January: neither open nor closed in February.
    _order(a1, issued=bj(2025, 1, 2), deadline=D(2025, 1, 9), state="accepted", verified=bj(2025, 1, 31, 23, 59, 59))
    _order(b1, issued=bj(2025, 2, 2), deadline=D(2025, 2, 9))  # another district

    figures = rows(orders_of_month(cast.district_a, FEB))
    assert figures == {
        "本月下达整改通知": 2,
        "本月验收通过（整改完成）": 1,
        "月末未完成整改": 3,
        "其中逾期未整改": 2,
    }


def test_sections_answer_in_a_fixed_number_of_queries(cast, template, django_assert_num_queries):
    for _ in range(5):
        _inspection(cast.kg_a1, template, at=bj(2025, 2, 10))
        _order(cast.kg_a1, issued=bj(2025, 2, 2), deadline=datetime.date(2025, 2, 9))
    with django_assert_num_queries(1):
        inspections_of_month(cast.district_a, FEB)
    with django_assert_num_queries(1):
        orders_of_month(cast.district_a, FEB)


def test_the_built_district_report_carries_both_sections(cast, template):
    from reports.models import ReportType, Submission
    from reports.services import district_report_build, report_types_ensure_defaults, submission_for

    report_types_ensure_defaults()
    _inspection(cast.kg_a1, template, at=bj(2025, 2, 10))
    _order(cast.kg_a1, issued=bj(2025, 2, 2), deadline=datetime.date(2025, 2, 9))
    district = submission_for(
        report_type=ReportType.objects.get(code="district-monthly"), month=FEB, district=cast.district_a
    )
    district_report_build(actor=None, submission=Submission.objects.get(pk=district.pk))
    district.refresh_from_db()
    sections = {c["key"]: {label: value for label, value, _ in c["rows"]} for c in district.data["contributions"]}
    assert sections["supervision.inspections"]["督导检查次数"] == 1
    assert sections["supervision.rectification"]["其中逾期未整改"] == 1
