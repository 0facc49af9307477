"""A bureau admin creates a director's account; the director signs in and must change the password."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login, logout

pytestmark = pytest.mark.browser

NEW_PASSWORD = "Xk9#vT2!pQ7z"


def test_bureau_admin_creates_director_who_must_change_password(page, live_server, browser_cast):
    login(page, live_server, browser_cast.bureau_admin.username)
    expect(page.get_by_test_id("count-total")).to_be_visible()

    page.goto("/accounts/users/new/")
    page.locator("input[name=username]").fill("liuyuanzhang")
    page.locator("input[name=full_name]").fill("刘园长")
    page.locator("select[name=role]").select_option("kg_director")
    # app.js reveals the kindergarten field once a kindergarten role is chosen.
    kindergarten = page.locator("select[name=kindergarten]")
    expect(kindergarten).to_be_visible()
    kindergarten.select_option(label="大洼区第一幼儿园")
    with page.expect_navigation():
        page.get_by_role("button", name="创建并生成初始密码").click()

    issued = page.get_by_test_id("issued-password")
    expect(issued).to_be_visible()
    expect(page.locator("main")).to_contain_text("liuyuanzhang")
    password = issued.inner_text().strip()
    assert password

    logout(page)
    expect(page).to_have_url(f"{live_server.url}/accounts/login/")

    login(page, live_server, "liuyuanzhang", password)
    expect(page).to_have_url(f"{live_server.url}/accounts/password/")
    expect(page.get_by_text("您正在使用管理员发放的初始密码")).to_be_visible()
    # Everything else sends the user back here until the password is changed.
    page.goto("/kindergartens/")
    expect(page).to_have_url(f"{live_server.url}/accounts/password/")

    page.locator("input[name=old_password]").fill(password)
    page.locator("input[name=new_password1]").fill(NEW_PASSWORD)
    page.locator("input[name=new_password2]").fill(NEW_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="保存新密码").click()
    expect(page).to_have_url(f"{live_server.url}/accounts/password/done/")

    page.goto("/")
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("大洼区第一幼儿园")
    expect(page.get_by_test_id("user-menu")).to_contain_text("刘园长")

    # And the new password is the one that works from now on.
    logout(page)
    login(page, live_server, "liuyuanzhang", NEW_PASSWORD)
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("大洼区第一幼儿园")
