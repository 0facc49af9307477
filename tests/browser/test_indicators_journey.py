"""Indicators end to end (issue 13): the district clerk's home page leads with the dashboard; they
import the townships' resident children (a bad file first: every problem by row, nothing saved),
set a target, open 毛入园率 (formula, numerator and denominator, townships, the kindergartens behind
it with why), export the dashboard and check the workbook; the city viewer sees the districts ranked
and the chart drawn from the table's numbers; the page prints without navigation."""

import pytest
from openpyxl import Workbook, load_workbook
from playwright.sync_api import expect

from indicators.models import ResidentChildren, Target
from indicators.services import today
from kindergartens.models import KindergartenClass
from kindergartens.services import kindergarten_update
from tests.browser.conftest import login, logout

pytestmark = pytest.mark.browser


def _workbook(path, rows):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["街道/乡镇", "年度", "3–5 岁常住适龄儿童数", "数据来源", "数据日期", "是否估算"])
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def test_indicators_journey(page, live_server, browser_cast, tmp_path):
    cast = browser_cast
    year = today().year
    KindergartenClass.objects.filter(kindergarten=cast.kg_a1).update(children=25)  # 大洼街道: 25
    KindergartenClass.objects.filter(kindergarten=cast.kg_a2).update(children=15)  # 西安镇: 15
    kindergarten_update(
        actor=None, kindergarten=cast.kg_b1, changes={"status": "suspended"}, effective_date=today(), check_rights=False
    )

    login(page, live_server, "bureau_staff")
    home = page.get_by_test_id("home-indicators")
    expect(home).to_contain_text("学前三年毛入园率")
    expect(page.get_by_test_id("home-card-gross-enrolment")).to_contain_text("暂无数据")

    # Import: a bad file names every problem by row and saves nothing.
    page.goto(f"{live_server.url}/indicators/residents/import/")
    bad = _workbook(
        tmp_path / "bad.xlsx",
        [["大洼街道", year, -1, "公安", f"{year}-01-05"], ["红旗街道", year, 10, "公安", f"{year}-01-05"]],
    )
    page.locator("input[type=file][name=file]").set_input_files(bad)
    with page.expect_navigation():
        page.get_by_test_id("upload-residents").click()
    problems = page.get_by_test_id("row-problems")
    expect(problems).to_contain_text("第 2 行")
    expect(problems).to_contain_text("不能为负数")
    expect(problems).to_contain_text("“红旗街道”不是本区县的街道/乡镇")
    assert ResidentChildren.objects.count() == 0
    good = _workbook(
        tmp_path / "good.xlsx",
        [["大洼街道", year, 50, "公安", f"{year}-01-05", "否"], ["西安镇", year, 30, "卫健", f"{year}-01-05", "是"]],
    )
    page.locator("input[type=file][name=file]").set_input_files(good)
    with page.expect_navigation():
        page.get_by_test_id("upload-residents").click()
    expect(page.get_by_test_id("resident-table")).to_contain_text("西安镇")
    assert ResidentChildren.objects.count() == 2

    # A target from the district's plan.
    page.goto(f"{live_server.url}/indicators/targets/new/")
    page.get_by_label("指标").select_option(label="学前三年毛入园率")
    page.get_by_label("目标年度").fill(str(year))
    page.get_by_label("目标值").fill("90")
    with page.expect_navigation():
        page.get_by_test_id("save-target").click()
    expect(page.get_by_test_id("target-table")).to_contain_text("学前三年毛入园率")
    assert Target.objects.get().value == 90

    # The dashboard: 40 / 80 = 50.0%, short of 90%.
    page.goto(f"{live_server.url}/indicators/")
    expect(page.get_by_test_id("value-gross-enrolment")).to_have_text("50.0%")
    expect(page.get_by_test_id("target-gross-enrolment")).to_have_text("90.0%")
    expect(page.get_by_test_id("note-gross-enrolment")).to_contain_text("估算")
    page.get_by_role("link", name="学前三年毛入园率").first.click()
    expect(page.get_by_test_id("formula")).to_contain_text("在园幼儿数 ÷ 3–5 岁常住适龄儿童数")
    expect(page.get_by_test_id("numerator")).to_have_text("40")
    expect(page.get_by_test_id("denominator")).to_have_text("80")
    expect(page.get_by_test_id("township-table")).to_contain_text("西安镇")
    expect(page.get_by_test_id("drill-down")).to_contain_text(cast.kg_a1.name)
    expect(page.get_by_test_id("rule")).to_contain_text("可能超过 100%")

    # Export: the workbook says the month, who exported it, and the figure.
    page.goto(f"{live_server.url}/indicators/")
    with page.expect_download() as download_info:
        page.get_by_test_id("export-xlsx").click()
    saved = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(saved)
    assert saved.suffix == ".xlsx"
    sheet = load_workbook(saved)["指标"]
    assert "大洼区" in sheet["A1"].value and cast.bureau_staff.display_name in sheet["A2"].value
    row = next(r for r in range(5, 14) if sheet.cell(row=r, column=1).value == "学前三年毛入园率")
    assert sheet.cell(row=row, column=2).value == "50.0%"

    # Printing: the navigation and the controls are gone.
    page.emulate_media(media="print")
    expect(page.locator("nav.navbar")).to_be_hidden()
    expect(page.get_by_test_id("indicator-filter")).to_be_hidden()
    page.emulate_media(media="screen")
    logout(page)

    # The city: districts ranked; the chart is drawn from the ranking table's numbers.
    login(page, live_server, "city_viewer")
    page.goto(f"{live_server.url}/indicators/")
    ranking = page.get_by_test_id("ranking-gross-enrolment")
    expect(ranking).to_contain_text("大洼区")
    expect(ranking).to_contain_text("双台子区")
    page.goto(f"{live_server.url}/indicators/gross-enrolment/")
    expect(page.get_by_test_id("district-ranking")).to_contain_text("50.0%")
    expect(page.locator(".chart svg").first).to_be_visible()
