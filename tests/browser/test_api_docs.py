"""The API docs page renders offline (vendored Swagger UI) under the strict CSP."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login


def schema_paths():
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)["paths"].values()


pytestmark = pytest.mark.browser


def test_api_docs_render_without_csp_violations(page, live_server, browser_cast):
    problems = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    # Chromium drops a page's favicon request (net::ERR_ABORTED) when the page moves on; that is not a
    # resource of the docs failing to load. Any other failure, the favicon's included, is a problem.
    page.on(
        "requestfailed",
        lambda req: (
            None
            if "favicon" in req.url and req.failure == "net::ERR_ABORTED"
            else problems.append(f"failed: {req.url} ({req.failure})")
        ),
    )
    login(page, live_server, "bureau_staff")
    response = page.goto(f"{live_server.url}/api/v1/docs/")
    assert response.status == 200
    expect(page.locator(".swagger-ui .title")).to_contain_text("学前教育监管平台 API", timeout=15000)
    # Every tag of the schema is listed (folded: over a hundred operations are drawn only as the
    # reader scrolls, which once looked like the docs stopping after four tags), and the filter and a
    # click open one.
    tags = sorted({tag for path in schema_paths() for op in path.values() for tag in op.get("tags", [])})
    expect(page.locator(".opblock-tag")).to_have_count(len(tags) + 1)  # and "default": the API root
    page.locator("input.operation-filter-input").fill("kindergartens")
    expect(page.locator(".opblock-tag")).to_have_count(1)
    page.locator(".opblock-tag").first.click()
    expect(page.get_by_text("/api/v1/kindergartens/", exact=True).first).to_be_visible()
    assert not [p for p in problems if "Content Security Policy" in p or "failed:" in p], problems
