"""An anonymous visitor finds a kindergarten on the public disclosure pages (信息公开)."""

import datetime

import pytest
from playwright.sync_api import expect

from kindergartens.models import AnnualInspection, Violation

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    "viewport", [{"width": 1280, "height": 900}, {"width": 390, "height": 844}], ids=["desktop", "phone"]
)
def test_anonymous_visitor_finds_a_kindergarten(page, live_server, browser_cast, viewport):
    cast = browser_cast
    AnnualInspection.objects.create(kindergarten=cast.kg_a1, year=2025, result="pass", published=True)
    Violation.objects.create(
        kindergarten=cast.kg_a1,
        occurred_on=datetime.date(2025, 3, 2),
        description="未公示收费项目",
        penalty="责令限期整改",
        published=False,
    )
    page.set_viewport_size(viewport)
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)

    response = page.goto("/public/")
    assert response.status == 200
    assert "public" in response.headers["cache-control"]
    expect(page.get_by_role("heading", level=1)).to_have_text("幼儿园信息公开")
    expect(page.get_by_text("退出登录")).to_have_count(0)

    with page.expect_navigation():
        page.get_by_role("link", name="大洼区教育局").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("大洼区 幼儿园名录")  # the district, not its bureau
    rows = page.get_by_test_id("public-kindergarten-list").locator("tbody tr")
    expect(rows).to_have_count(2)

    page.get_by_role("searchbox").fill("第一")
    with page.expect_navigation():
        page.get_by_role("button", name="查询").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("2025 年 合格")

    with page.expect_navigation():
        page.get_by_role("link", name="大洼区第一幼儿园").click()
    expect(page.get_by_test_id("public-kindergarten-name")).to_have_text("大洼区第一幼儿园")
    expect(page.get_by_test_id("public-nature")).to_have_text("公办")
    inspections = page.get_by_test_id("public-inspections")
    expect(inspections).to_contain_text("2025")
    expect(inspections).to_contain_text("合格")
    expect(page.get_by_text("未公示收费项目")).to_have_count(0)  # not published
    expect(page.get_by_text("暂无公开的违规查处记录。")).to_be_visible()
    assert errors == []
