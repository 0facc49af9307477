"""The staff roster's Excel round trip: template, upload → check (worker) → preview → confirm (worker),
export; crafted files; blacklisted and record-check-failed people refused per row without revealing why.

Cast (tests/conftest.py): kg_director keeps kg_a1's roster (district A); district B's admin_b is the
other district that blacklists someone.
"""

import datetime
import io
import random
import zipfile

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from core.models import AuditEntry, Job
from staffing import excel
from staffing.imports import REFUSED, staff_import_preview
from staffing.models import Employment, IdReveal, Person, Post, RecordCheck, Sanction, StaffImport
from staffing.services import misconduct_record, record_check_add
from tests.jobs import follow_job, run_queued_jobs
from tests.staffing.helpers import NOW, build_staff_roster, hire, id_number, staff_row

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def import_url(kg):
    return reverse("staffing:import", args=[kg.pk])


def upload(client, kg, data: bytes, filename: str = "教职工名册.xlsx"):
    """Upload; when a check is queued, run it as the worker would and open where the job leads."""
    file = SimpleUploadedFile(filename, data, content_type=excel.XLSX_CONTENT_TYPE)
    response = client.post(import_url(kg), {"file": file})
    if response.status_code != 302:
        return response
    return follow_job(client, response)


def totals():
    """Roster data and its audit trail (job rows are bookkeeping, not roster data)."""
    return (
        Person.objects.count(),
        Employment.objects.count(),
        StaffImport.objects.count(),
        AuditEntry.objects.exclude(content_type__model="job").count(),
    )


def job_file(job: Job):
    with job.result_file.open("rb") as handle:
        return load_workbook(io.BytesIO(handle.read()))


# --- template and reader ------------------------------------------------------------------------


def test_the_template_has_headers_dropdowns_and_a_help_sheet(client, cast):
    client.force_login(cast.kg_director)
    response = client.get(reverse("staffing:import-template", args=[cast.kg_a1.pk]))
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book.sheetnames == [excel.SHEET_ROSTER, excel.SHEET_LISTS, excel.SHEET_HELP]
    sheet = book[excel.SHEET_ROSTER]
    assert [c.value for c in sheet[1]] == [c.header for c in excel.COLUMNS]
    sources = {str(dv.sqref).split(":")[0]: dv.formula1 for dv in sheet.data_validations.dataValidation}
    assert (
        sources["C2"] == "list_post" and sources["D2"] == "list_post_type" and sources["F2"] == "list_is_safety_officer"
    )
    assert book[excel.SHEET_LISTS].sheet_state == "hidden"
    lists = [c.value for c in book[excel.SHEET_LISTS]["A"]]
    assert lists[1:] == [str(label) for _value, label in Post.choices]
    assert "大洼区第一幼儿园" in book[excel.SHEET_HELP]["A1"].value
    assert (
        "文件中没有数据"
        in pytest.raises(
            excel.RosterFileError,
            excel.read_roster,
            b"".join(client.get(reverse("staffing:import-template", args=[cast.kg_a1.pk])).streaming_content),
            filename="t.xlsx",
        ).value.message
    )


def _mutations(data: bytes, rng):
    """Truncations, flipped bytes, swapped parts and flipped markup of a good workbook."""
    for _ in range(40):
        yield data[: rng.randrange(len(data))]
    for _ in range(80):
        mutated = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            mutated[rng.randrange(len(mutated))] ^= 1 << rng.randrange(8)
        yield bytes(mutated)
    source = zipfile.ZipFile(io.BytesIO(data))
    stored = io.BytesIO()
    with zipfile.ZipFile(stored, "w", zipfile.ZIP_STORED) as target:
        for info in source.infolist():
            target.writestr(info.filename, source.read(info.filename))
    stored = stored.getvalue()
    for _ in range(60):
        mutated = bytearray(stored)
        mutated[rng.randrange(len(mutated))] = rng.choice(b'<>"=/ 0123456789ABCDEFXYZrstvc\x00\xff')
        yield bytes(mutated)


def test_fuzzed_workbooks_never_raise_anything_but_the_refusal():
    rng = random.Random(20260316)
    data = build_staff_roster([staff_row(n, phone=f"1380000{n:04d}") for n in range(1, 30)])
    outcomes = {"rows": 0, "refused": 0}
    for mutated in _mutations(data, rng):
        try:
            rows = excel.read_roster(mutated, filename="教职工名册.xlsx")
        except excel.RosterFileError as exc:
            assert exc.message and not exc.message.isascii()
            outcomes["refused"] += 1
            continue
        for raw in rows:
            excel.clean_row(raw)  # nothing here may raise either
        outcomes["rows"] += 1
    assert outcomes["refused"] > 60 and outcomes["rows"] > 0, outcomes


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"not a workbook at all", "教职工名册.xlsx", "不是 Excel 工作簿"),
        (b"PK\x03\x04" + b"\x00" * 200, "教职工名册.xlsx", "不是 Excel 工作簿"),
        (build_staff_roster([staff_row(1)]), "教职工名册.xlsm", "不接受含宏"),
        (build_staff_roster([staff_row(1)]), "教职工名册.csv", "只接受"),
    ],
)
def test_files_refused_at_upload_save_nothing(client, cast, data, filename, message):
    client.force_login(cast.kg_director)
    before = (*totals(), Job.objects.count())
    response = upload(client, cast.kg_a1, data, filename)
    assert response.status_code == 200 and message in response.content.decode()
    assert (*totals(), Job.objects.count()) == before


def test_a_damaged_file_found_on_the_worker_gets_the_one_message_and_no_500(client, cast):
    client.force_login(cast.kg_director)
    data = build_staff_roster([staff_row(n) for n in range(1, 40)])
    archive = zipfile.ZipFile(io.BytesIO(data))
    info = archive.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    middle = start + info.compress_size // 2
    damaged = data[:middle] + bytes(b ^ 0x5A for b in data[middle : middle + 64]) + data[middle + 64 :]
    before = totals()
    response = upload(client, cast.kg_a1, damaged)
    assert response.status_code == 200
    assert "无法读取该 Excel 文件" in response.content.decode()
    assert totals() == before


# --- every problem in one pass ------------------------------------------------------------------


def test_every_row_problem_is_listed_in_one_pass_with_a_problems_file_and_nothing_stored(client, cast):
    client.force_login(cast.kg_director)
    bad_check = id_number(7)[:17] + ("0" if id_number(7)[17] != "0" else "1")
    rows = [
        staff_row(1),
        staff_row(2, id_number=bad_check),
        staff_row(3, name='=HYPERLINK("http://x")', post="校长"),
        staff_row(4, hire_date="2027-01-01", is_safety_officer="也许"),
        staff_row(5, id_number=id_number(1)),
    ]
    before = totals()
    page = upload(client, cast.kg_a1, build_staff_roster(rows)).content.decode()
    assert totals() == before
    assert "共检查 5 行，发现 6 个问题" in page
    assert bad_check not in page  # an ID number is never repeated in a message
    for text in (
        "校验位不正确",
        "表格软件会把它当作公式",
        "不是有效的岗位",
        "入职日期不能晚于今天",
        "请填写“是”或“否”",
        "与第 2 行的身份证号码重复",
    ):
        assert text in page, text
    job = Job.objects.get(kind="staffing.roster_check")
    sheet = job_file(job)[excel.SHEET_ROSTER]
    header = [c.value for c in sheet[1]]
    assert header[-1] == excel.PROBLEMS_HEADER
    problems = {row[0].row: row[-1].value for row in sheet.iter_rows(min_row=2)}
    assert problems[2] is None and "校验位" in problems[3] and "公式" in problems[4] and "岗位" in problems[4]
    assert sheet.cell(row=4, column=1).value == '\'=HYPERLINK("http://x")'  # text, never a formula
    assert sheet.cell(row=4, column=1).fill.fgColor.rgb.endswith("FFC7CE")


def test_the_corrected_problems_file_uploads_as_it_is(client, cast):
    client.force_login(cast.kg_director)
    upload(client, cast.kg_a1, build_staff_roster([staff_row(1), staff_row(2, post="校长")]))
    job = Job.objects.get(kind="staffing.roster_check")
    book = job_file(job)
    book[excel.SHEET_ROSTER].cell(row=3, column=3).value = "保育员"
    buffer = io.BytesIO()
    book.save(buffer)
    response = upload(client, cast.kg_a1, buffer.getvalue())
    assert "导入预览" in response.content.decode()
    assert StaffImport.objects.get().summary == {"create": 2, "update": 0, "unchanged": 0}


# --- refusals that reveal nothing ---------------------------------------------------------------


def test_blacklisted_and_record_check_failed_people_are_refused_with_the_same_words(client, cast):
    listed = hire(cast.director_b1, cast.kg_b1, 41).person
    misconduct_record(
        actor=cast.admin_b,
        person=listed,
        occurred_on=datetime.date(2026, 1, 5),
        decided_on=datetime.date(2026, 1, 20),
        description="体罚幼儿",
        sanction=Sanction.DISMISSAL,
        veto=True,
    )
    checked = hire(cast.director_b1, cast.kg_b1, 42).person
    record_check_add(
        actor=cast.director_b1, person=checked, kind=RecordCheck.Kind.YEARLY,
        checked_on=datetime.date(2026, 2, 1), result=RecordCheck.Result.RECORD,
    )  # fmt: skip
    for person in (listed, checked):
        Employment.objects.filter(person=person).update(leave_date=datetime.date(2026, 3, 1))
    client.force_login(cast.kg_director)
    rows = [staff_row(41, name=listed.name), staff_row(42, name=checked.name), staff_row(43)]
    before = totals()
    page = upload(client, cast.kg_a1, build_staff_roster(rows)).content.decode()
    assert totals() == before
    contact = cast.kg_b1.district.name
    assert page.count(REFUSED.format(contact=contact)) == 2
    for secret in ("体罚", "黑名单", "违法犯罪", "开除"):
        assert secret not in page


def test_someone_employed_elsewhere_is_refused(client, cast):
    elsewhere = hire(cast.director_b1, cast.kg_b1, 44).person
    client.force_login(cast.kg_director)
    page = upload(client, cast.kg_a1, build_staff_roster([staff_row(44, name=elsewhere.name)])).content.decode()
    assert "仍在其他幼儿园在职" in page and not StaffImport.objects.exists()


# --- preview, confirm, all or nothing -----------------------------------------------------------


def test_a_clean_file_is_previewed_masked_then_written_on_confirm_with_audit(client, cast):
    client.force_login(cast.kg_director)
    page = upload(client, cast.kg_a1, build_staff_roster([staff_row(51, phone="13800000051"), staff_row(52)]))
    html = page.content.decode()
    assert "导入预览" in html and id_number(51) not in html and "110101********" in html
    assert not Person.objects.exists()  # nothing until confirmed
    staff_import = StaffImport.objects.get()
    response = client.post(reverse("staffing:import-confirm", args=[staff_import.pk]))
    result = follow_job(client, response).content.decode()
    assert "新增入职 2 人" in result
    people = {p.name: p for p in Person.objects.all()}
    assert people["教师51"].phone == "13800000051"
    assert Employment.objects.filter(kindergarten=cast.kg_a1, leave_date__isnull=True).count() == 2
    assert AuditEntry.objects.filter(content_type__model="employment").count() == 2
    staff_import.refresh_from_db()
    assert staff_import.state == StaffImport.State.APPLIED
    assert id_number(51) not in str(staff_import.rows)  # the full numbers are dropped once applied
    again = client.post(reverse("staffing:import-confirm", args=[staff_import.pk]), follow=True)
    assert "已经导入过" in again.content.decode() and Employment.objects.count() == 2


def test_a_row_failing_at_apply_time_rolls_every_row_back(client, cast):
    client.force_login(cast.kg_director)
    upload(client, cast.kg_a1, build_staff_roster([staff_row(61), staff_row(62)]))
    staff_import = StaffImport.objects.get()
    hire(cast.director_b1, cast.kg_b1, 62)  # meanwhile hired elsewhere
    before = totals()
    result = follow_job(client, client.post(reverse("staffing:import-confirm", args=[staff_import.pk])))
    assert "导入失败，没有保存任何数据" in result.content.decode() and "第 3 行" in result.content.decode()
    assert totals() == before
    assert StaffImport.objects.get().state == StaffImport.State.PENDING


def test_updates_of_people_on_the_roster_and_refused_post_changes(cast):
    employment = hire(cast.kg_director, cast.kg_a1, 71, phone="1")
    values = {"name": employment.person.name, "hire_date": "2025-09-01"}
    preview = staff_import_preview(
        actor=cast.kg_director,
        kindergarten=cast.kg_a1,
        data=build_staff_roster([staff_row(71, phone="2", social_insurance="是", **values)]),
        filename="a.xlsx",
    )
    [row] = preview.staff_import.rows
    assert row["action"] == "update"
    assert row["changes"] == [["联系电话", "1", "2"], ["已缴纳社会保险", "否", "是"]]
    refused = staff_import_preview(
        actor=cast.kg_director,
        kindergarten=cast.kg_a1,
        data=build_staff_roster([staff_row(71, post="保育员", **values)]),
        filename="a.xlsx",
    )
    assert refused.staff_import is None and "名册导入不变更岗位" in refused.problems[0].message


def test_preview_queries_do_not_grow_with_rows(cast):
    for seq in range(80, 83):
        hire(cast.kg_director, cast.kg_a1, seq)

    def count(n):
        rows = [staff_row(seq, name=f"教师{seq}") for seq in range(80, 80 + n)]
        with CaptureQueriesContext(connection) as ctx:
            staff_import_preview(
                actor=cast.kg_director, kindergarten=cast.kg_a1, data=build_staff_roster(rows), filename="a.xlsx"
            )
        return len(ctx)

    assert count(2) == count(20)


# --- export -------------------------------------------------------------------------------------


def _export(client, user, kg):
    client.force_login(user)
    follow_job(client, client.post(reverse("staffing:roster-export", args=[kg.pk])))
    return Job.objects.filter(kind="staffing.roster_export", requested_by=user).latest("pk")


def test_the_export_is_a_template_that_imports_back_unchanged_and_records_the_reveals(client, cast):
    hire(cast.kg_director, cast.kg_a1, 91, phone="=1+1")
    hire(cast.kg_director, cast.kg_a1, 92, post=Post.CAREGIVER)
    job = _export(client, cast.kg_director, cast.kg_a1)
    book = job_file(job)
    assert book.sheetnames == [excel.SHEET_ROSTER, excel.SHEET_LISTS, excel.SHEET_HELP]
    sheet = book[excel.SHEET_ROSTER]
    values = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert {v[1] for v in values} == {id_number(91), id_number(92)}  # the director may see them
    assert "'=1+1" in [v[7] for v in values]
    assert IdReveal.objects.filter(user=cast.kg_director, purpose="导出教职工名册").count() == 2
    with job.result_file.open("rb") as handle:
        data = handle.read()
    response = upload(client, cast.kg_a1, data)
    assert StaffImport.objects.get().summary == {"create": 0, "update": 0, "unchanged": 2}, response.content


def test_a_masked_export_for_the_city_viewer_still_imports_back(client, cast):
    hire(cast.kg_director, cast.kg_a1, 93)
    job = _export(client, cast.city_viewer, cast.kg_a1)
    with job.result_file.open("rb") as handle:
        data = handle.read()
    sheet = load_workbook(io.BytesIO(data))[excel.SHEET_ROSTER]
    assert sheet.cell(row=2, column=2).value == Person.objects.get().id_masked
    assert not IdReveal.objects.filter(user=cast.city_viewer).exists()
    client.force_login(cast.kg_director)
    upload(client, cast.kg_a1, data)
    assert StaffImport.objects.get().summary == {"create": 0, "update": 0, "unchanged": 1}


def test_big_imports_report_progress_on_the_worker(client, cast, settings):
    client.force_login(cast.kg_director)
    response = client.post(
        import_url(cast.kg_a1),
        {"file": SimpleUploadedFile("a.xlsx", build_staff_roster([staff_row(n) for n in range(100, 160)]))},
    )
    assert response.status_code == 302 and not StaffImport.objects.exists()  # the request only queued it
    [job] = run_queued_jobs()
    assert job.state == Job.State.DONE and job.progress_done == job.progress_total == 60


def test_the_preview_page_is_paginated_with_a_fixed_number_of_queries(client, cast):
    from staffing.models import StaffImport

    def pending(n):
        rows = [
            {"row": r, "name": f"教师{r}", "id_masked": "110101********0011", "post": "专任教师", "person_id": None,
             "person_changes": {}, "action": "create", "hire": {}, "changes": []}
            for r in range(2, n + 2)
        ]  # fmt: skip
        return StaffImport.objects.create(
            kindergarten=cast.kg_a1, uploaded_by=cast.kg_director, filename="a.xlsx", rows=rows, summary={"create": n}
        )

    client.force_login(cast.kg_director)
    small, large = pending(2), pending(250)
    client.get(reverse("staffing:import-confirm", args=[small.pk]))
    counts = []
    for staff_import in (small, large):
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            page = client.get(reverse("staffing:import-confirm", args=[staff_import.pk])).content.decode()
        counts.append(len(ctx))
    assert counts[0] == counts[1]
    assert "教师101" in page and "教师102" not in page  # 100 rows a page
