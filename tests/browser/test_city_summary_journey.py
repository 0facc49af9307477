"""The city's December pairing summary end to end (issue 12): on 22 December the city viewer finds
市帮扶工作年度总结 on its home page, opens it, sees the year's figures the product filled in, writes its
results, problems and next steps, submits, and sees it marked on time (due the 28th, Beijing).

The clock runs (tick=True) from a Beijing time, for the live server and this test.
"""

import datetime
import zoneinfo

import pytest
import time_machine
from playwright.sync_api import expect

from kindergartens.models import KindergartenStatusChange
from reports.models import ReportType, Submission
from reports.services import report_types_ensure_registered, submissions_open
from tests.browser.conftest import login

pytestmark = pytest.mark.browser
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
DEC = datetime.date(2025, 12, 1)


def beijing(*args):
    return time_machine.travel(datetime.datetime(*args, tzinfo=SHANGHAI), tick=True)


def test_the_city_files_its_december_summary(page, live_server, browser_cast):
    cast = browser_cast
    KindergartenStatusChange.objects.update(effective_date=datetime.date(2024, 1, 1))
    report_types_ensure_registered()
    city_type = ReportType.objects.get(code="pairing-city-summary")
    with beijing(2025, 12, 1, 0, 30):  # what the daily task does on the 1st
        submissions_open(report_type=city_type, month=DEC)

    with beijing(2025, 12, 22, 10, 0):
        login(page, live_server, cast.city_viewer.username)
        page.goto(f"{live_server.url}/")
        card = page.get_by_test_id("reports-inbox-card")
        expect(card).to_contain_text("盘锦市 2025年12月市帮扶工作年度总结")
        expect(card).to_contain_text("2025年12月28日截止（还有 6 天）")
        with page.expect_navigation():
            card.get_by_role("link", name="盘锦市 2025年12月市帮扶工作年度总结").click()
        expect(page.locator("main")).to_contain_text("省教育厅（平台外报送）")
        expect(page.get_by_test_id("value-districts")).to_contain_text("2")
        expect(page.get_by_test_id("value-districts_missing")).to_contain_text("大洼区、双台子区")
        page.locator("#f-results").fill("全市农村幼儿园帮扶参与率达到年度目标。")
        page.locator("#f-problems").fill("个别协议长期无活动。")
        page.locator("#f-plan").fill("扩大跨区域结对，落实月调度。")
        with page.expect_navigation():
            page.get_by_test_id("submit").click()
        expect(page.locator("main")).to_contain_text("报表已报送。")
        expect(page.get_by_test_id("on-time")).to_be_visible()
        expect(page.get_by_test_id("submission-state")).to_have_text("已报送")
        expect(page.get_by_test_id("approve")).to_have_count(0)  # nobody reviews it in the portal

        # 我的月报 lists it among the recent submissions.
        page.goto(f"{live_server.url}/reports/")
        expect(page.get_by_test_id("inbox-recent")).to_contain_text("市帮扶工作年度总结")
    report = Submission.objects.get(report_type=city_type, district=cast.city)
    assert (report.state, report.on_time, report.submitted_by_id) == ("submitted", True, cast.city_viewer.pk)
    assert report.data["plan"] == "扩大跨区域结对，落实月调度。"
