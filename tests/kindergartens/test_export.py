"""Excel export of the kindergarten list: the template's columns, the list's filters, text stays text."""

import datetime
import io
import zipfile
from unittest import mock
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.http import FileResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from core.jobs import job_execute
from core.models import Job
from kindergartens import excel
from kindergartens.models import CollaborationGroup, CreditGrade, Kindergarten, Level
from kindergartens.services import kindergarten_update, roster_preview
from tests.factories import KindergartenFactory
from tests.jobs import run_queued_jobs
from tests.kindergartens.fixtures_excel import credit_code, read_sheet

EXPORT_URL = reverse("kindergartens:export")
HEADERS = [c.header for c in excel.COLUMNS] + ["所属区县"]


def start_export(client, params=None):
    """The list page's 导出 Excel: a POST with the list's filters in the query string."""
    return client.post(EXPORT_URL + (f"?{urlencode(params)}" if params else ""))


def download(client, params=None):
    """Start the export, run its job as the worker would, download the file."""
    response = start_export(client, params)
    assert response.status_code == 302
    [job] = run_queued_jobs()
    assert response["Location"] == reverse("core:job-detail", kwargs={"pk": job.pk})
    assert job.state == Job.State.DONE, job.error
    return client.get(reverse("core:job-download", kwargs={"pk": job.pk}))


def export(client, params=None) -> bytes:
    response = download(client, params)
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def names(data: bytes) -> set[str]:
    return {r[1] for r in read_sheet(data)[1:]}


def test_export_is_a_streamed_xlsx_with_a_chinese_filename(client, cast):
    client.force_login(cast.bureau_staff)
    response = download(client)
    assert isinstance(response, FileResponse) and response.streaming
    assert response["Content-Type"] == excel.XLSX_CONTENT_TYPE
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; filename*=utf-8''")
    assert "%E5%B9%BC%E5%84%BF%E5%9B%AD%E5%90%8D%E5%BD%95" in disposition  # 幼儿园名录
    rows = read_sheet(b"".join(response.streaming_content))
    assert rows[0] == HEADERS


def test_the_export_page_says_what_will_be_exported(client, cast):
    client.force_login(cast.bureau_staff)
    response = client.get(EXPORT_URL, {"q": "西安"})
    assert response.status_code == 200
    text = response.content.decode()
    assert "导出 1 所幼儿园" in text
    assert f'action="{EXPORT_URL}?q=%E8%A5%BF%E5%AE%89"' in text
    assert not Job.objects.exists()  # a GET starts nothing


def test_the_list_page_exports_with_its_filters(client, cast):
    client.force_login(cast.bureau_staff)
    page = client.get(reverse("kindergartens:list"), {"q": "西安", "page": "1"}).content.decode()
    assert f'<form method="post" action="{EXPORT_URL}?q=%E8%A5%BF%E5%AE%89"' in page
    assert start_export(client, {"q": "西安"}).status_code == 302
    job = Job.objects.get()
    assert (job.kind, job.requested_by, job.params) == (
        "kindergartens.export",
        cast.bureau_staff,
        {"query": "q=%E8%A5%BF%E5%AE%89"},
    )
    assert job.district_id == cast.district_a.pk and job.state == Job.State.QUEUED


def test_export_is_queued_on_commit(client, cast, django_capture_on_commit_callbacks):
    client.force_login(cast.bureau_staff)
    with mock.patch("core.tasks.run_job.delay") as delay, django_capture_on_commit_callbacks(execute=True) as callbacks:
        start_export(client)
    job = Job.objects.get()
    assert len(callbacks) == 1
    delay.assert_called_once_with(job_id=job.pk, actor_id=cast.bureau_staff.pk)


def test_export_has_exactly_the_users_scope(client, cast):
    client.force_login(cast.bureau_staff)
    assert names(export(client)) == {cast.kg_a1.name, cast.kg_a2.name}
    client.force_login(cast.city_viewer)
    assert names(export(client)) == {cast.kg_a1.name, cast.kg_a2.name, cast.kg_b1.name}


@pytest.mark.parametrize("role", ["supervisor", "kg_director", "kg_staff", "no_scope"])
def test_export_is_refused_to_roles_without_the_right(client, cast, role):
    client.force_login(getattr(cast, role))
    assert client.get(EXPORT_URL).status_code == 403
    assert start_export(client).status_code == 403
    assert not Job.objects.exists()


def test_export_follows_the_list_filters(client, cast):
    client.force_login(cast.city_viewer)
    assert names(export(client, {"q": "西安"})) == {cast.kg_a2.name}
    assert names(export(client, {"district": cast.district_b.pk})) == {cast.kg_b1.name}
    assert names(export(client, {"area": "rural"})) == {cast.kg_a2.name}
    client.force_login(cast.bureau_staff)
    # A foreign township is not a valid choice: nothing, never the other district's rows.
    assert names(export(client, {"township": cast.town_b.pk})) == set()


def test_formula_looking_text_stays_text(client, cast):
    """User text is written as text, and text a spreadsheet would run as a formula gets a quote first."""
    kindergarten_update(
        actor=None,
        kindergarten=cast.kg_a1,
        changes={
            "name": "=1+1",
            "sponsor_name": "#N/A",
            "address": '=HYPERLINK("http://evil","点我")',
            "principal_name": " @SUM(1)",
            "medical_partner": "-2+3",
            "legal_vice_principal": "+1",
        },
        check_rights=False,
    )
    client.force_login(cast.bureau_staff)
    data = export(client)
    sheet_xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and 't="e"' not in sheet_xml
    sheet = load_workbook(io.BytesIO(data))[excel.SHEET_ROSTER]
    [cell_row] = [r for r in sheet.iter_rows(min_row=2) if r[1].value == "'=1+1"]
    by_header = dict(zip(HEADERS, cell_row, strict=True))
    for name in ("园所名称*", "举办者名称", "地址", "园长姓名", "医教联合体结对医疗机构", "法治副园长"):
        assert by_header[name].data_type == "s", name
    assert by_header["举办者名称"].value == "#N/A"
    assert by_header["地址"].value == '\'=HYPERLINK("http://evil","点我")'
    assert by_header["园长姓名"].value == "' @SUM(1)"
    assert by_header["医教联合体结对医疗机构"].value == "'-2+3"
    assert by_header["法治副园长"].value == "'+1"
    # …and the importer reads the quoted text back as it was: export → import changes nothing.
    [raw] = [r for r in excel.read_roster(data, filename="导出.xlsx") if r.cells["name"] == "=1+1"]
    assert raw.problems == [] and raw.cells["address"] == '=HYPERLINK("http://evil","点我")'


def test_export_values_are_what_the_importer_reads(client, cast):
    group = CollaborationGroup.objects.create(district=cast.district_a, name="第一协作组")
    kindergarten_update(
        actor=None,
        kindergarten=cast.kg_a1,
        changes={
            "credit_code": credit_code(1),
            "nature": "inclusive_private",
            "inclusive_recognised_on": datetime.date(2023, 9, 1),
            "level": cast.level_ln,
            "collaboration_group": group,
            "fee_monthly": "1250.50",
            "fee_government_guided": True,
            "credit_rating": CreditGrade.objects.get(district=cast.district_a, name="B 级"),
            "party_organisation": "joint",
            "capacity": 270,
        },
        check_rights=False,
    )
    client.force_login(cast.bureau_staff)
    rows = read_sheet(export(client))
    by_header = dict(zip(HEADERS, next(r for r in rows if r[1] == cast.kg_a1.name), strict=True))
    assert by_header["统一社会信用代码*"] == credit_code(1)
    assert by_header["街道/乡镇*"] == "大洼街道"
    assert by_header["办园性质*"] == "普惠性民办"
    assert by_header["普惠性民办认定日期"] == datetime.datetime(2023, 9, 1)  # noqa: DTZ001 - Excel dates are naive
    assert by_header["等级"] == "四星级" and by_header["协作组"] == "第一协作组"
    assert by_header["保教费（元/月）"] == 1250.5 and by_header["执行政府指导价"] == "是"
    assert by_header["信用等级"] == "B 级" and by_header["党组织设置"] == "联合党组织"
    assert by_header["学位数"] == 270 and by_header["所属区县"] == "大洼区教育局"
    assert by_header["许可证有效期至"] is None and by_header["地址"] is None


def test_export_then_import_changes_nothing(client, cast):
    """export → (edit) → import: the unedited export previews as 无变化 on every row."""
    group = CollaborationGroup.objects.create(district=cast.district_a, name="第一协作组")
    inactive = Level.objects.create(province="辽宁省", name="三星（旧）", rank=3, is_active=False)
    kindergarten_update(
        actor=None,
        kindergarten=cast.kg_a1,
        changes={
            "credit_code": credit_code(1),
            "nature": "inclusive_private",
            "inclusive_recognised_on": datetime.date(2023, 9, 1),
            "level": inactive,
            "collaboration_group": group,
            "fee_monthly": "1250.55",
            "principal_since": datetime.date(2019, 2, 28),
            "licence_number": "教民1234567890123号",
            "licence_valid_until": datetime.date(2028, 12, 31),
            "status": "rectifying",
            "schedule": "boarding",
            "has_parent_committee": True,
            "sponsor": "private",
            "sponsor_name": "某某教育咨询有限公司",
        },
        check_rights=False,
    )
    kindergarten_update(
        actor=None, kindergarten=cast.kg_a2, changes={"credit_code": credit_code(2)}, check_rights=False
    )
    client.force_login(cast.bureau_staff)
    data = export(client)
    result = roster_preview(actor=cast.bureau_staff, data=data, filename="导出.xlsx")
    assert result.problems == []
    assert result.roster_import.summary == {"create": 0, "update": 0, "unchanged": 2}

    # …and an edited cell comes back as exactly that change.
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook[excel.SHEET_ROSTER]
    for cells in sheet.iter_rows(min_row=2):
        if cells[1].value == cast.kg_a2.name:
            cells[10].value = "改过的地址"
    buffer = io.BytesIO()
    workbook.save(buffer)
    edited = roster_preview(actor=cast.bureau_staff, data=buffer.getvalue(), filename="导出.xlsx")
    assert edited.roster_import.summary == {"create": 0, "update": 1, "unchanged": 1}
    [update] = [r for r in edited.roster_import.rows if r["action"] == "update"]
    assert update["changes"] == [["地址", "", "改过的地址"]]


def test_export_query_count_does_not_grow(client, cast):
    """The export job's queries (on the worker) do not grow with the rows."""
    client.force_login(cast.bureau_staff)

    def count():
        assert start_export(client).status_code == 302
        job = Job.objects.get(state=Job.State.QUEUED)
        with CaptureQueriesContext(connection) as ctx:
            job_execute(job_id=job.pk)
        job.refresh_from_db()
        assert job.state == Job.State.DONE and job.result["rows"] >= 2
        return len(ctx)

    count()  # warm: the filter's option lists (core.cache) are built once, then read from the cache
    few = count()
    group = CollaborationGroup.objects.create(district=cast.district_a, name="第二协作组")
    for i in range(30):
        KindergartenFactory(township=cast.town_a, name=f"导出园{i}", level=cast.level_ln, collaboration_group=group)
    count()  # the new group invalidated the cached option lists: warm them again
    assert count() == few


def test_the_export_is_a_template_with_dropdowns_and_help(client, cast):
    """An exported file is a valid template: the dropdowns of the user's scope and the 说明 sheet."""
    CollaborationGroup.objects.create(district=cast.district_a, name="第一协作组")
    client.force_login(cast.bureau_staff)
    workbook = load_workbook(io.BytesIO(export(client)))
    assert workbook.sheetnames == [excel.SHEET_ROSTER, excel.SHEET_LISTS, excel.SHEET_HELP]
    assert workbook[excel.SHEET_LISTS].sheet_state == "hidden"
    sheet = workbook[excel.SHEET_ROSTER]
    validations = {dv.formula1 for dv in sheet.data_validations.dataValidation}
    assert {"list_township", "list_nature", "list_level", "list_collaboration_group", "list_status"} <= validations
    listed = {c.value for r in workbook[excel.SHEET_LISTS].iter_rows() for c in r if c.value}
    assert {"大洼街道", "西安镇", "第一协作组", "四星级", "公办"} <= listed
    assert "红旗街道" not in listed  # another district's township is not offered
    help_text = " ".join(str(c.value) for r in workbook[excel.SHEET_HELP].iter_rows() for c in r if c.value)
    assert "统一社会信用代码" in help_text and "单引号" in help_text


def test_export_workbook_writes_any_queryset_to_a_file(cast, tmp_path):
    path = tmp_path / "export.xlsx"
    with path.open("wb") as fileobj:
        count = excel.export_workbook(Kindergarten.objects.filter(district=cast.district_a), fileobj)
    assert count == 2
    assert names(path.read_bytes()) == {cast.kg_a1.name, cast.kg_a2.name}
    workbook = load_workbook(path)
    assert workbook[excel.SHEET_ROSTER].freeze_panes == "A2"


def test_the_audit_history_reads_an_export_job_in_chinese(cast):
    """Job.audit_display_value (core.history's hook): labels and names, never codes, ids or file suffixes."""
    from core.models import AuditEntry
    from kindergartens.services.imports import kindergarten_export_start

    query = urlencode({"q": "西安", "township": cast.town_a.pk, "nature": "public", "page": "2"})
    job = kindergarten_export_start(actor=cast.bureau_staff, query=query)
    entry = AuditEntry(object_id=str(job.pk))
    shown = {
        name: Job.audit_display_value(name, getattr(job, name), entry) for name in ("kind", "params", "district_id")
    }
    assert shown == {
        "kind": "幼儿园名录导出",
        "params": "名录筛选条件：搜索：“西安”；街道/乡镇：大洼街道；办园性质：公办",
        "district_id": "大洼区教育局",
    }
    assert Job.audit_display_value("params", {"query": ""}, entry) == "名录筛选条件：全部（未筛选）"
    assert Job.audit_display_value("result_name", "幼儿园名录_20260301.xlsx", entry) == "幼儿园名录_20260301"
    assert Job.audit_display_value("result_file", "jobs/result/0f3a.xlsx", entry) == "文件已保存"
    assert Job.audit_display_value("state", "done", entry) is None  # the usual rendering: the choice's label
