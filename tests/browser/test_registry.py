"""The registry in a real browser: the director keeps classes, the bureau edits the record with a
dated status change and reads the list as of a past month. Leaves screenshots for review."""

import re

import pytest
from playwright.sync_api import expect

from kindergartens.models import KindergartenClass, KindergartenStatusChange
from kindergartens.services import today
from tests.browser.conftest import artifact_path, login

pytestmark = pytest.mark.browser


def test_director_adds_an_oversized_class_and_sees_it_flagged(page, live_server, browser_cast, request):
    cast = browser_cast
    login(page, live_server, cast.kg_director.username)
    page.goto(f"/kindergartens/{cast.kg_a1.pk}/")
    page.get_by_role("link", name="新增班级").first.click()
    page.get_by_label("班级名称").fill("大一班")
    page.get_by_label("班级类型").select_option("large")
    page.get_by_label("在班幼儿数").fill("38")
    page.get_by_role("button", name="保存").click()

    expect(page).to_have_url(re.compile(rf"/kindergartens/{cast.kg_a1.pk}/\?tab=classes$"))
    expect(page.get_by_role("alert")).to_contain_text("已新增班级「大一班」")
    row = page.get_by_test_id("class-list").locator("tr", has_text="大一班")
    expect(row).to_contain_text("超额")
    expect(page.get_by_test_id("enrolment")).to_contain_text("58")
    page.screenshot(path=artifact_path(request.config, "director_classes_tab"), full_page=True)
    assert KindergartenClass.objects.get(kindergarten=cast.kg_a1, name="大一班").children == 38

    # Stopping a class asks first.
    row.get_by_role("link", name="停用").click()
    expect(page.get_by_text("停用后该班不再计入在园人数")).to_be_visible()
    page.get_by_test_id("confirm").click()
    expect(page.get_by_test_id("class-list")).not_to_contain_text("大一班")


def test_bureau_records_a_status_change_and_reads_the_list_then(page, live_server, browser_cast, request):
    cast = browser_cast
    login(page, live_server, cast.bureau_staff.username)
    page.goto(f"/kindergartens/{cast.kg_a2.pk}/edit/")
    expect(page.locator("legend", has_text="举办与性质")).to_be_visible()
    page.get_by_label("办园状态").select_option("rectifying")
    page.get_by_label("状态/性质变动生效日期").fill(today().isoformat())
    page.get_by_label("变动说明").fill("限期整改通知书")
    page.get_by_role("button", name="保存").click()

    expect(page.get_by_role("alert")).to_contain_text("幼儿园信息已保存。")
    expect(page.get_by_test_id("status-badge")).to_have_text("整改")
    page.get_by_role("link", name="状态与性质历史").click()
    expect(page.get_by_test_id("status-history")).to_contain_text("限期整改通知书")
    assert KindergartenStatusChange.objects.filter(kindergarten=cast.kg_a2, value="rectifying").exists()

    # The list this month: the status filter on "办园中" still includes a kindergarten in 整改.
    page.goto(f"/kindergartens/?as_of={today():%Y-%m}&status=active")
    expect(page.get_by_test_id("as-of-note")).to_be_visible()
    expect(page.get_by_role("columnheader", name="当时状态")).to_be_visible()
    names = page.get_by_test_id("kindergarten-list").locator("tbody tr td:first-child")
    expect(names).to_have_count(2)
    page.screenshot(path=artifact_path(request.config, "bureau_list_as_of"), full_page=True)
