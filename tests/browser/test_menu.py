"""The top menu in a real browser: a bureau admin's ~30 pages fit in one row of groups on a desktop
screen, a group opens and leads to its page, and on a phone the menu folds behind the toggler."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.conftest import login

pytestmark = pytest.mark.browser


def test_the_menu_is_one_row_of_groups_on_a_desktop(page, live_server, browser_cast):
    page.set_viewport_size({"width": 1280, "height": 800})
    login(page, live_server, browser_cast.bureau_admin.username)
    navbar = page.locator("nav.navbar")
    assert navbar.bounding_box()["height"] < 80  # one row: the brand, the groups, the account menu
    for link in page.locator("#mainnav .navbar-nav > .nav-item > .nav-link").all():
        box = link.bounding_box()
        assert box["height"] < 50, link.inner_text()  # no label wraps one character per line
    page.locator("#mainnav").get_by_role("button", name="教职工").click()
    expiring = page.locator("#mainnav").get_by_role("link", name="证书到期")
    expect(expiring).to_be_visible()
    with page.expect_navigation():
        expiring.click()
    assert page.url == live_server.url + reverse("staffing:expiring")
    expect(page.locator("#mainnav").get_by_role("button", name="教职工")).to_have_class(re.compile(r"\bactive\b"))


def test_on_a_phone_the_groups_unfold_behind_the_toggler(page, live_server, browser_cast):
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, live_server, browser_cast.bureau_admin.username)
    page.locator(".navbar-toggler").click()
    expect(page.locator("#mainnav")).to_have_class(re.compile(r"\bshow\b"))
    page.locator("#mainnav").get_by_role("button", name="督导").click()
    orders = page.locator("#mainnav").get_by_role("link", name="整改通知")
    expect(orders).to_be_visible()
    with page.expect_navigation():
        orders.click()
    assert page.url == live_server.url + reverse("supervision:order-list")
