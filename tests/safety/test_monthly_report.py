"""Safety's section of the district monthly report (reports.registry), with numbers worked out by hand
for February 2025 in district A (Beijing month: 1 Feb 00:00 to 1 Mar 00:00)."""

import datetime

import pytest

from kindergartens.models import KindergartenStatusChange
from reports.registry import district_sections
from safety.models import Hazard, Incident, VideoCheck, ZeroReport
from safety.monthly_report import safety_of_month
from safety.services import incident_deadlines
from supervision.models import RectificationOrder
from tests.factories import KindergartenFactory
from tests.safety.helpers import beijing as bj

FEB = datetime.date(2025, 2, 1)
D = datetime.date


def _incident(cast, kg, occurred, *, grade="general", kind="injury", late=False, final=None):
    return Incident.objects.create(
        kindergarten=kg,
        district_id=kg.district_id,
        occurred_at=occurred,
        reported_at=occurred + datetime.timedelta(minutes=30),
        reported_by=cast.kg_director,
        grade=grade,
        kind=kind,
        late=late,
        final_at=final,
        **incident_deadlines(occurred_at=occurred, kind=kind),
    )


def _hazard(cast, kg, found, *, issued=None, deadline=None, state="issued", verified=None):
    order = None
    if issued:
        order = RectificationOrder.objects.create(
            kindergarten=kg, source_kind="hazard", source_label="安全隐患（消防）", description="灭火器过期",
            severity="minor", issued_at=issued, deadline=deadline, state=state, verified_at=verified,
        )  # fmt: skip
    return Hazard.objects.create(
        kindergarten=kg, category="fire", source="daily", found_on=found, description="灭火器过期",
        recorded_by=cast.kg_director, order=order,
    )  # fmt: skip


@pytest.fixture
def february(cast):
    a1, a2, b1 = cast.kg_a1, cast.kg_a2, cast.kg_b1
    a3 = KindergartenFactory(name="大洼区第三幼儿园", township=cast.town_a)
    # Registered long before February: all three of district A count on 28 February.
    KindergartenStatusChange.objects.filter(kindergarten__in=[a1, a2, a3, b1]).update(effective_date=D(2024, 1, 1))
    # Incidents.
    _incident(cast, a1, bj(2025, 2, 1, 0, 0, 0), final=bj(2025, 2, 5))  # in Feb, closed in Feb
    _incident(cast, a1, bj(2025, 2, 10, 9), grade="large", kind="food", late=True)  # in Feb, late, open
    _incident(cast, a2, bj(2025, 2, 28, 23, 59, 59), kind="fire", final=bj(2025, 3, 1))  # in Feb, open at the end
    _incident(cast, a1, bj(2025, 1, 31, 23, 59, 59))  # January; still open at February's end
    _incident(cast, a1, bj(2025, 1, 15), final=bj(2025, 1, 20))  # January, closed in January
    _incident(cast, a1, bj(2025, 3, 1, 0, 0, 0))  # March
    _incident(cast, b1, bj(2025, 2, 10), grade="major")  # another district
    # Zero reports.
    ZeroReport.objects.create(kindergarten=a3, month=FEB, confirmed_by=cast.kg_director)
    ZeroReport.objects.create(kindergarten=a2, month=D(2025, 1, 1), confirmed_by=cast.kg_director)
    ZeroReport.objects.create(kindergarten=b1, month=FEB, confirmed_by=cast.kg_director)
    # Hazards.
    _hazard(cast, a1, D(2025, 2, 3), issued=bj(2025, 2, 3), deadline=D(2025, 2, 20), state="accepted",
            verified=bj(2025, 2, 15))  # found and closed in Feb  # fmt: skip
    _hazard(cast, a1, D(2025, 1, 20), issued=bj(2025, 1, 21), deadline=D(2025, 2, 10))  # overdue
    _hazard(cast, a2, D(2025, 2, 28))  # found in Feb, waiting for its order
    _hazard(cast, a1, D(2025, 1, 10), issued=bj(2025, 1, 11), deadline=D(2025, 2, 28), state="accepted",
            verified=bj(2025, 3, 1, 0, 0, 0))  # accepted after the month's end: overdue at it  # fmt: skip
    _hazard(cast, a1, D(2025, 2, 20), issued=bj(2025, 3, 2), deadline=D(2025, 3, 20))  # found in Feb, ordered in Mar
    _hazard(cast, a1, D(2025, 1, 5), issued=bj(2025, 1, 6), deadline=D(2025, 1, 25), state="accepted",
            verified=bj(2025, 1, 30))  # closed in January  # fmt: skip
    _hazard(cast, b1, D(2025, 2, 5))  # another district
    _hazard(cast, a1, D(2025, 3, 1))  # March
    # Video checks.
    for kg, month in ((a1, FEB), (a3, FEB), (a2, D(2025, 1, 1)), (b1, FEB)):
        VideoCheck.objects.create(
            kindergarten=kg, month=month, cameras_total=10, cameras_working=10, retention_days=30,
            checked_by=cast.kg_director,
        )  # fmt: skip
    return cast


def test_safety_registers_its_district_section():
    assert "safety.month" in [s.key for s in district_sections()]


def test_the_safety_section_of_february_by_hand(february):
    section = safety_of_month(february.district_a, FEB)
    assert section.rows == [
        ("本月发生安全事故", 3, "起"),
        ("其中一般", 2, "起"),
        ("其中较大", 1, "起"),
        ("其中重大", 0, "起"),
        ("其中特别重大", 0, "起"),
        ("意外伤害事故", 1, "起"),
        ("食物中毒事故", 1, "起"),
        ("火灾事故", 1, "起"),
        ("迟报", 1, "起"),
        ("月末未终报的事故", 3, "起"),
        ("本月确认零报告的幼儿园", 1, "所"),
        ("本月发现安全隐患", 3, "处"),
        ("本月整改完成的隐患", 1, "处"),
        ("月末逾期未整改的隐患", 2, "处"),
        ("月末待下达整改通知的隐患", 2, "处"),
        ("完成视频监控月度检查的幼儿园", 2, "所"),
        ("视频监控月度检查覆盖率", "66.7%", ""),
    ]
    assert all(not label.isascii() for label, _v, _u in section.rows) and section.note


def test_an_empty_month_reads_zero_and_a_dash(cast):
    rows = {label: value for label, value, _ in safety_of_month(cast.district_c, FEB).rows}
    assert rows["本月发生安全事故"] == 0 and rows["月末未终报的事故"] == 0
    assert rows["视频监控月度检查覆盖率"] in ("—", "0.0%")


def test_the_section_answers_in_a_fixed_number_of_queries(february, django_assert_num_queries):
    with django_assert_num_queries(1):
        safety_of_month(february.district_a, FEB)
    for i in range(6):
        kg = KindergartenFactory(name=f"新园{i}", township=february.town_a)
        _incident(february, kg, bj(2025, 2, 12), kind="traffic")
        _hazard(february, kg, D(2025, 2, 12))
    with django_assert_num_queries(1):
        safety_of_month(february.district_a, FEB)


def test_the_built_district_report_carries_the_safety_section(february):
    from reports.models import ReportType, Submission
    from reports.services import district_report_build, report_types_ensure_defaults, submission_for

    report_types_ensure_defaults()
    district = submission_for(
        report_type=ReportType.objects.get(code="district-monthly"), month=FEB, district=february.district_a
    )
    district_report_build(actor=None, submission=Submission.objects.get(pk=district.pk))
    district.refresh_from_db()
    sections = {c["key"]: c for c in district.data["contributions"]}
    assert sections["safety.month"]["title"] == "安全管理"
    rows = {label: value for label, value, _ in sections["safety.month"]["rows"]}
    assert rows["本月发生安全事故"] == 3 and rows["月末逾期未整改的隐患"] == 2
