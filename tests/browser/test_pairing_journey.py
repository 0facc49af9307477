"""Pairing end to end (issue 12): two directors of different districts draft an agreement (an 18-month
one and one mentioning a 品牌费 are refused with their reasons), both bureaus confirm it, activities are
logged from both sides, and the districts' monthly pairing reports on the 20th show them; the city
viewer sees them in the overview.

The clock runs (tick=True) from a Beijing time set for each step, for the live server and this test.
"""

import datetime
import zoneinfo

import pytest
import time_machine
from playwright.sync_api import expect

from core import jobs
from pairing.models import Activity, Agreement
from reports.models import ReportType, Submission
from reports.services import report_types_ensure_registered, submissions_open
from tests.browser.conftest import login, logout
from tests.jobs import run_queued_jobs
from tests.pairing.helpers import PDF, pairing_setup

pytestmark = pytest.mark.browser
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
OCT = datetime.date(2025, 10, 1)


def beijing(*args):
    return time_machine.travel(datetime.datetime(*args, tzinfo=SHANGHAI), tick=True)


@pytest.fixture
def queued(monkeypatch):
    sent = []
    monkeypatch.setattr(jobs, "_enqueue", lambda job_id, actor_id: sent.append(job_id))
    return sent


def _save(page):
    with page.expect_navigation():
        page.get_by_role("button", name="保存草稿").click()


def _log_activity(page, *, day: str, hours: str, content: str, evidence: bool = False):
    with page.expect_navigation():
        page.get_by_test_id("log-activity").click()
    page.get_by_label("活动日期").fill(day)
    page.get_by_label("帮扶园参与人数", exact=True).fill("3")
    page.get_by_label("被帮扶园参与人数").fill("8")
    page.get_by_label("时长（小时）").fill(hours)
    page.get_by_label("活动内容").fill(content)
    if evidence:
        page.locator("input[name=files]").set_input_files(
            files=[{"name": "签到表.pdf", "mimeType": "application/pdf", "buffer": PDF}]
        )
    with page.expect_navigation():
        page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("帮扶活动已登记。")).to_be_visible()


def _district_report(page, live_server, username: str, district, activities: str, queued_count: int, queued):
    sub = Submission.objects.get(report_type__code="pairing-monthly", month=OCT, district=district)
    login(page, live_server, username)
    page.goto(f"/reports/submissions/{sub.pk}/")
    with page.expect_navigation():
        page.get_by_test_id("build").click()
    assert len(queued) == queued_count
    run_queued_jobs()
    expect(page.get_by_test_id("value-activities")).to_contain_text(activities, timeout=15_000)
    expect(page.get_by_test_id("value-agreements")).to_contain_text("1")
    page.get_by_label("本月帮扶推进情况、经验做法与典型事例").fill("跨区域结对已启动，双方各开展一次活动。")
    with page.expect_navigation():
        page.get_by_test_id("submit").click()
    logout(page)


def test_pairing_journey(page, live_server, browser_cast, queued):
    cast = pairing_setup(browser_cast)
    report_types_ensure_registered()

    with beijing(2025, 9, 10, 9, 0):
        # The director of 大洼区第一幼儿园 drafts a cross-district agreement with 双台子区实验幼儿园.
        login(page, live_server, cast.kg_director.username)
        page.goto("/pairing/agreements/")
        expect(page.get_by_test_id("empty")).to_contain_text("还没有帮扶协议")
        with page.expect_navigation():
            page.get_by_test_id("new-agreement").click()
        page.get_by_label("协议名称").fill("大洼区第一幼儿园与双台子区实验幼儿园结对帮扶协议")
        page.get_by_label("帮扶方式").select_option("cross_district")
        page.locator("select[name=helping]").select_option(str(cast.kg_a1.pk))
        page.locator("select[name=helped]").select_option(str(cast.kg_b1.pk))
        page.get_by_label("开始日期").fill("2025-09-15")
        page.get_by_label("结束日期").fill("2027-03-14")  # 18 months
        page.get_by_label("入园指导").check()
        page.get_by_label("送教下乡").check()
        page.get_by_label("双方权利义务").fill("帮扶园每月派骨干教师入园指导；被帮扶园派教师跟岗。")
        page.get_by_label("帮扶内容").fill("一日活动组织与游戏化教学。")
        page.get_by_label("帮扶目标与措施").fill("两年内保教质量评估达到合格以上。")
        _save(page)
        expect(page.locator("#field-end_date")).to_contain_text("不足两年")
        expect(page.locator("#field-end_date")).to_contain_text("帮扶不少于两年")
        # Two years now, but the text asks for a brand fee.
        page.get_by_label("结束日期").fill("2027-09-14")
        page.get_by_label("帮扶内容").fill("一日活动组织与游戏化教学，被帮扶园每年缴纳品牌费一万元。")
        _save(page)
        expect(page.get_by_role("alert")).to_contain_text("协议文本中出现“品牌费”，不能提交")
        expect(page.get_by_role("alert")).to_contain_text("不得额外收取帮扶挂钩费")
        assert not Agreement.objects.exists()
        page.get_by_label("帮扶内容").fill("一日活动组织与游戏化教学。")
        _save(page)
        expect(page.get_by_text("协议草稿已保存")).to_be_visible()
        logout(page)

        # The other director adds a measure and submits it to both bureaus.
        login(page, live_server, cast.director_b1.username)
        page.goto("/pairing/agreements/")
        with page.expect_navigation():
            page.get_by_role("link", name="查看").click()
        with page.expect_navigation():
            page.get_by_role("link", name="修改").click()
        page.get_by_label("帮扶目标与措施").fill("两年内保教质量评估达到合格以上；每学期一次联合教研。")
        _save(page)
        with page.expect_navigation():
            page.get_by_test_id("submit").click()
        expect(page.get_by_test_id("agreement-state")).to_contain_text("待教育局确认")
        logout(page)
    agreement = Agreement.objects.get()

    with beijing(2025, 9, 20, 10, 0):
        for username in (cast.bureau_staff.username, cast.admin_b.username):
            login(page, live_server, username)
            page.goto(f"/pairing/agreements/{agreement.pk}/")
            with page.expect_navigation():
                page.get_by_test_id("confirm").click()
            expect(page.get_by_text("已确认该协议。")).to_be_visible()
            logout(page)
    agreement.refresh_from_db()
    assert agreement.state == Agreement.State.ACTIVE and agreement.filed_at is not None

    with beijing(2025, 10, 12, 16, 0):
        login(page, live_server, cast.kg_director.username)
        page.goto(f"/pairing/agreements/{agreement.pk}/")
        _log_activity(page, day="2025-10-09", hours="4", content="入园指导：区域游戏材料投放")
        logout(page)
        login(page, live_server, cast.director_b1.username)
        page.goto(f"/pairing/agreements/{agreement.pk}/")
        _log_activity(page, day="2025-10-12", hours="3.5", content="送教下乡：绘本阅读示范课", evidence=True)
        expect(page.get_by_test_id("activity-list")).to_contain_text("签到表.pdf")
        logout(page)
    assert Activity.objects.count() == 2

    # The monthly pairing report, due on the 20th: each district builds it from the month's activities.
    with beijing(2025, 10, 19, 9, 0):
        monthly = ReportType.objects.get(code="pairing-monthly")
        submissions_open(report_type=monthly, month=OCT)
        _district_report(page, live_server, cast.bureau_staff.username, cast.district_a, "1", 1, queued)
        _district_report(page, live_server, cast.admin_b.username, cast.district_b, "1", 2, queued)
        for sub in Submission.objects.filter(
            report_type=monthly, month=OCT, district__in=[cast.district_a, cast.district_b]
        ):
            assert sub.on_time is True and sub.data["activities"] == 1

        # The city viewer sees both districts' month in the overview.
        login(page, live_server, cast.city_viewer.username)
        page.goto("/pairing/overview/?month=2025-10")
        overview = page.get_by_test_id("overview")
        expect(overview).to_contain_text("大洼区教育局")
        expect(overview).to_contain_text("7.5")  # 4 + 3.5 hours, the city's total
