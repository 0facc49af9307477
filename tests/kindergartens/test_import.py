"""Roster import: upload → preview (every problem by row, column, reason) → confirm → all rows or none.

Cast (tests/conftest.py): bureau_staff and bureau_admin import for district A (大洼街道, 西安镇,
kg_a1 大洼区第一幼儿园, kg_a2 西安镇中心幼儿园); district B (kg_b1) is foreign to them.
"""

import datetime
import decimal
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from core.models import AuditEntry, Job
from kindergartens import excel
from kindergartens.access import roster_import_get_for_user
from kindergartens.models import (
    CollaborationGroup,
    Kindergarten,
    KindergartenStatusChange,
    Level,
    RosterImport,
    Status,
)
from kindergartens.services import kindergarten_create, kindergarten_update, roster_import_apply, roster_preview, today
from tests.jobs import follow_job, run_queued_jobs
from tests.kindergartens.fixtures_excel import add_entry, build_roster, credit_code, row, zip_bomb

IMPORT_URL = reverse("kindergartens:import")


def upload(client, data: bytes, filename: str = "名册.xlsx"):
    """Upload; when the request queues a check, let the worker run it and open where it leads
    (the job page with the problems, or the preview). A refusal at upload answers at once."""
    file = SimpleUploadedFile(filename, data, content_type=excel.XLSX_CONTENT_TYPE)
    response = client.post(IMPORT_URL, {"file": file})
    if response.status_code != 302:
        return response
    return follow_job(client, response)


def totals():
    """Registry data and its audit trail (the job rows of the checks are not registry data)."""
    return (
        Kindergarten.objects.count(),
        RosterImport.objects.count(),
        AuditEntry.objects.exclude(content_type__model="job").count(),
        KindergartenStatusChange.objects.count(),
    )


def give_code(kindergarten, code):
    kindergarten_update(actor=None, kindergarten=kindergarten, changes={"credit_code": code}, check_rights=False)


def confirm_url(roster_import):
    return reverse("kindergartens:import-confirm", kwargs={"pk": roster_import.pk})


def preview(cast, rows, user=None):
    return roster_preview(actor=user or cast.bureau_staff, data=build_roster(rows), filename="名册.xlsx")


# --- the template ---------------------------------------------------------------------------


def test_template_download_lists_the_districts_own_vocabulary(client, cast):
    Level.objects.create(province="辽宁省", name="五星", rank=5)
    Level.objects.create(province="辽宁省", name="一星（停用）", rank=1, is_active=False)
    CollaborationGroup.objects.create(district=cast.district_a, name="第一协作组")
    CollaborationGroup.objects.create(district=cast.district_b, name="红旗协作组")
    client.force_login(cast.bureau_staff)
    response = client.get(reverse("kindergartens:import-template"))
    assert response.status_code == 200
    assert response["Content-Type"] == excel.XLSX_CONTENT_TYPE
    assert "filename*=utf-8''" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    lists = workbook[excel.SHEET_LISTS]
    listed = {c.value for r in lists.iter_rows() for c in r if c.value}
    assert {"大洼街道", "西安镇", "第一协作组", "五星", "四星级"} <= listed
    assert not {"红旗街道", "红旗协作组", "一级一类", "一星（停用）"} & listed
    assert [c.value for c in workbook[excel.SHEET_ROSTER][1]] == [c.header for c in excel.COLUMNS]


@pytest.mark.parametrize("role", ["city_viewer", "supervisor", "kg_director", "no_scope"])
def test_only_bureau_editors_get_the_template_and_the_upload_page(client, cast, role):
    client.force_login(getattr(cast, role))
    before = totals()
    assert client.get(reverse("kindergartens:import-template")).status_code == 403
    assert client.get(IMPORT_URL).status_code == 403
    assert upload(client, build_roster([row(1)])).status_code == 403
    assert totals() == before


def test_upload_page_offers_the_template(client, cast):
    client.force_login(cast.bureau_admin)
    response = client.get(IMPORT_URL)
    assert response.status_code == 200
    assert reverse("kindergartens:import-template") in response.content.decode()


# --- refused files: a clear message, nothing saved ------------------------------------------------


def _bad_files():
    good = build_roster([row(1)])
    wrong_headers = build_roster([row(1)], headers=[c.header for c in excel.COLUMNS if c.field != "nature"])
    return [
        pytest.param(b"this is a text file, not a workbook", "名册.xlsx", "不是 Excel 工作簿", id="text-as-xlsx"),
        pytest.param(good, "名册.xlsm", "宏", id="xlsm"),
        pytest.param(add_entry(good, "xl/vbaProject.bin", b"vba"), "名册.xlsx", "宏", id="vba-inside"),
        pytest.param(zip_bomb(120), "名册.xlsx", "压缩炸弹", id="zip-bomb"),
        pytest.param(wrong_headers, "名册.xlsx", "缺少列：办园性质*", id="wrong-headers"),
        pytest.param(good, "名册.csv", ".xlsx", id="csv-name"),
    ]


@pytest.mark.parametrize(("data", "filename", "message"), _bad_files())
def test_refused_files_save_nothing(client, cast, data, filename, message):
    client.force_login(cast.bureau_staff)
    before = totals()
    response = upload(client, data, filename)
    assert response.status_code == 200
    text = response.content.decode()
    assert message in text
    assert 'data-testid="file-error"' in text
    assert 'data-testid="confirm-import"' not in text
    assert totals() == before


def test_the_formula_refusal_says_where(client, cast):
    client.force_login(cast.bureau_staff)
    before = totals()
    response = upload(client, build_roster([row(1), row(2, capacity="=SUM(1,2)")], raw_formulas=True))
    problems = response.context["problems"]
    assert [(p.row, p.column) for p in problems] == [(3, "学位数")]
    assert "单元格 N3" in problems[0].message
    assert 'data-testid="confirm-import"' not in response.content.decode()
    assert totals() == before


def test_a_formula_and_the_other_problems_are_listed_together(client, cast):
    """One formula cell used to hide every other problem of the file."""
    client.force_login(cast.bureau_staff)
    rows = [row(1, capacity="=90*2"), row(2, nature="私立"), row(3, principal_name=" =1+1", township="红旗街道")]
    response = upload(client, build_roster(rows, raw_formulas=True))
    assert [(p.row, p.column) for p in response.context["problems"]] == [
        (2, "学位数"),
        (3, "办园性质*"),
        (4, "街道/乡镇*"),
        (4, "园长姓名"),
    ]
    assert "共检查 3 行，发现 4 个问题" in response.content.decode()


def test_an_oversized_upload_is_stopped_while_it_arrives(client, cast, settings):
    settings.ROSTER_IMPORT_MAX_BYTES = 4096
    client.force_login(cast.bureau_staff)
    before = totals()
    response = upload(client, build_roster([row(n) for n in range(50)]))
    assert response.status_code == 200
    assert "文件过大，上限为" in response.content.decode()
    assert totals() == before


def test_an_upload_without_a_file_asks_for_one(client, cast):
    client.force_login(cast.bureau_staff)
    response = client.post(IMPORT_URL, {})
    assert response.status_code == 200
    assert "请选择要上传的 Excel 文件。" in response.content.decode()


def test_the_upload_still_checks_the_csrf_token(cast):
    """The upload view is csrf_exempt only to install its size limit first; csrf_protect checks the token."""
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.bureau_staff)
    file = SimpleUploadedFile("名册.xlsx", build_roster([row(1)]), content_type=excel.XLSX_CONTENT_TYPE)
    assert client.post(IMPORT_URL, {"file": file}).status_code == 403
    token = client.get(IMPORT_URL).context["csrf_token"]
    file = SimpleUploadedFile("名册.xlsx", build_roster([row(1)]), content_type=excel.XLSX_CONTENT_TYPE)
    assert client.post(IMPORT_URL, {"csrfmiddlewaretoken": str(token), "file": file}).status_code == 302


# --- row problems ------------------------------------------------------------------------------


def test_every_row_problem_is_listed_and_nothing_is_stored(client, cast):
    rows = [
        row(1),
        row(2, nature="私立", capacity=-5),
        row(3),
        row(4, township="红旗街道"),
        row(5, credit_code=credit_code(1)),  # same code as row 2 of the sheet
        row(6, name="导入测试幼儿园3"),  # same name as row 4 of the sheet
    ]
    client.force_login(cast.bureau_staff)
    before = totals()
    response = upload(client, build_roster(rows))
    assert response.status_code == 200
    problems = [(p.row, p.column, p.message) for p in response.context["problems"]]
    assert problems == [
        (3, "办园性质*", "“私立”不是有效的办园性质，可选：公办、普惠性民办、非普惠性民办、社区办园点、无证园。"),
        (3, "学位数", "应填写不小于 0 的整数。"),
        (5, "街道/乡镇*", "本区没有名为“红旗街道”的街道/乡镇，请从下拉列表中选择。"),
        (6, "统一社会信用代码*", "与第 2 行的统一社会信用代码重复。"),
        (7, "园所名称*", "与第 4 行的园所名称重复。"),
    ]
    text = response.content.decode()
    assert "第 3 行" in text and "共检查 6 行，发现 5 个问题" in text
    assert 'data-testid="confirm-import"' not in text
    assert totals() == before


def test_a_credit_code_of_another_district_is_refused_without_naming_it(client, cast):
    give_code(cast.kg_b1, credit_code(900))
    client.force_login(cast.bureau_staff)
    response = upload(client, build_roster([row(1, credit_code=credit_code(900), name="抢注幼儿园")]))
    [problem] = response.context["problems"]
    assert (problem.row, problem.column) == (2, "统一社会信用代码*")
    assert "已登记在其他区县" in problem.message
    assert cast.kg_b1.name not in response.content.decode()
    cast.kg_b1.refresh_from_db()
    assert cast.kg_b1.name == "双台子区实验幼儿园"
    assert not RosterImport.objects.filter(uploaded_by=cast.bureau_staff).exists()


def test_a_name_taken_in_the_district_by_another_code_is_refused(cast):
    give_code(cast.kg_a1, credit_code(500))
    result = preview(cast, [row(1, name=cast.kg_a1.name)])
    assert [(p.column, p.message) for p in result.problems] == [
        ("园所名称*", f"本区已有同名幼儿园，其统一社会信用代码为 {credit_code(500)}，与本行不同。")
    ]


def test_renaming_onto_another_kindergartens_name_is_refused(cast):
    give_code(cast.kg_a1, credit_code(500))
    result = preview(cast, [row(500, name=cast.kg_a2.name)])
    assert [p.message for p in result.problems] == [f"本区已有名为“{cast.kg_a2.name}”的其他幼儿园，不能改为此名称。"]


def test_a_kindergarten_registered_without_a_code_is_matched_by_name(cast):
    result = preview(cast, [row(1, name=cast.kg_a1.name)])
    assert result.problems == []
    [stored] = result.roster_import.rows
    assert stored["action"] == "update" and stored["id"] == cast.kg_a1.pk
    assert ["统一社会信用代码*", "", credit_code(1)] in stored["changes"]


def test_an_inactive_level_is_refused_unless_it_is_already_the_kindergartens(cast):
    old = Level.objects.create(province="辽宁省", name="三星（旧）", is_active=False)
    give_code(cast.kg_a1, credit_code(500))
    kindergarten_update(actor=None, kindergarten=cast.kg_a1, changes={"level": old}, check_rights=False)
    kept = preview(cast, [row(500, name=cast.kg_a1.name, level="三星（旧）")])
    assert kept.problems == []
    new = preview(cast, [row(1, level="三星（旧）")])
    assert [(p.column, p.message) for p in new.problems] == [("等级", "该等级已停用，请选择在用的等级。")]


def test_preview_queries_do_not_grow_with_rows(cast):
    def count(n):
        with CaptureQueriesContext(connection) as ctx:
            result = preview(cast, [row(i) for i in range(n)])
        assert result.problems == []
        return len(ctx)

    assert count(3) == count(60)


# --- a clean file: preview, then confirm ---------------------------------------------------------


def test_a_clean_file_is_previewed_and_nothing_is_written_until_confirmed(client, cast):
    client.force_login(cast.bureau_staff)
    kindergartens_before = Kindergarten.objects.count()
    response = upload(client, build_roster([row(1), row(2, township="西安镇")]))
    roster_import = RosterImport.objects.get(uploaded_by=cast.bureau_staff)
    # upload → the job page (checked on the worker) → the preview
    assert [url for url, _status in response.redirect_chain][-1] == confirm_url(roster_import)
    assert Kindergarten.objects.count() == kindergartens_before
    assert roster_import.state == RosterImport.State.PENDING
    assert roster_import.district == cast.district_a and roster_import.uploaded_by == cast.bureau_staff
    assert roster_import.summary == {"create": 2, "update": 0, "unchanged": 0}
    assert len(roster_import.sha256) == 64

    page = client.get(confirm_url(roster_import))
    text = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="confirm-import"' in text
    assert "导入测试幼儿园2" in text and "西安镇 · 公办" in text and "新增" in text


def test_confirm_saves_every_row_with_history_and_audit(client, cast):
    CollaborationGroup.objects.create(district=cast.district_a, name="第一协作组")
    Level.objects.create(province="辽宁省", name="五星", rank=5)
    rows = [
        row(
            1,
            nature="普惠性民办",
            inclusive_recognised_on="2023-09-01",
            level="五星",
            collaboration_group="第一协作组",
            licence_valid_until=datetime.date(2027, 8, 31),
            fee_monthly=1200.5,
            principal_name="王园长",
            credit_rating="A 级",
        ),
        row(2, status="筹设", schedule="半日制"),
    ]
    client.force_login(cast.bureau_staff)
    upload(client, build_roster(rows))
    roster_import = RosterImport.objects.latest("pk")
    response = client.post(confirm_url(roster_import))
    assert response.status_code == 302 and response["Location"] == reverse("kindergartens:list")
    followed = client.get(response["Location"])
    assert "名册已导入：新增 2 所，更新 0 所，无变化 0 所。" in followed.content.decode()

    first = Kindergarten.objects.get(credit_code=credit_code(1))
    assert first.district == cast.district_a and first.township == cast.town_a
    assert first.nature == "inclusive_private" and first.inclusive_recognised_on == datetime.date(2023, 9, 1)
    assert first.level.name == "五星" and first.collaboration_group.name == "第一协作组"
    assert str(first.fee_monthly) == "1200.50" and first.fee_government_guided is True
    assert first.licence_valid_until == datetime.date(2027, 8, 31) and first.credit_rating == cast.grade_a
    second = Kindergarten.objects.get(credit_code=credit_code(2))
    assert second.status == Status.PREPARING and second.schedule == "half_day"
    history = KindergartenStatusChange.objects.filter(kindergarten=second)
    assert {(h.attribute, h.value, h.effective_date, h.note) for h in history} == {
        ("status", "preparing", today(), "名册导入"),
        ("nature", "public", today(), "名册导入"),
    }
    entries = AuditEntry.objects.filter(object_id=str(first.pk), content_type__model="kindergarten")
    assert [(e.action, e.source, e.actor_id) for e in entries] == [("create", "web", cast.bureau_staff.pk)]
    roster_import.refresh_from_db()
    assert roster_import.state == RosterImport.State.APPLIED and roster_import.applied_at is not None


def test_reimporting_the_same_file_changes_nothing(client, cast):
    data = build_roster([row(1, principal_since="2020-09-01"), row(2, level=None, fee_monthly=None)])
    client.force_login(cast.bureau_staff)
    upload(client, data)
    client.post(confirm_url(RosterImport.objects.latest("pk")))
    stamps = dict(Kindergarten.objects.values_list("pk", "updated_at"))
    before = totals()

    upload(client, data)
    again = RosterImport.objects.latest("pk")
    assert again.summary == {"create": 0, "update": 0, "unchanged": 2}
    assert {r["action"] for r in again.rows} == {"unchanged"}
    client.post(confirm_url(again))
    assert totals()[0] == before[0] and totals()[2:] == before[2:]  # no kindergarten, entry or history added
    assert dict(Kindergarten.objects.values_list("pk", "updated_at")) == stamps


def test_a_changed_file_updates_by_credit_code(client, cast):
    client.force_login(cast.bureau_staff)
    upload(client, build_roster([row(1), row(2)]))
    client.post(confirm_url(RosterImport.objects.latest("pk")))
    kindergarten = Kindergarten.objects.get(credit_code=credit_code(1))
    entries_before = AuditEntry.objects.count()

    changed = [row(1, name="改名幼儿园", address="新地址1号", status="停办", capacity=None), row(2)]
    upload(client, build_roster(changed))
    roster_import = RosterImport.objects.latest("pk")
    assert roster_import.summary == {"create": 0, "update": 1, "unchanged": 1}
    [update] = [r for r in roster_import.rows if r["action"] == "update"]
    assert update["changes"] == [
        ["园所名称*", "导入测试幼儿园1", "改名幼儿园"],
        ["办园状态", "在办", "停办"],
        ["地址", "测试路1号", "新地址1号"],
    ]
    page = client.get(confirm_url(roster_import)).content.decode()
    assert "<del>测试路1号</del> → <ins>新地址1号</ins>" in page

    client.post(confirm_url(roster_import))
    kindergarten.refresh_from_db()
    assert (kindergarten.name, kindergarten.address, kindergarten.status) == ("改名幼儿园", "新地址1号", "suspended")
    assert kindergarten.capacity == 180  # blank 学位数 keeps the value
    assert KindergartenStatusChange.objects.filter(
        kindergarten=kindergarten, attribute="status", value="suspended", effective_date=today()
    ).exists()
    assert AuditEntry.objects.count() > entries_before
    assert Kindergarten.objects.filter(district=cast.district_a).count() == 4


def test_a_second_confirm_does_nothing(client, cast):
    client.force_login(cast.bureau_staff)
    upload(client, build_roster([row(1)]))
    roster_import = RosterImport.objects.latest("pk")
    client.post(confirm_url(roster_import))
    before = totals()
    response = client.post(confirm_url(roster_import), follow=True)
    assert "该名册已经导入过，没有重复导入。" in response.content.decode()
    assert totals() == before
    page = client.get(confirm_url(roster_import)).content.decode()
    assert 'data-testid="import-applied"' in page and 'data-testid="confirm-import"' not in page


def test_a_row_failing_at_apply_time_rolls_every_row_back(client, cast):
    client.force_login(cast.bureau_staff)
    upload(client, build_roster([row(1), row(2), row(3)]))
    roster_import = RosterImport.objects.latest("pk")
    # Meanwhile someone registers a kindergarten with the code of the file's second row.
    kindergarten_create(
        actor=None, name="抢先登记的幼儿园", district=cast.district_a, township=cast.town_a, nature="public",
        credit_code=credit_code(2),
    )  # fmt: skip
    before = totals()
    response = client.post(confirm_url(roster_import), follow=True)
    text = response.content.decode()
    assert "导入失败，没有保存任何数据。第 3 行（导入测试幼儿园2）" in text
    assert totals() == before
    assert not Kindergarten.objects.filter(credit_code=credit_code(1)).exists()  # the first row was rolled back
    roster_import.refresh_from_db()
    assert roster_import.state == RosterImport.State.PENDING


def test_apply_refuses_a_user_of_another_district(cast):
    result = preview(cast, [row(1)])
    with pytest.raises(PermissionDenied):
        roster_import_apply(actor=cast.admin_b, roster_import=result.roster_import)
    with pytest.raises(PermissionDenied):
        roster_import_apply(actor=cast.city_viewer, roster_import=result.roster_import)
    assert not Kindergarten.objects.filter(credit_code=credit_code(1)).exists()


def test_apply_reports_a_township_deleted_after_the_preview(cast):
    from kindergartens.models import Township

    extra = Township.objects.create(district=cast.district_a, name="临时街道", urban_rural_code="111")
    result = preview(cast, [row(1, township="临时街道")])
    extra.delete()
    with pytest.raises(ValidationError) as info:
        roster_import_apply(actor=cast.bureau_staff, roster_import=result.roster_import)
    assert "第 2 行" in info.value.messages[0] and "街道/乡镇已被删除" in info.value.messages[0]


def test_blank_keep_columns_keep_an_existing_status(cast):
    give_code(cast.kg_a2, credit_code(77))
    kindergarten_update(actor=None, kindergarten=cast.kg_a2, changes={"status": Status.SUSPENDED}, check_rights=False)
    values = row(77, name=cast.kg_a2.name, township="西安镇", status=None, schedule=None, capacity=None)
    values.update(fee_government_guided=None, has_parent_committee=None, address="", fee_monthly=None, sponsor=None)
    result = preview(cast, [values])
    assert result.problems == [] and result.roster_import.rows[0]["action"] == "unchanged"


# --- who may see and confirm an import ------------------------------------------------------------


def test_confirm_page_scope(client, cast):
    own = preview(cast, [row(1)]).roster_import
    foreign = preview(cast, [row(2, township="红旗街道")], user=cast.admin_b).roster_import
    assert foreign is not None and foreign.district == cast.district_b
    expectations = {
        "bureau_admin": (200, 404),
        "bureau_staff": (200, 404),
        "city_viewer": (403, 403),  # both districts are the city's: in scope, but no right to import
        "supervisor": (404, 404),
        "kg_director": (404, 404),
        "kg_staff": (404, 404),
        "no_scope": (404, 404),
    }
    for role, (own_status, foreign_status) in expectations.items():
        client.force_login(getattr(cast, role))
        assert client.get(confirm_url(own)).status_code == own_status, role
        assert client.post(confirm_url(foreign)).status_code == foreign_status, role
    assert not Kindergarten.objects.filter(credit_code__in=[credit_code(1), credit_code(2)]).exists()
    client.logout()
    assert client.get(confirm_url(own)).status_code == 302


def test_a_missing_import_is_404(client, cast):
    client.force_login(cast.bureau_staff)
    assert client.get(reverse("kindergartens:import-confirm", kwargs={"pk": 999999})).status_code == 404


def test_roster_import_get_for_user(cast):
    own = preview(cast, [row(1)]).roster_import
    assert roster_import_get_for_user(cast.bureau_admin, own.pk) == own
    with pytest.raises(PermissionDenied):
        roster_import_get_for_user(cast.city_viewer, own.pk)


def test_preview_page_query_count_does_not_grow(client, cast):
    client.force_login(cast.bureau_staff)
    few = preview(cast, [row(i) for i in range(2)]).roster_import
    many = preview(cast, [row(i) for i in range(150)]).roster_import

    def count(roster_import):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(confirm_url(roster_import)).status_code == 200
        return len(ctx)

    client.get(confirm_url(few))  # warm-up: the signed-in user is cached from the second request on
    assert count(few) == count(many)


def test_preview_rows_are_paginated_changes_first(client, cast):
    give_code(cast.kg_a1, credit_code(0))
    rows = [row(0, name=cast.kg_a1.name, address="不同的地址")] + [row(i) for i in range(1, 130)]
    roster_import = preview(cast, rows).roster_import
    client.force_login(cast.bureau_staff)
    first = client.get(confirm_url(roster_import)).context["page"]
    assert first.paginator.num_pages == 2
    assert [r["action"] for r in first.object_list[:2]] == ["create", "create"]
    assert first.object_list[-1]["action"] == "create"
    last = client.get(confirm_url(roster_import), {"page": 2}).context["page"]
    assert last.object_list[-1]["action"] == "update"


# --- the batch writes leave what the single-row services leave --------------------------------


def _record(kindergarten):
    from django.forms.models import model_to_dict

    data = model_to_dict(Kindergarten.objects.get(pk=kindergarten.pk))
    return {k: v for k, v in data.items() if k not in ("id", "name", "credit_code")}


def _history(kindergarten):
    return sorted(
        (h.attribute, h.value, h.effective_date, h.note, h.recorded_by_id)
        for h in KindergartenStatusChange.objects.filter(kindergarten=kindergarten, note="名册导入")
    )


def _audit(kindergarten):
    """The web entries of a kindergarten and of its history rows: model, action, who, changes (names aside)."""
    from core.audit import history_for

    result = []
    entries = history_for(kindergarten, include=[kindergarten.status_changes.all()]).filter(source="web")
    for entry in entries:
        skip = ("name", "credit_code", "id", "kindergarten_id", "created_at", "updated_at", "recorded_at")
        changes = {k: v for k, v in entry.changes.items() if k not in skip}
        result.append((entry.content_type.model, entry.action, entry.source, entry.actor_id, sorted(changes.items())))
    return sorted(result, key=repr)


def test_batch_create_matches_kindergarten_create(cast):
    from core.audit import audit_context
    from kindergartens.services.imports import _create_many

    group = CollaborationGroup.objects.create(district=cast.district_a, name="第一协作组")
    values = {
        "township": cast.village_a,
        "nature": "inclusive_private",
        "inclusive_recognised_on": datetime.date(2023, 9, 1),
        "status": Status.PREPARING,
        "level": cast.level_ln,
        "collaboration_group": group,
        "capacity": 240,
        "fee_monthly": decimal.Decimal("980.00"),
        "fee_government_guided": True,
        "principal_name": "刘园长",
        "credit_rating": cast.grade_a,
    }
    with audit_context(source="web", actor=cast.bureau_staff):
        single = kindergarten_create(
            actor=cast.bureau_staff, district=cast.district_a, name="单条园", credit_code=credit_code(1),
            effective_date=today(), note="名册导入", **values,
        )  # fmt: skip
        _create_many(
            actor=cast.bureau_staff,
            district=cast.district_a,
            rows=[("第 2 行", {"name": "批量园", "credit_code": credit_code(2), **values})],
        )
    batch = Kindergarten.objects.get(credit_code=credit_code(2))
    assert _record(batch) == _record(single)
    assert _history(batch) == _history(single)
    assert _audit(batch) == _audit(single)


def _update_twins(cast):
    """kg_a1 updated by kindergarten_update, its twin by the batch: the same changes, effective today."""
    from core.audit import audit_context
    from kindergartens.services.imports import _update_many

    give_code(cast.kg_a1, credit_code(1))
    twin = kindergarten_create(
        actor=None, district=cast.district_a, name="孪生园", township=cast.town_a, nature="public",
        credit_code=credit_code(2),
    )  # fmt: skip
    changes = {
        "township": cast.village_a,
        "nature": "inclusive_private",
        "inclusive_recognised_on": datetime.date(2024, 3, 1),
        "status": Status.RECTIFYING,
        "level": cast.level_ln,
        "address": "新址 8 号",
        "has_parent_committee": True,
        "fee_monthly": decimal.Decimal("1500.00"),
    }
    single, batch = (
        Kindergarten.objects.select_related("district", "township", "collaboration_group", "level").get(pk=pk)
        for pk in (cast.kg_a1.pk, twin.pk)
    )
    with audit_context(source="web", actor=cast.bureau_staff):
        kindergarten_update(
            actor=cast.bureau_staff, kindergarten=single, changes=dict(changes), note="名册导入", check_rights=False,
        )  # fmt: skip
        assert _update_many(actor=cast.bureau_staff, district=cast.district_a, rows=[("第 2 行", batch, changes)]) == 1
    return single, batch


def test_batch_update_matches_kindergarten_update(cast):
    single, batch = _update_twins(cast)
    assert _record(batch) == _record(single)
    # status today; 普惠性民办 from its recognition date (2024-03-01), which precedes the registration
    # here (today), so the registration's nature is corrected on its day too.
    assert len(_history(batch)) == 3 and _history(batch) == _history(single)
    stored = Kindergarten.objects.get(pk=batch.pk)
    assert stored.updated_at > stored.created_at  # bulk_update does not apply auto_now: the batch stamps it


def test_batch_update_audit_matches_kindergarten_update(cast):
    single, batch = _update_twins(cast)
    assert len(_audit(batch)) == 4 and _audit(batch) == _audit(single)  # the record and three history rows


def test_batch_update_refuses_a_name_taken_meanwhile(cast):
    from kindergartens.services.imports import _update_many

    kindergarten = Kindergarten.objects.select_related("district", "township").get(pk=cast.kg_a1.pk)
    with pytest.raises(ValidationError) as info:
        _update_many(
            actor=cast.bureau_staff,
            district=cast.district_a,
            rows=[("第 9 行", kindergarten, {"name": cast.kg_a2.name})],
        )
    assert info.value.messages == ["第 9 行：本区县已有同名的幼儿园。"]


# --- the check runs on the worker: the request answers at once ---------------------------------------


def test_the_upload_only_queues_the_check(client, cast, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(cast.bureau_staff)
    file = SimpleUploadedFile("名册.xlsx", build_roster([row(1), row(2)]), content_type=excel.XLSX_CONTENT_TYPE)
    response = client.post(IMPORT_URL, {"file": file})
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("core:job-detail", kwargs={"pk": job.pk})
    assert (job.kind, job.state, job.input_name) == ("kindergartens.roster_check", Job.State.QUEUED, "名册.xlsx")
    assert job.district_id == cast.district_a.pk
    assert not RosterImport.objects.filter(uploaded_by=cast.bureau_staff).exists()  # nothing parsed yet
    page = client.get(response["Location"]).content.decode()
    assert "名册导入检查" in page and "排队中" in page


def test_a_refused_upload_keeps_no_bytes(client, cast, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(cast.bureau_staff)
    response = upload(client, build_roster([row(1, nature="私立")]))
    assert 'data-testid="problems-summary"' in response.content.decode()
    job = Job.objects.get()
    assert not job.input_file and not list((tmp_path / "jobs" / "input").glob("*"))
    # refused before queuing: no job, no bytes at all
    before = Job.objects.count()
    response = upload(client, b"not a workbook at all")
    assert 'data-testid="file-error"' in response.content.decode()
    assert Job.objects.count() == before


def test_a_damaged_file_found_on_the_worker_is_refused_with_the_message(client, cast):
    data = build_roster([row(n) for n in range(1, 30)])
    damaged = data[: len(data) - 400] + bytes(400)  # the end of the zip is zeros: unreadable
    client.force_login(cast.bureau_staff)
    before = totals()
    response = upload(client, damaged)
    text = response.content.decode()
    assert response.status_code == 200
    assert "文件" in text and 'data-testid="file-error"' in text
    assert totals() == before


def test_many_problems_show_the_first_hundred_the_count_and_a_file_with_all(client, cast):
    rows = [row(n, nature="私立", capacity=-1) for n in range(1, 121)]  # 240 problems
    client.force_login(cast.bureau_staff)
    before = totals()
    response = upload(client, build_roster(rows))
    assert totals() == before
    assert len(response.context["problems"]) == 100
    text = response.content.decode()
    assert "共检查 120 行，发现 240 个问题" in text
    assert "下面列出前 100 个问题；全部 240 个问题请下载问题清单查看" in text
    # The problems file is offered above the list, not below a hundred rows.
    assert text.count('data-testid="job-download"') == 1
    assert text.index('data-testid="job-download"') < text.index('data-testid="import-problems"')
    job = Job.objects.get()
    download = client.get(reverse("core:job-download", kwargs={"pk": job.pk}))
    assert download.status_code == 200
    assert "%E9%97%AE%E9%A2%98%E6%B8%85%E5%8D%95" in download["Content-Disposition"]  # 问题清单
    workbook = load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    sheet = workbook[excel.SHEET_ROSTER]
    header = [c.value for c in sheet[1]]
    assert header == [c.header for c in excel.COLUMNS] + ["检查问题"]
    notes = [r[-1] for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert len(notes) == 120
    assert all("办园性质*：“私立”不是有效的办园性质" in n and "学位数：应填写不小于 0 的整数。" in n for n in notes)
    assert sheet["D2"].fill.fgColor.rgb.endswith("FFC7CE")  # the problem cell is marked
    assert {excel.SHEET_LISTS, excel.SHEET_HELP} <= set(workbook.sheetnames)


def test_the_problems_file_once_corrected_can_be_uploaded_as_it_is(client, cast):
    client.force_login(cast.bureau_staff)
    upload(client, build_roster([row(1), row(2, nature="私立"), row(3, principal_name="=1+1")], raw_formulas=True))
    job = Job.objects.get()
    data = b"".join(client.get(reverse("core:job-download", kwargs={"pk": job.pk})).streaming_content)
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook[excel.SHEET_ROSTER]
    assert sheet["Q4"].value == "'=1+1" and sheet["Q4"].data_type == "s"  # kept, as text
    sheet["D3"] = "公办"
    sheet["Q4"] = "王园长"
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = upload(client, buffer.getvalue(), "名册_问题清单.xlsx")
    roster_import = RosterImport.objects.get(uploaded_by=cast.bureau_staff)
    assert roster_import.summary == {"create": 3, "update": 0, "unchanged": 0}
    assert [url for url, _status in response.redirect_chain][-1] == confirm_url(roster_import)


def test_the_check_runs_as_the_user_and_stops_if_the_right_is_gone(client, cast):
    client.force_login(cast.bureau_staff)
    file = SimpleUploadedFile("名册.xlsx", build_roster([row(1)]), content_type=excel.XLSX_CONTENT_TYPE)
    client.post(IMPORT_URL, {"file": file})
    cast.bureau_staff.role = "supervisor"
    cast.bureau_staff.save(update_fields=["role"])
    [job] = run_queued_jobs()
    assert job.state == Job.State.FAILED and job.error == "您已没有导入名册的权限，未检查该文件。"
    assert not RosterImport.objects.filter(uploaded_by=cast.bureau_staff).exists()


# --- a large confirmed import is written by the worker ------------------------------------------------


def test_a_large_import_is_written_by_the_worker(client, cast, settings):
    settings.ROSTER_APPLY_IN_REQUEST_MAX_ROWS = 2
    client.force_login(cast.bureau_staff)
    upload(client, build_roster([row(1), row(2), row(3)]))
    roster_import = RosterImport.objects.get(uploaded_by=cast.bureau_staff)
    before = totals()
    response = client.post(confirm_url(roster_import))
    job = Job.objects.get(kind="kindergartens.roster_apply")
    assert response["Location"] == reverse("core:job-detail", kwargs={"pk": job.pk})
    assert totals() == before  # nothing written by the request
    [ran] = run_queued_jobs()
    assert ran.state == Job.State.DONE and ran.result["counts"] == {"create": 3, "update": 0, "unchanged": 0}
    page = client.get(response["Location"]).content.decode()
    assert "名册已导入：新增 3 所，更新 0 所，无变化 0 所。" in page
    created = Kindergarten.objects.get(credit_code=credit_code(1))
    [entry] = AuditEntry.objects.filter(object_id=str(created.pk), content_type__model="kindergarten")
    assert (entry.action, entry.source, entry.actor_id) == ("create", "task", cast.bureau_staff.pk)
    roster_import.refresh_from_db()
    assert roster_import.state == RosterImport.State.APPLIED

    # A second confirm (a double click that got through) queues nothing that writes twice.
    response = client.post(confirm_url(roster_import), follow=True)
    assert "该名册已经导入过，没有重复导入。" in response.content.decode()
    assert Kindergarten.objects.filter(credit_code=credit_code(1)).count() == 1


def test_a_large_import_failing_on_the_worker_saves_nothing_and_says_why(client, cast, settings):
    settings.ROSTER_APPLY_IN_REQUEST_MAX_ROWS = 1
    client.force_login(cast.bureau_staff)
    upload(client, build_roster([row(1), row(2)]))
    roster_import = RosterImport.objects.get(uploaded_by=cast.bureau_staff)
    kindergarten_create(
        actor=None, name="抢先登记的幼儿园", district=cast.district_a, township=cast.town_a, nature="public",
        credit_code=credit_code(2),
    )  # fmt: skip
    before = totals()
    client.post(confirm_url(roster_import))
    [job] = run_queued_jobs()
    assert job.state == Job.State.FAILED
    assert job.error.startswith("导入失败，没有保存任何数据。第 3 行（导入测试幼儿园2）")
    assert totals() == before
