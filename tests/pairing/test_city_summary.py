"""The city's December summary 市帮扶工作年度总结 (pairing-city-summary): its year figures, prefilled from
the pairing records, worked out by hand on a small city (the cast's 盘锦市: 大洼区 A and 双台子区 B).

2025, on 20 December (Beijing); the city's 2025 target: 6 kindergartens, 40%, agreements due 15 October.

| agreement | parties (helping → helped) | mode | state | start → end | reached the city |
| --- | --- | --- | --- | --- | --- |
| 镇内结对协议 | kg_a1 → kg_a2 (rural) | 方式一 | 帮扶中 | 2025-09-01 → 2027-08-31 | 10-10 (on time) |
| 甲乙跨区协议 | kg_a1 → kg_b2 (rural) | 方式三 | 帮扶中 | 2025-09-01 → 2027-08-31 | 10-20 (late) |
| 双台子区协议 | kg_b1 → kg_a3 (rural) | 方式三 | 待教育局确认 | 2025-09-01 → 2027-08-31 | not yet (late) |
| 已终止协议 | kg_b1 → kg_b2 | 方式二 | 已提前终止 | 2024-09-01 → 2026-08-31 | 2024 (another year) |
| a draft | kg_a1 → kg_a3 | — | 草稿 | 2026 | not counted |
| 北京 | kg_c1 → kg_c2 (another city) | — | 帮扶中 | 2025 | not counted |

- agreements of the year: 4 (方式一 1, 方式二 1, 方式三 2; 帮扶中 2, 待确认 1, 已提前终止 1, 已确认 0, 已完成 0);
- kindergartens taking part (agreed, not merely waiting): kg_a1, kg_a2, kg_b2, kg_b1 = 4, target 6;
- rural operating: kg_a2, kg_a3 (西安镇 220), kg_b2 (陆家镇 220) = 3; in an active agreement on the day:
  kg_a2, kg_b2 = 2 → 66.7% against 40.0%;
- late: 甲乙跨区协议 (大洼区), 双台子区协议 (双台子区) = 2;
- activities in 2025: 4.0 h 入园指导 (kg_a1, 10-09), 2.5 h 入园指导 (kg_b2, 11-12), 1.5 h 送教下乡 (kg_a2,
  12-01) = 3 activities, 8.0 h; not 2024-12-30's nor 北京's;
- districts: 2; 大洼区 submitted its district summary, 双台子区 has not → 1, missing 双台子区.
"""

import datetime
import zoneinfo
from decimal import Decimal

import time_machine
from django.utils import timezone

from pairing import services
from pairing.models import Activity, Agreement, Form
from pairing.report_types import city_year_figures
from reports.models import ReportType, Submission
from reports.services import report_types_ensure_registered, submission_for, submission_prefill, submission_save
from tests.pairing.helpers import make_activity, make_agreement

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
DEC = datetime.date(2025, 12, 1)


def _at(*args):
    return time_machine.travel(datetime.datetime(*args, tzinfo=SHANGHAI), tick=False)


def _filed(agreement, day):
    Agreement.objects.filter(pk=agreement.pk).update(
        filed_at=datetime.datetime(*day, 12, tzinfo=SHANGHAI) if day else None
    )


def _world(pc):
    services.target_save(
        actor=pc.city_viewer, city=pc.city, year=2025, participants=6, rural_share=Decimal(40),
        plan_due=datetime.date(2025, 9, 5), agreements_due=datetime.date(2025, 10, 15),
    )  # fmt: skip
    town = make_agreement(pc.kg_a1, [pc.kg_a2], state="active", title="镇内结对协议")
    cross = make_agreement(pc.kg_a1, [pc.kg_b2], state="active", title="甲乙跨区协议")
    waiting = make_agreement(pc.kg_b1, [pc.kg_a3], state="submitted", title="双台子区协议")
    ended = make_agreement(
        pc.kg_b1, [pc.kg_b2], state="ended", title="已终止协议", mode="starred", end_reason="被帮扶园停办",
        start_date=datetime.date(2024, 9, 1), end_date=datetime.date(2026, 8, 31),
    )  # fmt: skip
    make_agreement(pc.kg_a1, [pc.kg_a3], state="draft", title="草稿",
                   start_date=datetime.date(2026, 3, 1), end_date=datetime.date(2028, 2, 28))  # fmt: skip
    beijing = make_agreement(pc.kg_c1, [pc.kg_c2], state="active", title="北京协议")
    _filed(town, (2025, 10, 10))
    _filed(cross, (2025, 10, 20))
    _filed(waiting, None)
    _filed(ended, (2024, 10, 1))
    _filed(beijing, (2025, 10, 1))
    make_activity(town, pc.kg_a1, pc.kg_director, day=datetime.date(2025, 10, 9), hours="4.0")
    make_activity(cross, pc.kg_b2, pc.director_b1, day=datetime.date(2025, 11, 12), hours="2.5")
    taught = make_activity(town, pc.kg_a2, pc.kg_director, day=datetime.date(2025, 12, 1), hours="1.5")
    Activity.objects.filter(pk=taught.pk).update(form=Form.SEND_TEACHING)
    make_activity(ended, pc.kg_b1, pc.director_b1, day=datetime.date(2024, 12, 30))  # another year
    make_activity(beijing, pc.kg_c1, pc.director_b1, day=datetime.date(2025, 10, 9))  # another city
    report_types_ensure_registered()
    district_summary = ReportType.objects.get(code="pairing-district-summary")
    now = timezone.now()
    Submission.objects.filter(
        pk=submission_for(report_type=district_summary, month=DEC, district=pc.district_a).pk
    ).update(state="submitted", first_submitted_at=now, submitted_at=now, on_time=True)
    submission_for(report_type=district_summary, month=DEC, district=pc.district_b)  # open, not submitted


EXPECTED = {
    "participants": 4,
    "participants_target": 6,
    "rural_in": 2,
    "rural_all": 3,
    "participation": 66.7,
    "target_share": 40.0,
    "agreements": 4,
    "mode_town_public": 1,
    "mode_starred": 1,
    "mode_cross_district": 2,
    "state_submitted": 1,
    "state_confirmed": 0,
    "state_active": 2,
    "state_completed": 0,
    "state_ended": 1,
    "late": 2,
    "late_list": "甲乙跨区协议（大洼区）、双台子区协议（双台子区）",
    "activities": 3,
    "hours": 8.0,
    "form_send_teaching": 1,
    "form_master_studio": 0,
    "form_on_site": 2,
    "form_shadowing": 0,
    "form_online": 0,
    "districts": 2,
    "districts_submitted": 1,
    "districts_missing": "双台子区",
}


def test_the_year_figures_worked_out_by_hand(pc, django_assert_max_num_queries):
    _world(pc)
    with _at(2025, 12, 20, 10, 0, 0), django_assert_max_num_queries(11):
        figures = city_year_figures(pc.city, DEC)
    assert figures == EXPECTED


def test_the_city_report_is_prefilled_and_keeps_the_figures_it_was_submitted_with(pc):
    _world(pc)
    city_type = ReportType.objects.get(code="pairing-city-summary")
    report = submission_for(report_type=city_type, month=DEC, district=pc.city)
    with _at(2025, 12, 20, 10, 0, 0):
        assert submission_prefill(report) == EXPECTED
        saved = submission_save(actor=pc.city_viewer, submission=report, data={"results": "参与率超过目标"})
        assert {k: saved.data[k] for k in EXPECTED} == EXPECTED and saved.data["results"] == "参与率超过目标"
        # The city cannot type over a figure: computed fields are the product's.
        saved = submission_save(actor=pc.city_viewer, submission=report, data={"results": "x", "agreements": 99})
        assert saved.data["agreements"] == 4
        from reports.services import submission_submit

        done = submission_submit(
            actor=pc.city_viewer, submission=report, data={"results": "成效", "problems": "问题", "plan": "打算"}
        )
    assert done.on_time is True and done.data["districts_submitted"] == 1
    # 双台子区 submits its summary afterwards: the city's submitted report keeps what it was sent with.
    district_summary = ReportType.objects.get(code="pairing-district-summary")
    now = timezone.now()
    Submission.objects.filter(report_type=district_summary, district=pc.district_b).update(
        state="submitted", first_submitted_at=now, submitted_at=now, on_time=True
    )
    done.refresh_from_db()
    assert done.data["districts_submitted"] == 1 and done.data["districts_missing"] == "双台子区"


def test_the_other_types_submissions_are_not_prefilled_by_it(pc):
    report_types_ensure_registered()
    district_summary = ReportType.objects.get(code="pairing-district-summary")
    report = submission_for(report_type=district_summary, month=DEC, district=pc.district_a)
    from pairing.report_types import _city_summary_prefill

    assert _city_summary_prefill(report) == {}
