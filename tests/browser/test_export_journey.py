"""Bureau staff export the filtered list: the job page shows the progress, then the file to download.

No broker in browser tests: the job is queued as usual, and the test runs it (as the worker would)
once the job page is open, so the page's polling script (static/js/jobs.js) is what turns the
progress into the download link.
"""

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from core import jobs
from kindergartens import excel
from tests.browser.conftest import login
from tests.jobs import run_queued_jobs

pytestmark = pytest.mark.browser


@pytest.fixture
def queued(monkeypatch):
    """Jobs are saved and 'sent' nowhere: the test runs them with run_queued_jobs()."""
    sent = []
    monkeypatch.setattr(jobs, "_enqueue", lambda job_id, actor_id: sent.append(job_id))
    return sent


def test_bureau_staff_export_the_filtered_list_and_download_it(page, live_server, browser_cast, queued, tmp_path):
    login(page, live_server, browser_cast.bureau_staff.username)
    page.goto("/kindergartens/?q=%E8%A5%BF%E5%AE%89")  # 西安
    expect(page.get_by_test_id("kindergarten-list")).to_contain_text(browser_cast.kg_a2.name)
    with page.expect_navigation():
        page.get_by_test_id("export-list").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("幼儿园名录导出")
    expect(page.get_by_test_id("job-progress")).to_contain_text("排队中")
    assert len(queued) == 1

    run_queued_jobs()  # the worker's part; the page notices by itself
    download_link = page.get_by_test_id("job-download")
    expect(download_link).to_be_visible(timeout=15_000)
    expect(page.get_by_test_id("export-done")).to_contain_text("共 1 所幼儿园")
    expect(page.get_by_test_id("job-done")).to_contain_text("仅您本人可以下载")

    with page.expect_download() as download_info:
        download_link.click()
    download = download_info.value
    assert download.suggested_filename.startswith("幼儿园名录_") and download.suggested_filename.endswith(".xlsx")
    path = tmp_path / "export.xlsx"
    download.save_as(path)
    workbook = load_workbook(path)
    rows = list(workbook[excel.SHEET_ROSTER].iter_rows(min_row=2, values_only=True))
    assert [r[1] for r in rows] == [browser_cast.kg_a2.name]
    assert excel.SHEET_HELP in workbook.sheetnames

    # The job stays listed under 我的导出与导入.
    page.get_by_test_id("user-menu").click()
    with page.expect_navigation():
        page.get_by_test_id("my-jobs").click()
    expect(page.get_by_test_id("job-list")).to_contain_text("幼儿园名录导出")
