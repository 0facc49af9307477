"""Pairing pages: lists (paginated, search, empty states, fixed queries), the plan cross-checks shown
beside both numbers, the overview, refusals with their reasons on the form, and the report engine
building the monthly pairing report from the month's agreements and activities."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pairing import services
from pairing.models import Agreement
from tests.factories import KindergartenFactory
from tests.pairing.helpers import make_activity, make_agreement, make_plan

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


def _text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def _count(client, url) -> int:
    client.get(url)  # warm-up: the signed-in user is cached from the second request
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def test_agreement_list_search_empty_state_and_fixed_queries(client, pc):
    client.force_login(pc.bureau_staff)
    url = reverse("pairing:agreements")
    assert "还没有帮扶协议。" in _text(client.get(url))
    make_agreement(pc.kg_a1, pc.kg_b1, title="第一份协议")
    few = _count(client, url)
    for n in range(12):
        make_agreement(pc.kg_a2, [pc.kg_a3], title=f"协议{n}", state="active")
    assert _count(client, url) == few
    page = _text(client.get(url, {"q": "陆家镇"}))
    assert "没有符合条件的帮扶协议。" in page
    page = _text(client.get(url, {"q": "双台子区实验"}))
    assert "第一份协议" in page and "协议3" not in page
    assert "协议3" in _text(client.get(url, {"state": "active"}))


def test_the_list_is_paginated(client, pc, settings):
    settings.PAGE_SIZE = 5
    for n in range(7):
        make_agreement(pc.kg_a1, pc.kg_b1, title=f"协议{n}")
    client.force_login(pc.kg_director)
    first = client.get(reverse("pairing:agreements"))
    assert len(first.context["page"].object_list) == 5 and first.context["page"].paginator.count == 7
    assert len(client.get(reverse("pairing:agreements"), {"page": 2}).context["page"].object_list) == 2


def test_the_draft_form_shows_every_reason(client, pc):
    client.force_login(pc.kg_director)
    body = {
        "title": "十八个月的协议", "mode": "cross_district", "helping": [pc.kg_a1.pk], "helped": [pc.kg_b1.pk],
        "start_date": "2025-09-01", "end_date": "2027-02-28", "forms": ["on_site"],
        "rights_obligations": "按年收取品牌费", "content": "帮扶内容", "goals": "目标",
    }  # fmt: skip
    page = _text(client.post(reverse("pairing:agreement-create"), body))
    assert "不足两年" in page and "品牌费" in page and "不得额外收取帮扶挂钩费" in page
    assert not Agreement.objects.exists()


def test_the_detail_shows_the_helped_kindergartens_before_and_now(client, pc):
    agreement = make_agreement(pc.kg_a1, pc.kg_b1, state="active")
    agreement.baseline = {"on": "2025-09-01", "kindergartens": {str(pc.kg_b1.pk): {
        "level": "一星级", "inspection": "71.5", "selfcheck": None, "open_orders": 3}}}  # fmt: skip
    agreement.save(update_fields=["baseline"])
    for n in range(3):
        make_activity(agreement, pc.kg_a1, pc.kg_director, day=datetime.date(2025, 10, 1 + n))
    client.force_login(pc.director_b1)
    url = reverse("pairing:agreement-detail", args=[agreement.pk])
    page = _text(client.get(url))
    assert "帮扶前 一星级 71.5 — 3" in page and "现在 未定级 — — 0" in page
    few = _count(client, url)
    for n in range(5):
        make_activity(agreement, pc.kg_b1, pc.director_b1, day=datetime.date(2025, 11, 1 + n))
    assert _count(client, url) == few


def _panjin_2024(pc):
    services.target_save(
        actor=pc.city_viewer, city=pc.city, year=2024, participants=22, rural_share=Decimal(40),
        plan_due=datetime.date(2024, 9, 5), agreements_due=datetime.date(2024, 10, 15),
    )  # fmt: skip
    make_plan(pc.district_a, year=2024, helping_count=6, helped_count=7)
    make_plan(pc.district_b, year=2024, helping_count=1, helped_count=1)
    # a third district of the city: 盘山县 3 + 3
    from tests.factories import DistrictFactory

    panshan = DistrictFactory(name="盘山县教育局", parent=pc.city)
    make_plan(panshan, year=2024, helping_count=3, helped_count=3)


def test_the_plan_page_shows_a_mismatch_beside_both_numbers(client, pc):
    _panjin_2024(pc)
    client.force_login(pc.city_viewer)
    page = _text(client.get(reverse("pairing:plans"), {"year": 2024}))
    assert "参与帮扶结对的幼儿园总数 市定目标： 22 各区县计划合计： 21 不一致" in page
    # Each district's figures against its own list and the agreements.
    assert "被帮扶园数 计划填报： 7 名单列出： 0 不一致" in page
    client.force_login(pc.bureau_staff)
    own = _text(client.get(reverse("pairing:plans"), {"year": 2024}))
    assert "大洼区教育局" in own and "双台子区教育局" not in own


def test_named_kindergartens_are_checked_against_the_registry(client, pc):
    town = KindergartenFactory(name="大洼街道城区幼儿园", township=pc.town_a)
    services.plan_save(
        actor=pc.bureau_staff, district=pc.district_a, year=2025, helping_count=1, helped_count=1,
        helping_ids=[pc.kg_a2.pk], helped_ids=[town.pk],
    )  # fmt: skip
    client.force_login(pc.bureau_staff)
    page = _text(client.get(reverse("pairing:plans"), {"year": 2025}))
    assert "被帮扶园“大洼街道城区幼儿园”所在的大洼街道城乡分类代码为 121，不是农村幼儿园。" in page
    assert "帮扶园“西安镇中心幼儿园”为二星级：不能按方式二（四、五星级帮扶）结对。" in page
    assert "参与帮扶园数 计划填报： 1 协议中： 0 不一致" in page


def test_plan_page_queries_do_not_grow_with_the_lists(client, pc):
    plan = services.plan_save(
        actor=pc.bureau_staff, district=pc.district_a, year=2025, helping_count=1, helped_count=1,
        helping_ids=[pc.kg_a1.pk], helped_ids=[pc.kg_a2.pk],
    )  # fmt: skip
    client.force_login(pc.city_viewer)
    url = reverse("pairing:plans") + "?year=2025"
    few = _count(client, url)
    extra = [KindergartenFactory(township=pc.village_a).pk for _ in range(5)]
    services.plan_save(
        actor=pc.bureau_staff, district=pc.district_a, year=2025, helping_count=1, helped_count=7,
        helping_ids=[pc.kg_a1.pk], helped_ids=[pc.kg_a2.pk, *extra],
    )  # fmt: skip
    make_plan(pc.district_b, year=2025)
    make_plan(pc.district_b, year=2024)
    assert _count(client, url) == few
    assert plan.pk


def test_overview_figures_late_list_and_fixed_queries(client, pc):
    services.target_save(
        actor=pc.city_viewer, city=pc.city, year=2025, participants=4, rural_share=Decimal(40),
        plan_due=datetime.date(2025, 9, 5), agreements_due=datetime.date(2025, 10, 15),
    )  # fmt: skip
    a = make_agreement(pc.kg_a1, [pc.kg_a2], state="active", title="按时报市的协议")
    Agreement.objects.filter(pk=a.pk).update(filed_at=datetime.datetime(2025, 10, 14, 10, tzinfo=SHANGHAI))
    late = make_agreement(pc.kg_b1, [pc.kg_b2], state="active", title="逾期报市的协议")
    # 16 October 01:00 in Beijing is still 15 October in UTC: judged on the Beijing date.
    Agreement.objects.filter(pk=late.pk).update(filed_at=datetime.datetime(2025, 10, 16, 1, tzinfo=SHANGHAI))
    make_activity(a, pc.kg_a1, pc.kg_director, day=datetime.date(2025, 10, 15), hours="2.5")
    make_activity(a, pc.kg_a2, pc.director_a2, day=datetime.date(2025, 10, 20), hours="3.0")
    client.force_login(pc.city_viewer)
    url = reverse("pairing:overview") + "?month=2025-10"
    with time_machine.travel(datetime.datetime(2025, 10, 25, 9, tzinfo=SHANGHAI), tick=False):
        response = client.get(url)
        rows = {r["district"].pk: r for r in response.context["data"]["rows"]}
        assert rows[pc.district_a.pk]["figures"]["activities"] == 2
        assert rows[pc.district_a.pk]["figures"]["hours"] == 5.5
        assert rows[pc.district_a.pk]["rural_in"] == 1  # kg_a2 (西安镇, 220) in an active agreement
        assert [x.title for x in response.context["late"]] == ["逾期报市的协议"]
        few = _count(client, url)
        for n in range(6):
            b = make_agreement(pc.kg_a1, [pc.kg_a3], state="active", title=f"协议{n}")
            make_activity(b, pc.kg_a3, pc.kg_director, day=datetime.date(2025, 10, 2))
        assert _count(client, url) == few


def test_the_monthly_pairing_report_is_built_by_the_report_engine(pc):
    from reports.access import submissions_visible_to
    from reports.models import ReportType, Submission
    from reports.services import district_report_build, report_types_ensure_registered, submissions_open

    report_types_ensure_registered()
    monthly = ReportType.objects.get(code="pairing-monthly")
    assert (monthly.due_day, monthly.period, monthly.submitter_level) == (20, "current", "district")
    a = make_agreement(pc.kg_a1, [pc.kg_b1], state="active")
    make_activity(a, pc.kg_a1, pc.kg_director, day=datetime.date(2025, 10, 9), hours="4.0")
    make_activity(a, pc.kg_b1, pc.director_b1, day=datetime.date(2025, 10, 12), hours="2.0")
    make_activity(a, pc.kg_b1, pc.director_b1, day=datetime.date(2025, 9, 12))  # another month
    month = datetime.date(2025, 10, 1)
    with time_machine.travel(datetime.datetime(2025, 10, 19, 9, tzinfo=SHANGHAI), tick=False):
        submissions_open(report_type=monthly, month=month)
        sub_a = Submission.objects.get(report_type=monthly, month=month, district=pc.district_a)
        sub_b = Submission.objects.get(report_type=monthly, month=month, district=pc.district_b)
        assert sub_a.due_date == datetime.date(2025, 10, 20)
        sub_a = district_report_build(actor=pc.bureau_staff, submission=sub_a)
        sub_b = district_report_build(actor=pc.admin_b, submission=sub_b)
    assert sub_a.data["agreements"] == 1 and sub_a.data["helping"] == 1 and sub_a.data["helped"] == 0
    assert sub_a.data["activities"] == 1 and sub_a.data["hours"] == 4.0 and sub_a.data["form_on_site"] == 1
    assert sub_b.data["helped"] == 1 and sub_b.data["activities"] == 1
    assert sub_a.data["contributions"] == []
    assert set(submissions_visible_to(pc.city_viewer).filter(report_type=monthly)) == {sub_a, sub_b}


def test_the_december_summaries_are_owed_in_december_by_the_paired_kindergartens(pc):
    from reports.models import ReportType, Submission
    from reports.services import report_types_ensure_registered, submissions_open

    report_types_ensure_registered()
    from django.utils import timezone

    year = timezone.localdate().year
    make_agreement(
        pc.kg_a1, [pc.kg_b1], state="active",
        start_date=datetime.date(year - 1, 9, 1), end_date=datetime.date(year + 1, 8, 31),
    )  # fmt: skip
    kg_summary = ReportType.objects.get(code="pairing-kg-summary")
    district_summary = ReportType.objects.get(code="pairing-district-summary")
    assert (kg_summary.due_day, district_summary.due_day) == (10, 20)
    # The cast's kindergartens are registered today: this year's December is the one they owe.
    from django.utils import timezone

    december = timezone.localdate().replace(month=12, day=1)
    assert submissions_open(report_type=kg_summary, month=december.replace(month=11)) == 0
    submissions_open(report_type=kg_summary, month=december)
    owed = set(Submission.objects.filter(report_type=kg_summary).values_list("kindergarten_id", flat=True))
    assert owed == {pc.kg_a1.pk, pc.kg_b1.pk}
    assert submissions_open(report_type=district_summary, month=december) >= 2


def test_the_home_card_shows_participation_against_the_target(client, pc):
    from django.utils import timezone

    today = timezone.localdate()
    services.target_save(
        actor=pc.city_viewer, city=pc.city, year=today.year, participants=4, rural_share=Decimal(40),
        plan_due=today, agreements_due=today,
    )  # fmt: skip
    make_agreement(
        pc.kg_a1, [pc.kg_a2], state="active",
        start_date=today - datetime.timedelta(days=30), end_date=today + datetime.timedelta(days=800),
    )  # fmt: skip
    client.force_login(pc.city_viewer)
    page = _text(client.get("/"))
    # Rural and operating: kg_a2 and kg_a3 (西安镇, 220) in A, kg_b2 (陆家镇, 220) in B; kg_a2 is paired.
    assert "农村幼儿园帮扶参与率 33.3%（1 / 3 所）" in page and f"{today.year}年目标 40.0%" in page
    client.force_login(pc.kg_director)
    assert "农村幼儿园帮扶参与率" not in _text(client.get("/"))


def test_a_district_sees_its_own_checks_not_the_citys_total(client, pc):
    _panjin_2024(pc)
    client.force_login(pc.bureau_staff)
    response = client.get(reverse("pairing:plans"), {"year": 2024})
    assert response.context["checks"]["city_checks"] == []
    assert "各区县计划合计" not in _text(response)


def test_the_late_list_of_a_district_holds_the_agreements_of_its_kindergartens(client, pc):
    services.target_save(
        actor=pc.city_viewer, city=pc.city, year=2025, participants=4, rural_share=Decimal(40),
        plan_due=datetime.date(2025, 9, 5), agreements_due=datetime.date(2025, 10, 15),
    )  # fmt: skip
    drafted_in_a = make_agreement(pc.kg_a1, [pc.kg_b1], state="submitted", title="甲区起草的跨区域协议")
    assert drafted_in_a.district_id == pc.district_a.pk
    client.force_login(pc.admin_b)
    with time_machine.travel(datetime.datetime(2025, 10, 20, 9, tzinfo=SHANGHAI), tick=False):
        late = client.get(reverse("pairing:overview"), {"month": "2025-10"}).context["late"]
    assert [a.title for a in late] == ["甲区起草的跨区域协议"]


def test_the_plan_page_shows_the_cycles_participation(client, pc):
    for year in (2024, 2025, 2026):
        services.target_save(
            actor=pc.city_viewer, city=pc.city, year=year, participants=4, rural_share=Decimal(40),
            plan_due=datetime.date(year, 9, 5), agreements_due=datetime.date(year, 10, 15),
        )  # fmt: skip
    # kg_a2 took part in an agreement that ended early; kg_a3 and kg_b2 (rural too) never did.
    make_agreement(pc.kg_a1, [pc.kg_a2], state="ended", end_reason="停办")
    make_agreement(pc.kg_a1, [pc.kg_a3], state="draft")
    client.force_login(pc.city_viewer)
    page = _text(client.get(reverse("pairing:plans"), {"year": 2025}))
    assert "2024—2026年周期内参与过帮扶的农村幼儿园 1 所（33.3%，周期目标 100.0%）" in page
