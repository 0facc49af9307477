"""安全事故 end to end: the director reports an incident, adds a follow-up and a final report; the
bureau, with its incident list open, sees the report within a second of submission and marks it
forwarded; editing or deleting the initial report through the page, the API or the admin fails."""

import datetime
import time

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import User
from safety.models import Incident
from tests.browser.conftest import login
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.browser


def test_report_follow_up_final_forward_and_nothing_can_be_changed(browser, page, live_server, browser_cast):
    cast = browser_cast
    # The bureau keeps its incident list open in its own browser.
    bureau_context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", base_url=live_server.url)
    bureau = bureau_context.new_page()
    login(bureau, live_server, cast.bureau_staff.username)
    bureau.goto("/safety/incidents/")
    expect(bureau.get_by_text("暂无安全事故报告。")).to_be_visible()

    # The director reports.
    login(page, live_server, cast.kg_director.username)
    page.goto("/")
    with page.expect_navigation():
        page.get_by_test_id("report-incident").first.click()
    occurred = timezone.localtime() - datetime.timedelta(minutes=25)
    page.get_by_label("发生时间（北京时间）").fill(occurred.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("事故类型").select_option(label="意外伤害")
    page.get_by_label("事故等级").select_option(label="一般")
    page.get_by_label("涉及幼儿数").fill("1")
    page.get_by_label("涉及教职工数").fill("0")
    page.get_by_label("事故经过与已采取的措施").fill("户外活动时一名幼儿摔倒，额头擦伤，保健医已处理并通知家长。")
    with page.expect_navigation():
        page.get_by_test_id("submit-incident").click()
    submitted = time.monotonic()
    incident = Incident.objects.get()

    # The bureau's open list shows it within a second, without anyone touching the page.
    expect(bureau.get_by_test_id("incident-row")).to_have_count(1, timeout=1500)
    assert time.monotonic() - submitted < 1.5
    expect(bureau.get_by_test_id("incident-list")).to_contain_text(incident.number)

    expect(page.get_by_test_id("reported-at")).to_contain_text("按时报告")
    expect(page.get_by_test_id("occurred-at")).to_contain_text(occurred.strftime("%Y-%m-%d %H:%M"))

    # A follow-up and the final report.
    form = page.get_by_test_id("entry-form")
    form.get_by_label("报告类别").select_option(label="续报")
    form.get_by_label("内容", exact=True).fill("医院复查无骨折，幼儿已回家休息。")
    with page.expect_navigation():
        page.get_by_test_id("submit-entry").click()
    form = page.get_by_test_id("entry-form")
    form.get_by_label("报告类别").select_option(label="终报")
    form.get_by_label("内容", exact=True).fill("幼儿康复返园，已开展户外活动安全排查。")
    with page.expect_navigation():
        page.get_by_test_id("submit-entry").click()
    expect(page.get_by_test_id("timeline").locator("li")).to_have_count(3)
    expect(page.get_by_test_id("final")).not_to_contain_text("未终报")

    # The bureau opens it and records forwarding to the city.
    with bureau.expect_navigation():
        bureau.get_by_role("link", name=incident.number).click()
    bureau.get_by_label("上报对象").select_option(label="市教育局")
    with bureau.expect_navigation():
        bureau.get_by_test_id("submit-forward").click()
    expect(bureau.get_by_test_id("forwarded-city")).not_to_contain_text("未记录")
    expect(bureau.get_by_test_id("timeline")).to_contain_text("已报市教育局")

    # Editing or deleting the initial report: the page has no way, and the methods are refused.
    detail = f"/safety/incidents/{incident.pk}/"
    for method in ("PUT", "PATCH", "DELETE"):
        status = page.evaluate(
            """async ([url, method]) => {
                const token = document.querySelector("input[name=csrfmiddlewaretoken]").value;
                const r = await fetch(url, {method, headers: {"X-CSRFToken": token, "Content-Type": "application/json"},
                                            body: method === "DELETE" ? null : JSON.stringify({text: "改写"})});
                return r.status;
            }""",
            [detail, method],
        )
        assert status == 405, (method, status)
        api_status = page.evaluate(
            """async ([url, method]) => {
                const token = document.querySelector("input[name=csrfmiddlewaretoken]").value;
                const r = await fetch(url, {method, headers: {"X-CSRFToken": token, "Content-Type": "application/json"},
                                            body: method === "DELETE" ? null : JSON.stringify({text: "改写"})});
                return r.status;
            }""",
            [f"/api/v1/safety/incidents/{incident.pk}/", method],
        )
        assert api_status == 405, (method, api_status)

    # The admin: even a superuser only views; there is no delete.
    User.objects.create_superuser("root", "root@example.com", TEST_PASSWORD)
    admin = bureau_context.new_page()
    admin.goto("/admin/login/")
    admin.locator("input[name=username]").fill("root")
    admin.locator("input[name=password]").fill(TEST_PASSWORD)
    with admin.expect_navigation():
        admin.locator("input[type=submit]").click()
    response = admin.goto(f"/admin/safety/incident/{incident.pk}/delete/")
    assert response.status == 403
    admin.goto(f"/admin/safety/incident/{incident.pk}/change/")
    expect(admin.locator("input[name=_save]")).to_have_count(0)
    expect(admin.get_by_text("删除", exact=True)).to_have_count(0)

    incident.refresh_from_db()
    assert incident.entries.order_by("at", "id").first().text.startswith("户外活动时")
    assert list(incident.entries.values_list("kind", flat=True)) == ["initial", "followup", "final", "fwd_city"]
    bureau_context.close()
