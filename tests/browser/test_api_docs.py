"""The API docs page renders offline (vendored Swagger UI) under the strict CSP."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login

pytestmark = pytest.mark.browser


def test_api_docs_render_without_csp_violations(page, live_server, browser_cast):
    problems = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("requestfailed", lambda req: problems.append(f"failed: {req.url}"))
    login(page, live_server, "bureau_staff")
    response = page.goto(f"{live_server.url}/api/v1/docs/")
    assert response.status == 200
    expect(page.locator(".swagger-ui .title")).to_contain_text("学前教育监管平台 API", timeout=15000)
    expect(page.get_by_text("/api/v1/kindergartens/", exact=True).first).to_be_visible()
    assert not [p for p in problems if "Content Security Policy" in p or "failed:" in p], problems
