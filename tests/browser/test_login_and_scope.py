"""Each role logs in, sees its own scope, and cannot open a kindergarten outside it."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import artifact_path, login, logout

pytestmark = pytest.mark.browser

KG_A1 = "大洼区第一幼儿园"
KG_A2 = "西安镇中心幼儿园"
KG_B1 = "双台子区实验幼儿园"

# role -> (what the home page shows, kindergartens in scope, the foreign kindergarten to try)
SCOPES = {
    "city_viewer": ({"count_total": 3}, {KG_A1, KG_A2, KG_B1}, "kg_c1"),
    "bureau_admin": ({"count_total": 2}, {KG_A1, KG_A2}, "kg_b1"),
    "bureau_staff": ({"count_total": 2}, {KG_A1, KG_A2}, "kg_b1"),
    "supervisor": ({"my_kindergartens": [KG_A1]}, {KG_A1}, "kg_a2"),
    "kg_director": ({"own_kindergarten": KG_A1}, {KG_A1}, "kg_a2"),
    "kg_staff": ({"own_kindergarten": KG_A1}, {KG_A1}, "kg_a2"),
}


def list_names(page):
    return page.get_by_test_id("kindergarten-list").locator("tbody tr td:first-child")


@pytest.mark.parametrize("role", list(SCOPES))
def test_role_sees_own_scope_only(page, live_server, browser_cast, role):
    home, in_scope, foreign = SCOPES[role]
    user = getattr(browser_cast, role)

    login(page, live_server, user.username)
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_test_id("user-menu")).to_contain_text(user.full_name)

    if "count_total" in home:
        expect(page.get_by_test_id("count-total")).to_have_text(str(home["count_total"]))
    elif "my_kindergartens" in home:
        expect(page.get_by_test_id("my-kindergartens").locator(".fw-semibold")).to_have_text(home["my_kindergartens"])
    else:
        expect(page.get_by_role("heading", level=1)).to_have_text(home["own_kindergarten"])

    # The directory lists exactly the kindergartens in scope (order depends on the database's collation).
    page.goto("/kindergartens/")
    names = list_names(page)
    expect(names).to_have_count(len(in_scope))
    assert set(names.all_inner_texts()) == in_scope

    response = page.goto(f"/kindergartens/{browser_cast.kg_a1.pk}/")
    assert response.status == 200
    expect(page.get_by_test_id("kindergarten-name")).to_have_text(KG_A1)

    outsider = getattr(browser_cast, foreign)
    response = page.goto(f"/kindergartens/{outsider.pk}/")
    assert response.status == 404
    expect(page.get_by_role("heading", name="页面不存在")).to_be_visible()
    expect(page.locator("body")).not_to_contain_text(outsider.name)


def test_wrong_password_shows_chinese_error(page, live_server, browser_cast):
    login(page, live_server, browser_cast.bureau_admin.username, "not-the-password")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    expect(page.get_by_role("alert")).to_contain_text("用户名或密码不正确")
    expect(page.get_by_test_id("user-menu")).to_have_count(0)


def test_logout_returns_to_login(page, live_server, browser_cast):
    login(page, live_server, browser_cast.bureau_staff.username)
    expect(page.get_by_test_id("count-total")).to_be_visible()

    logout(page)
    expect(page).to_have_url(f"{live_server.url}/accounts/login/")
    expect(page.get_by_role("button", name="登录", exact=True)).to_be_visible()

    # The session is really gone.
    page.goto("/kindergartens/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/kindergartens/$"))


def test_anonymous_directory_redirects_to_login(page, live_server, transactional_db):
    page.goto("/kindergartens/")
    expect(page).to_have_url(f"{live_server.url}/accounts/login/?next=/kindergartens/")
    expect(page.locator("input[name=username]")).to_be_visible()
    expect(page.get_by_test_id("kindergarten-list")).to_have_count(0)


def test_screenshots_of_bureau_admin_pages(page, live_server, browser_cast, request):
    """Not an assertion of looks: leaves pictures in test-artifacts/ for a person to review."""
    page.set_viewport_size({"width": 1366, "height": 900})
    login(page, live_server, browser_cast.bureau_admin.username)
    expect(page.get_by_test_id("count-total")).to_have_text("2")
    page.screenshot(path=artifact_path(request.config, "bureau_admin_home"), full_page=True)

    page.goto("/kindergartens/")
    expect(list_names(page)).to_have_count(2)
    page.screenshot(path=artifact_path(request.config, "bureau_admin_kindergarten_list"), full_page=True)
