"""变更备案 end to end: a director files a change; the bureau returns it once with a reason, then approves it."""

import pytest
from playwright.sync_api import expect

from kindergartens.services import filing_approve
from tests.browser.conftest import login, logout

pytestmark = pytest.mark.browser

REASON = "请附上新园长的任命文件。"


def test_director_files_bureau_returns_then_approves(page, live_server, browser_cast):
    cast = browser_cast
    # The cast starts with an open filing for every kindergarten; settle kg_a1's so its director may file.
    filing_approve(actor=cast.bureau_staff, filing=cast.filing_a1)
    kg = cast.kg_a1

    # The director opens the filing form from the filings page and changes two fields.
    login(page, live_server, cast.kg_director.username)
    page.goto("/kindergartens/filings/")
    with page.expect_navigation():
        page.get_by_role("link", name="申请变更备案").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("大洼区第一幼儿园")
    expect(page.get_by_label("园所名称")).to_have_value("大洼区第一幼儿园")  # pre-filled with the record
    page.get_by_label("园长姓名").fill("张新园")
    page.get_by_label("学位数").fill("360")
    page.get_by_label("变更说明").fill("原园长退休，新园长到任。")
    with page.expect_navigation():
        page.get_by_role("button", name="提交备案").click()
    expect(page.get_by_test_id("filing-state")).to_have_text("待审核")
    logout(page)

    # The bureau finds it in the review queue and sees exactly the two differences.
    login(page, live_server, cast.bureau_staff.username)
    page.goto("/kindergartens/filings/")
    row = page.get_by_test_id("filing-list").get_by_role("row").filter(has_text="大洼区第一幼儿园")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("学位数、园长姓名")
    with page.expect_navigation():
        row.get_by_role("link", name="审核").click()
    diff = page.get_by_test_id("filing-diff")
    expect(diff.locator("tbody tr")).to_have_count(2)
    expect(diff.locator("tr[data-field=capacity]")).to_contain_text("321")
    expect(diff.locator("tr[data-field=capacity]")).to_contain_text("360")
    expect(diff.locator("tr[data-field=principal_name]")).to_contain_text("张新园")

    # Returning needs a reason: an empty one is refused on the return form.
    with page.expect_navigation():
        page.get_by_role("button", name="退回").click()
    expect(page.locator("main")).to_contain_text("退回时必须填写理由。")
    page.get_by_label("退回理由").fill(REASON)
    with page.expect_navigation():
        page.get_by_test_id("confirm").click()
    expect(page.get_by_test_id("filing-state")).to_have_text("已退回")
    logout(page)

    # The director sees the outcome with the reason, revises and resubmits.
    login(page, live_server, cast.kg_director.username)
    page.goto("/kindergartens/filings/")
    mine = page.get_by_test_id("filing-list").get_by_role("row").filter(has_text="园长姓名")
    expect(mine.get_by_test_id("filing-state")).to_have_text("已退回")
    with page.expect_navigation():
        mine.get_by_role("link", name="查看").click()
    expect(page.get_by_test_id("return-reason")).to_contain_text(REASON)
    with page.expect_navigation():
        page.get_by_role("link", name="修改后重新提交").click()
    expect(page.get_by_label("园长姓名")).to_have_value("张新园")  # the returned proposal, ready to revise
    page.get_by_label("变更说明").fill("原园长退休，新园长到任。任命文件：大洼教发〔2026〕12号。")
    with page.expect_navigation():
        page.get_by_role("button", name="重新提交").click()
    expect(page.get_by_test_id("filing-state")).to_have_text("待审核")
    logout(page)

    # The bureau approves after the confirmation step.
    login(page, live_server, cast.bureau_staff.username)
    page.goto("/kindergartens/filings/")
    row = page.get_by_test_id("filing-list").get_by_role("row").filter(has_text="大洼区第一幼儿园")
    with page.expect_navigation():
        row.get_by_role("link", name="审核").click()
    with page.expect_navigation():
        page.get_by_role("link", name="审核通过").click()
    with page.expect_navigation():
        page.get_by_test_id("confirm").click()
    expect(page.get_by_test_id("filing-state")).to_have_text("已通过")
    expect(page.get_by_test_id("filing-events")).to_contain_text(REASON)  # the return stays in the timeline

    # The record now carries the new principal.
    page.goto(f"/kindergartens/{kg.pk}/")
    expect(page.locator("main")).to_contain_text("张新园")
    logout(page)

    # And the director sees that it went through.
    login(page, live_server, cast.kg_director.username)
    page.goto("/kindergartens/filings/")
    mine = page.get_by_test_id("filing-list").get_by_role("row").filter(has_text="园长姓名")
    expect(mine.get_by_test_id("filing-state")).to_have_text("已通过")
