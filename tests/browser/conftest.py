"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live server.

- One Chromium per session (``browser``), a fresh context and page per test (``page``).
- No Chromium, or Chromium that will not start: ``service_missing`` (skip locally, fail under
  REQUIRE_SERVICES=1).
- Every test under tests/browser is marked ``browser`` (``make test`` runs them separately).
- A failing test leaves ``test-artifacts/<test name>.png``.
- ``browser_cast``: the documented cast (tests/conftest.py) in a transactional database, so the
  live server thread sees committed rows (on PostgreSQL it would see nothing otherwise).
"""

import os
import re
from pathlib import Path

import pytest
from django.db import connection

from tests.conftest import service_missing
from tests.factories import TEST_PASSWORD

# Playwright's sync API runs an event loop in the main thread; Django would refuse the ORM calls
# the fixtures make there. Only the browser tests need this, so it is set here and nowhere else.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ACTION_TIMEOUT_MS = 10_000
HERE = Path(__file__).resolve().parent
_reports = pytest.StashKey[dict]()


def pytest_collection_modifyitems(config, items):
    # Session-wide hook: only the items in this directory get the marker.
    for item in items:
        if HERE in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    item.stash.setdefault(_reports, {})[report.when] = report
    return report


def _failed(node) -> bool:
    reports = node.stash.get(_reports, {})
    return any(r.failed for r in reports.values())


def artifact_path(config, name: str) -> Path:
    """test-artifacts/<name>.png under the project root (git-ignored)."""
    directory = config.rootpath / "test-artifacts"
    directory.mkdir(exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9_.\[\]-]+", "_", name)
    return directory / f"{safe}.png"


@pytest.fixture(scope="session")
def browser():
    if not os.access(CHROMIUM, os.X_OK):
        service_missing(f"{CHROMIUM} not found (apt-get install chromium)")
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS, timeout=30_000
        )
    except PlaywrightError as exc:
        playwright.stop()
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
        service_missing(f"{CHROMIUM} failed to launch: {first_line}")
    yield chromium
    chromium.close()
    playwright.stop()


@pytest.fixture
def page(request, browser, live_server):
    """A fresh context (zh-CN, Beijing time) and page; a screenshot is kept when the test fails."""
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", base_url=live_server.url)
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    pg = context.new_page()
    yield pg
    if _failed(request.node):
        try:
            pg.screenshot(path=artifact_path(request.config, request.node.name), full_page=True)
        except Exception as exc:  # a broken page must not hide the real failure
            print(f"screenshot failed: {exc!r}")
    context.close()


@pytest.fixture
def browser_cast(transactional_db, cast):
    """The cast, committed: ``transactional_db`` makes the ``db`` that ``cast`` depends on transactional."""
    assert not connection.in_atomic_block, "browser_cast must run in a transactional test, not inside TestCase's atomic"
    return cast


def login(page, live_server, username: str, password: str = TEST_PASSWORD):
    """Fill and submit the real login form; returns the final response of the submit."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="登录", exact=True).click()
    return navigation.value


def logout(page):
    """The user menu, then 退出登录."""
    page.get_by_test_id("user-menu").click()
    with page.expect_navigation():
        page.get_by_role("button", name="退出登录").click()
