"""A bureau user imports a roster with bad rows, fixes them, imports it again and sees the new kindergartens.

Each upload is checked on the worker: the test runs the queued check (as the worker would) once the
job page is open; the page's polling script then shows the problems, or moves on to the preview.
"""

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from core import jobs
from kindergartens import excel
from kindergartens.models import Kindergarten
from tests.browser.conftest import login
from tests.jobs import run_queued_jobs
from tests.kindergartens.fixtures_excel import build_roster, row

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def queued(monkeypatch):
    sent = []
    monkeypatch.setattr(jobs, "_enqueue", lambda job_id, actor_id: sent.append(job_id))
    return sent


def upload(page, path):
    """Upload, see the job page, let the check run."""
    page.goto("/kindergartens/import/")
    page.locator("input[type=file][name=file]").set_input_files(path)
    with page.expect_navigation():
        page.get_by_role("button", name="上传并检查").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("名册导入检查")
    run_queued_jobs()


def test_bureau_staff_fixes_a_roster_and_imports_it(page, live_server, browser_cast, tmp_path):
    login(page, live_server, browser_cast.bureau_staff.username)
    page.goto("/kindergartens/")
    with page.expect_navigation():
        page.get_by_test_id("import-roster").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("导入幼儿园名册")

    # The template: Chinese headers and the district's own townships in the dropdown lists.
    with page.expect_download() as download_info:
        page.get_by_test_id("download-template").click()
    download = download_info.value
    assert download.suggested_filename == "幼儿园名册导入模板.xlsx"
    template = tmp_path / "template.xlsx"
    download.save_as(template)
    workbook = load_workbook(template)
    assert [c.value for c in workbook[excel.SHEET_ROSTER][1]] == [c.header for c in excel.COLUMNS]
    listed = {c.value for r in workbook[excel.SHEET_LISTS].iter_rows() for c in r}
    assert {"大洼街道", "西安镇"} <= listed and "红旗街道" not in listed

    # First try: two bad rows. Every problem is listed by row and column; nothing can be confirmed.
    before = Kindergarten.objects.count()
    bad = tmp_path / "名册.xlsx"
    bad.write_bytes(build_roster([row(1), row(2, nature="私立"), row(3), row(4, township="红旗街道")]))
    upload(page, bad)
    problems = page.get_by_test_id("import-problems")
    expect(problems.locator("tbody tr")).to_have_count(2, timeout=15_000)
    expect(problems.locator("tbody tr").nth(0)).to_contain_text("第 3 行")
    expect(problems.locator("tbody tr").nth(0)).to_contain_text("办园性质*")
    expect(problems.locator("tbody tr").nth(0)).to_contain_text("“私立”不是有效的办园性质")
    expect(problems.locator("tbody tr").nth(1)).to_contain_text("第 5 行")
    expect(problems.locator("tbody tr").nth(1)).to_contain_text("本区没有名为“红旗街道”的街道/乡镇")
    expect(page.get_by_test_id("problems-summary")).to_contain_text("未保存任何数据")
    expect(page.get_by_test_id("confirm-import")).to_have_count(0)
    assert Kindergarten.objects.count() == before

    # The problems file: every row of the upload, the problems written beside each one.
    with page.expect_download() as download_info:
        page.get_by_test_id("job-download").click()
    download = download_info.value
    assert download.suggested_filename == "名册_问题清单.xlsx"
    problems_file = tmp_path / "problems.xlsx"
    download.save_as(problems_file)
    sheet = load_workbook(problems_file)[excel.SHEET_ROSTER]
    notes = {r[1]: r[-1] for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert "“私立”不是有效的办园性质" in notes["导入测试幼儿园2"]
    assert "本区没有名为“红旗街道”的街道/乡镇" in notes["导入测试幼儿园4"]
    assert notes["导入测试幼儿园1"] is None

    # Fixed: the preview says what will happen, and the confirm button appears.
    fixed = tmp_path / "名册（已修改）.xlsx"
    fixed.write_bytes(build_roster([row(1), row(2), row(3), row(4, township="西安镇")]))
    upload(page, fixed)
    expect(page.get_by_role("heading", level=1)).to_contain_text("名册（已修改）.xlsx", timeout=15_000)
    expect(page.get_by_test_id("summary-create")).to_have_text("新增 4")
    preview = page.get_by_test_id("import-preview")
    expect(preview.locator("tbody tr")).to_have_count(4)
    expect(preview).to_contain_text("导入测试幼儿园4")
    expect(preview).to_contain_text("西安镇 · 公办")
    assert Kindergarten.objects.count() == before  # nothing written before the confirm

    with page.expect_navigation():
        page.get_by_test_id("confirm-import").click()
    expect(page).to_have_url(f"{live_server.url}/kindergartens/")
    expect(page.locator(".messages")).to_contain_text("名册已导入：新增 4 所，更新 0 所，无变化 0 所。")
    kindergarten_list = page.get_by_test_id("kindergarten-list")
    for n in range(1, 5):
        expect(kindergarten_list).to_contain_text(f"导入测试幼儿园{n}")
    assert Kindergarten.objects.count() == before + 4
