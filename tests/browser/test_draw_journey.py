"""双随机、一公开 end to end: a bureau user runs a random draw and sees it on the public page."""

import pytest
from playwright.sync_api import expect

from supervision.models import Inspection, RandomDraw
from tests.browser.conftest import login, logout

pytestmark = pytest.mark.browser


def test_bureau_runs_a_draw_and_sees_it_on_the_public_page(page, live_server, browser_cast):
    cast = browser_cast
    login(page, live_server, cast.bureau_staff.username)
    page.goto(f"{live_server.url}/supervision/draws/")
    with page.expect_navigation():
        page.get_by_test_id("new-draw").click()
    page.get_by_label("抽查名称").fill("2026年春季安全双随机抽查")
    page.get_by_label("检查模板").select_option(label="幼儿园安全专项检查（第1版）")
    page.get_by_label("抽取比例（%）").fill("")
    page.get_by_label("或抽取数量（所）").fill("1")
    page.get_by_label("随机种子（可不填，系统随机生成）").fill("20260501")
    # The pools: both of the district's kindergartens; three inspectors.
    page.get_by_label("大洼区第一幼儿园").check()
    page.get_by_label("西安镇中心幼儿园").check()
    for user in (cast.supervisor, cast.supervisor2, cast.bureau_staff):
        page.locator(f"input[name=inspectors][value='{user.pk}']").check()
    with page.expect_navigation():
        page.get_by_test_id("run-draw").click()
    expect(page.get_by_test_id("draw-seed")).to_have_text("20260501")
    draw = RandomDraw.objects.get()
    drawn = Inspection.objects.get(draw=draw)
    expect(page.get_by_test_id("draw-visits")).to_contain_text(drawn.kindergarten.name)
    logout(page)

    page.goto(f"{live_server.url}/public/")
    with page.expect_navigation():
        page.get_by_test_id("public-draws-link").click()
    with page.expect_navigation():
        page.get_by_test_id("public-draws").get_by_role("link", name="2026年春季安全双随机抽查").click()
    expect(page.get_by_test_id("public-draw-seed")).to_have_text("20260501")
    expect(page.get_by_test_id("public-draw-visits")).to_contain_text(drawn.kindergarten.name)
    expect(page.get_by_test_id("public-draw-visits")).to_contain_text("待检查")
