"""自查 end to end: a director fills and submits a self-check; the bureau sees the gap to the latest
inspection on the same template version, the items the kindergarten judged better standing out."""

import datetime

import pytest
from playwright.sync_api import expect

from supervision.inspections import inspection_issue_order, inspection_plan, inspection_submit
from supervision.models import ChecklistTemplate
from tests.browser.conftest import login, logout
from tests.supervision.test_inspections import _fill

pytestmark = pytest.mark.browser


def test_director_submits_a_selfcheck_and_the_bureau_sees_the_gap(page, live_server, browser_cast):
    cast = browser_cast
    quality = ChecklistTemplate.objects.get(family="quality-2022", is_current=True)
    inspection = inspection_plan(
        actor=cast.supervisor,
        kindergarten=cast.kg_a1,
        kind="routine",
        template=quality,
        planned_on=datetime.date(2026, 3, 10),
        supervisors=[cast.supervisor],
    )
    _fill(cast, inspection, fail_codes=("1.1", "3.2"))
    for result in inspection.results.filter(result="fail"):
        inspection_issue_order(actor=cast.supervisor, result=result, description="整改", severity="minor")
    inspection_submit(actor=cast.supervisor, inspection=inspection)

    login(page, live_server, cast.kg_director.username)
    page.goto("/supervision/self-checks/")
    with page.expect_navigation():
        page.get_by_test_id("new-selfcheck").click()
    page.get_by_label("检查模板").select_option(label="幼儿园保育教育质量评估指南（2022）（第1版）")
    with page.expect_navigation():
        page.get_by_test_id("start-selfcheck").click()
    for card in page.locator("[data-testid^=item-]").all():
        card.get_by_text("符合", exact=True).click()
        with page.expect_navigation():
            card.get_by_role("button", name="保存此项").click()
    with page.expect_navigation():
        page.get_by_test_id("submit-selfcheck").click()
    expect(page.get_by_test_id("selfcheck-state")).to_have_text("已提交")
    expect(page.get_by_test_id("self-score")).to_have_text("100.0")
    logout(page)

    login(page, live_server, cast.bureau_staff.username)
    page.goto("/supervision/self-checks/")
    row = page.get_by_test_id("large-gap")
    expect(row).to_contain_text("大洼区第一幼儿园")
    expect(row).to_contain_text("差距较大")
    with page.expect_navigation():
        row.get_by_role("link", name="大洼区第一幼儿园").click()
    expect(page.get_by_test_id("inspection-score")).to_have_text(str(inspection.score))
    expect(page.get_by_test_id("large-item-1.1")).to_contain_text("自评偏高")
    expect(page.get_by_test_id("large-item-3.2")).to_contain_text("自评偏高")
    expect(page.get_by_test_id("gap")).to_have_class("fs-5 text-danger fw-bold")
