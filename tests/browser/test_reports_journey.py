"""Monthly reports end to end (issue 8): a director fills and submits February's report on 9 March;
another submits on 11 March and is marked late; the bureau returns one with a reason, approves the
other, builds the district report and downloads it; the city viewer sees the district's rate.

The clock runs (tick=True) from a Beijing time set for each step, for the live server and this test.
"""

import datetime
import zoneinfo

import pytest
import time_machine
from openpyxl import load_workbook
from playwright.sync_api import expect

from core import jobs
from kindergartens.models import KindergartenStatusChange
from reports.models import ReportType, Submission
from reports.services import report_types_ensure_defaults, submissions_open
from tests.browser.conftest import login, logout
from tests.jobs import run_queued_jobs

pytestmark = pytest.mark.browser
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
FEB = datetime.date(2025, 2, 1)
REASON = "教职工人数与花名册不一致，请核对。"


def beijing(*args):
    return time_machine.travel(datetime.datetime(*args, tzinfo=SHANGHAI), tick=True)


@pytest.fixture
def queued(monkeypatch):
    sent = []
    monkeypatch.setattr(jobs, "_enqueue", lambda job_id, actor_id: sent.append(job_id))
    return sent


def _fill_and_submit(page, *, children: str, drill_date: str):
    page.get_by_label("月末在园幼儿数").fill(children)
    page.get_by_label("月末班级数").fill("4")
    page.get_by_label("月末教职工总数").fill("18")
    page.get_by_label("本月新入职").fill("1")
    page.get_by_label("本月离职").fill("0")
    page.locator("#f-video_checked-yes").check()
    page.locator("#f-video_full_coverage-yes").check()
    page.get_by_label("录像保存天数").fill("30")
    page.locator("#f-video_networked-yes").check()
    page.locator("input[name=drills-0-date]").fill(drill_date)
    page.locator("select[name=drills-0-kind]").select_option("fire")
    page.locator("input[name=drills-0-participants]").fill("120")
    page.get_by_label("确认本月无安全事故").check()
    with page.expect_navigation():
        page.get_by_test_id("submit").click()


def test_monthly_report_journey(page, live_server, browser_cast, queued, tmp_path):
    cast = browser_cast
    KindergartenStatusChange.objects.filter(kindergarten__in=[cast.kg_a1, cast.kg_a2, cast.kg_b1]).update(
        effective_date=datetime.date(2024, 1, 1)
    )
    report_types_ensure_defaults()
    kg_type = ReportType.objects.get(code="kg-monthly")
    district_type = ReportType.objects.get(code="district-monthly")
    with beijing(2025, 3, 1, 0, 30):  # what the monthly task does
        submissions_open(report_type=kg_type, month=FEB)
        submissions_open(report_type=district_type, month=FEB)

    # 9 March: the director sees the deadline, fills the prefilled form and submits on time.
    with beijing(2025, 3, 9, 10, 0):
        login(page, live_server, cast.kg_director.username)
        page.goto("/reports/")
        due = page.get_by_test_id("inbox-due")
        expect(due).to_contain_text("2025年3月10日截止（还有 1 天）")
        with page.expect_navigation():
            due.get_by_role("link").first.click()
        expect(page.get_by_label("月末在园幼儿数")).to_have_value("20")  # from the registry's classes
        _fill_and_submit(page, children="20", drill_date="2025-02-12")
        expect(page.locator("main")).to_contain_text("报表已报送。")
        expect(page.get_by_test_id("on-time")).to_be_visible()
        logout(page)

    # 11 March: another director submits a day late and is told so.
    with beijing(2025, 3, 11, 9, 0):
        login(page, live_server, cast.director_a2.username)
        page.goto("/reports/")
        overdue = page.get_by_test_id("inbox-overdue")
        expect(overdue).to_contain_text("可补报至 3月15日（标记为逾期）")
        with page.expect_navigation():
            overdue.get_by_role("link").first.click()
        _fill_and_submit(page, children="20", drill_date="2025-02-20")
        expect(page.locator("main")).to_contain_text("已标记为逾期报送")
        expect(page.get_by_test_id("late")).to_be_visible()
        logout(page)

    # 12 March: the bureau sees the rates, returns one with a reason, approves the other.
    with beijing(2025, 3, 12, 9, 0):
        login(page, live_server, cast.bureau_staff.username)
        page.goto(f"/reports/completeness/?type={kg_type.pk}&month=2025-02")
        row = page.get_by_test_id("rate-大洼区")
        expect(row).to_contain_text("100.0%")  # both submitted
        expect(row).to_contain_text("50.0%")  # one on time
        page.goto("/reports/review/")
        queue = page.get_by_test_id("review-queue")
        expect(queue.locator("tbody tr")).to_have_count(2)
        with page.expect_navigation():
            queue.get_by_role("row").filter(has_text=cast.kg_a1.name).get_by_role("link").first.click()
        page.get_by_label("退回理由（必填）").fill(REASON)
        with page.expect_navigation():
            page.get_by_test_id("return").click()
        expect(page.get_by_test_id("return-reason")).to_contain_text(REASON)
        page.goto("/reports/review/")
        with page.expect_navigation():
            page.get_by_test_id("review-queue").get_by_role("button", name="通过").click()
        expect(page.get_by_test_id("review-empty")).to_be_visible()

        # The district report: built on the worker, then downloaded.
        page.goto("/reports/")
        with page.expect_navigation():
            page.get_by_test_id("inbox-overdue").get_by_role("link").filter(has_text="督导月报").click()
        with page.expect_navigation():
            page.get_by_test_id("build").click()
        assert len(queued) == 1
        run_queued_jobs()
        expect(page.get_by_test_id("value-expected")).to_contain_text("2", timeout=15_000)
        expect(page.get_by_test_id("value-submitted")).to_contain_text("2")
        page.get_by_label("本月工作情况与问题说明").fill("本月各园均已报送，一所退回修改。")
        with page.expect_navigation():
            page.get_by_test_id("submit").click()
        with page.expect_download() as download_info:
            page.get_by_test_id("download-excel").click()
        path = tmp_path / "district.xlsx"
        download_info.value.save_as(path)
        ws = load_workbook(path).active
        assert ws["A1"].value == "大洼区2025年2月区县学前教育督导月报"
        cells = {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(1, ws.max_row + 1)}
        assert cells["应报园数"] == 2 and cells["按时报送园数"] == 1
        logout(page)

    # The city viewer sees the district's rate one level up.
    with beijing(2025, 3, 12, 15, 0):
        login(page, live_server, cast.city_viewer.username)
        page.goto(f"/reports/completeness/?type={district_type.pk}&month=2025-02")
        expect(page.get_by_test_id("rate-大洼区")).to_contain_text("100.0%")
        expect(page.get_by_test_id("rate-双台子区")).to_contain_text("0.0%")
        expect(page.get_by_test_id("district-reports")).to_contain_text("大洼区")
        # ...and, receiving it, approves the district's report (its only write).
        report_row = page.get_by_test_id("district-report-大洼区")
        expect(report_row).to_contain_text("待审核")
        expect(report_row).to_contain_text("100.0%")  # the kindergartens' reporting rate in the report
        with page.expect_navigation():
            report_row.get_by_role("link", name="大洼区").click()
        with page.expect_navigation():
            page.get_by_test_id("approve").click()
        expect(page.locator("main")).to_contain_text("已审核通过。")
    assert Submission.objects.get(report_type=district_type, district=cast.district_a).state == "approved"
    returned = Submission.objects.get(report_type=kg_type, kindergarten=cast.kg_a1)
    assert (returned.state, returned.return_reason) == ("returned", REASON)
