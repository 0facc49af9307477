"""督导与整改 end to end, the supervisor on a phone-sized screen: plan and fill an inspection, fail
an item and issue an order; the director answers with a photo; the supervisor returns it once,
then accepts it."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login
from tests.supervision.files import PNG

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def logout(page):
    """On a phone the menu is folded behind the toggler: open it, then the user menu, then 退出登录."""
    page.locator(".navbar-toggler").click()
    expect(page.locator("#mainnav")).to_have_class(re.compile(r"\bshow\b"))
    page.get_by_test_id("user-menu").click()
    with page.expect_navigation():
        page.get_by_role("button", name="退出登录").click()


PHOTO = {"name": "现场照片.png", "mimeType": "image/png", "buffer": PNG}


def test_inspect_on_a_phone_order_answer_return_accept(page, live_server, browser_cast):
    cast = browser_cast
    page.set_viewport_size(PHONE)

    login(page, live_server, cast.supervisor.username)
    page.goto("/supervision/inspections/")
    with page.expect_navigation():
        page.get_by_test_id("plan-links").get_by_role("link", name="大洼区第一幼儿园").click()
    page.get_by_label("检查模板").select_option(label="幼儿园保育教育质量评估指南（2022）（第1版）")
    with page.expect_navigation():
        page.get_by_test_id("plan").click()
    with page.expect_navigation():
        page.get_by_test_id("start").click()
    # No horizontal scrolling on the phone: the page is as wide as the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    for card in page.locator("[data-testid^=item-]").all():
        code = card.get_attribute("data-testid").removeprefix("item-")
        card.get_by_text("不符合" if code == "3.2" else "符合", exact=True).click()
        if code == "3.2":
            card.get_by_label("说明").fill("教师与幼儿互动少，以集体讲授为主")
        if "须附佐证" in card.inner_text():
            card.locator("input[type=file]").set_input_files(PHOTO)
        with page.expect_navigation():
            card.get_by_role("button", name="保存此项").click()
    failed = page.get_by_test_id("item-3.2")
    failed.get_by_label("整改要求").fill("组织师幼互动专题教研，一个月内提交改进记录。")
    failed.get_by_label("严重程度").select_option(label="较重")
    with page.expect_navigation():
        failed.get_by_role("button", name="下达整改通知").click()
    expect(page.get_by_test_id("item-3.2")).to_contain_text("整改通知")
    page.get_by_label("检查意见").fill("总体良好，师幼互动需加强。")
    with page.expect_navigation():
        page.get_by_test_id("submit-inspection").click()
    expect(page.get_by_test_id("inspection-state")).to_have_text("已提交")
    expect(page.get_by_test_id("inspection-score")).to_contain_text("得分 91.2 分")
    order_link = page.get_by_test_id("item-3.2").get_by_role("link")
    order_url = order_link.get_attribute("href")
    logout(page)

    # The director answers with a photo.
    login(page, live_server, cast.kg_director.username)
    page.goto(order_url)
    expect(page.get_by_test_id("order-state")).to_have_text("待整改")
    with page.expect_navigation():
        page.get_by_test_id("respond").click()
    page.get_by_label("整改情况").fill("已组织两次专题教研，附活动照片。")
    page.get_by_label("佐证材料").set_input_files(PHOTO)
    with page.expect_navigation():
        page.get_by_test_id("submit-response").click()
    expect(page.get_by_test_id("order-state")).to_have_text("待验收")
    expect(page.get_by_test_id("evidence-link")).to_have_count(1)
    logout(page)

    # The supervisor returns it once (a reason is required), the director answers again.
    login(page, live_server, cast.supervisor.username)
    page.goto(order_url)
    actions = page.get_by_test_id("verify-actions")
    with page.expect_navigation():
        actions.get_by_test_id("return").click()
    expect(page.locator("main")).to_contain_text("请修正下面标出的错误")
    page.get_by_label("退回原因").fill("照片看不出活动内容，请补充教研记录。")
    with page.expect_navigation():
        page.get_by_test_id("return").click()
    expect(page.get_by_test_id("order-state")).to_have_text("已退回")
    logout(page)

    login(page, live_server, cast.kg_director.username)
    page.goto(order_url)
    expect(page.get_by_test_id("return-reason")).to_contain_text("请补充教研记录")
    with page.expect_navigation():
        page.get_by_test_id("respond").click()
    page.get_by_label("整改情况").fill("补充教研记录两份。")
    page.get_by_label("佐证材料").set_input_files({**PHOTO, "name": "教研记录.png"})
    with page.expect_navigation():
        page.get_by_test_id("submit-response").click()
    logout(page)

    login(page, live_server, cast.supervisor.username)
    page.goto(order_url)
    with page.expect_navigation():
        page.get_by_test_id("verify-actions").get_by_test_id("accept").click()
    expect(page.get_by_test_id("order-state")).to_have_text("已验收")
    events = page.get_by_test_id("order-events")
    expect(events.locator("li")).to_have_count(5)
    expect(events).to_contain_text("退回重改")
    expect(events).to_contain_text("验收通过")
