"""The city's own reports (reports.models.SubmitterLevel.CITY), with the pairing December summary
市帮扶工作年度总结 (``pairing-city-summary``: December only, due the 28th, grace 3 days): who owes it, who
sees and files it, on time and late by the Beijing clock, the reopen, reminders, the pages, the export,
and a district's type editor that cannot make one.
"""

import datetime
import io

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from core.models import Notification
from reports.access import report_types_manageable_by, report_types_visible_to, submissions_visible_to
from reports.models import ReportType, Submission, SubmissionEvent
from reports.schedule import open_due_submissions, send_daily_digests
from reports.services import (
    report_type_create,
    report_types_ensure_registered,
    submission_for,
    submission_reopen,
    submission_save,
    submission_submit,
    submissions_open,
)

DEC = datetime.date(2025, 12, 1)
TEXTS = {"results": "全市参与率达到目标。", "problems": "个别协议长期无活动。", "plan": "明年扩大跨区域结对。"}


@pytest.fixture
def city_type(cast):
    report_types_ensure_registered()
    return ReportType.objects.get(code="pairing-city-summary")


def _city_report(cast, city_type, city=None):
    return submission_for(report_type=city_type, month=DEC, district=city or cast.city)


def test_the_type_is_a_city_report_due_the_28th_of_december(city_type):
    assert (city_type.name, city_type.submitter_level, city_type.period) == ("市帮扶工作年度总结", "city", "current")
    assert city_type.due_date(DEC) == datetime.date(2025, 12, 28)
    assert city_type.get_submitter_level_display() == "市报省"
    assert city_type.receiver_label == "省教育厅（平台外报送）"


def test_every_city_owes_it_in_december_only(cast, city_type, at):
    assert submissions_open(report_type=city_type, month=DEC.replace(month=11)) == 0
    assert submissions_open(report_type=city_type, month=DEC) == 2
    owed = Submission.objects.filter(report_type=city_type)
    assert {(s.district_id, s.kindergarten_id, s.due_date) for s in owed} == {
        (cast.city.pk, None, datetime.date(2025, 12, 28)),
        (cast.other_city.pk, None, datetime.date(2025, 12, 28)),
    }
    assert submissions_open(report_type=city_type, month=DEC) == 0  # idempotent
    # The daily run opens it in December, not in November.
    with at(2026, 11, 15, 1, 0, 0):
        open_due_submissions()
    assert not Submission.objects.filter(report_type=city_type, month=datetime.date(2026, 11, 1)).exists()
    with at(2026, 12, 1, 1, 0, 0):
        open_due_submissions()
    assert Submission.objects.filter(report_type=city_type, month=datetime.date(2026, 12, 1)).count() == 2


def test_only_that_citys_viewer_sees_it(cast, city_type):
    own, foreign = _city_report(cast, city_type), _city_report(cast, city_type, cast.other_city)
    assert set(submissions_visible_to(cast.city_viewer).filter(report_type=city_type)) == {own}
    for user in (cast.bureau_admin, cast.bureau_staff, cast.supervisor, cast.kg_director, cast.kg_staff, cast.admin_b):
        assert not submissions_visible_to(user).filter(report_type=city_type).exists()
        assert not report_types_visible_to(user).filter(pk=city_type.pk).exists()
        assert not report_types_manageable_by(user).filter(pk=city_type.pk).exists()
    assert foreign not in submissions_visible_to(cast.city_viewer)
    assert report_types_manageable_by(cast.city_viewer).filter(pk=city_type.pk).exists()


def test_a_district_bureau_or_a_director_gets_404_and_cannot_file_it(client, cast, city_type):
    report = _city_report(cast, city_type)
    url = reverse("reports:submission-detail", args=[report.pk])
    for user in (cast.bureau_admin, cast.bureau_staff, cast.kg_director, cast.supervisor):
        client.force_login(user)
        assert client.get(url).status_code == 404
        assert client.post(url, {"action": "submit", **TEXTS}).status_code == 404
        assert client.get(reverse("reports:submission-excel", args=[report.pk])).status_code == 404
        assert client.get(f"/api/v1/report-submissions/{report.pk}/").status_code == 404
        with pytest.raises(PermissionDenied):
            submission_save(actor=user, submission=report, data=TEXTS)
    report.refresh_from_db()
    assert (report.state, report.data) == ("open", {})


def test_the_city_files_it_on_time_by_the_28th_2359_59_beijing(cast, city_type, at):
    report = _city_report(cast, city_type)
    with at(2025, 12, 28, 23, 59, 59):
        done = submission_submit(actor=cast.city_viewer, submission=report, data=TEXTS)
    assert (done.state, done.on_time, done.submitted_by) == ("submitted", True, cast.city_viewer)
    assert done.data["results"] == TEXTS["results"]
    assert done.data["districts"] == 2  # the figures are taken with it
    event = SubmissionEvent.objects.get(submission=done, action="submitted")
    assert event.note == "按时报送"
    # Nobody reviews it in the portal: "submitted" is its last state.
    from reports.services import submission_approve, submission_return

    with pytest.raises(PermissionDenied):
        submission_approve(actor=cast.city_viewer, submission=done)
    with pytest.raises(PermissionDenied):
        submission_return(actor=cast.city_viewer, submission=done, reason="请核对")


def test_at_0000_00_of_the_29th_it_is_late(cast, city_type, at):
    report = _city_report(cast, city_type)
    with at(2025, 12, 29, 0, 0, 0):
        done = submission_submit(actor=cast.city_viewer, submission=report, data=TEXTS)
    assert (done.state, done.on_time) == ("submitted", False)
    assert SubmissionEvent.objects.get(submission=done, action="submitted").note == "逾期报送"


def test_past_the_grace_period_the_city_reopens_it_with_a_reason(cast, city_type, at):
    report = _city_report(cast, city_type)
    with at(2026, 1, 1, 9, 0, 0):  # grace: 3 days, until 31 December
        with pytest.raises(ValidationError) as refused:
            submission_submit(actor=cast.city_viewer, submission=report, data=TEXTS)
        assert "请先填写原因准予补报" in str(refused.value)
        with pytest.raises(ValidationError):
            submission_reopen(actor=cast.city_viewer, submission=report, reason="")
        submission_reopen(actor=cast.city_viewer, submission=report, reason="省教育厅同意延期报送")
        done = submission_submit(actor=cast.city_viewer, submission=report, data=TEXTS)
    assert (done.state, done.on_time) == ("submitted", False)
    with pytest.raises(PermissionDenied):
        submission_reopen(actor=cast.bureau_admin, submission=report, reason="x")


def test_a_submission_needs_the_citys_three_texts(cast, city_type, at):
    report = _city_report(cast, city_type)
    with at(2025, 12, 20, 9, 0, 0), pytest.raises(ValidationError) as refused:
        submission_submit(actor=cast.city_viewer, submission=report, data={"results": "有成效"})
    assert set(refused.value.message_dict) == {"problems", "plan"}


def test_the_city_viewers_are_reminded_and_nobody_is_escalated_to(cast, city_type, at):
    _city_report(cast, city_type)
    with at(2025, 12, 25, 8, 0, 0):  # three days before the 28th
        send_daily_digests()
    digest = Notification.objects.get(recipient=cast.city_viewer)
    assert "请尽快报送" in digest.body and "市帮扶工作年度总结" in digest.body and "12月28日截止" in digest.body
    with at(2026, 1, 1, 8, 0, 0):  # overdue (escalation day 4 is not due; day 1 after is not either)
        send_daily_digests()
    with at(2025, 12, 31, 8, 0, 0):  # three days after: an escalation day, but nobody above the city here
        send_daily_digests()
    assert not Notification.objects.exclude(recipient=cast.city_viewer).filter(body__contains="市帮扶").exists()


def test_the_citys_home_page_lists_it_while_it_is_due(client, cast, city_type):
    from django.utils import timezone

    month = timezone.localdate().replace(day=1)  # whatever today is: due the 28th, or overdue after it
    report = submission_for(report_type=city_type, month=month, district=cast.city)
    client.force_login(cast.city_viewer)
    home = client.get("/").content.decode()
    assert "待办月报" in home and f"/reports/submissions/{report.pk}/" in home
    client.force_login(cast.bureau_admin)
    assert f"/reports/submissions/{report.pk}/" not in client.get("/").content.decode()


def test_the_city_files_it_on_its_page(client, cast, city_type, at):
    report = _city_report(cast, city_type)
    client.force_login(cast.city_viewer)
    with at(2025, 12, 22, 9, 0, 0):
        page = client.get(reverse("reports:home"))
        assert page.status_code == 200 and "还有 6 天" in page.content.decode()
        assert f"/reports/submissions/{report.pk}/" in page.content.decode()
        detail = client.get(reverse("reports:submission-detail", args=[report.pk])).content.decode()
        assert "省教育厅（平台外报送）" in detail and "区县年度总结报送情况" in detail
        assert 'data-testid="approve"' not in detail and 'data-testid="build"' not in detail
        response = client.post(reverse("reports:submission-detail", args=[report.pk]), {"action": "submit", **TEXTS})
        assert response.status_code == 302
        report.refresh_from_db()
        assert (report.state, report.on_time, report.data["plan"]) == ("submitted", True, TEXTS["plan"])
        after = client.get(reverse("reports:submission-detail", args=[report.pk])).content.decode()
    assert "按时报送" in after and "审核通过" not in after


def test_the_completeness_page_does_not_offer_the_citys_own_report(client, cast, city_type):
    client.force_login(cast.city_viewer)
    response = client.get(reverse("reports:completeness"), {"type": city_type.pk})
    assert response.status_code == 200
    assert city_type not in response.context["types"] and response.context["report_type"] != city_type


def test_the_export_opens_with_the_figures_and_the_texts(client, cast, city_type, at):
    report = _city_report(cast, city_type)
    with at(2025, 12, 27, 10, 0, 0):
        submission_submit(actor=cast.city_viewer, submission=report, data=TEXTS)
    client.force_login(cast.city_viewer)
    response = client.get(reverse("reports:submission-excel", args=[report.pk]))
    assert response.status_code == 200
    ws = openpyxl.load_workbook(io.BytesIO(response.content)).active
    cells = {row[0]: row[1] for row in ws.iter_rows(values_only=True) if row[0]}
    assert ws["A1"].value == "盘锦市2025年12月市帮扶工作年度总结"
    assert cells["报送单位"] == "盘锦市" and cells["状态"] == "已报送（按时）"
    assert cells["区县数"] == 2 and cells["尚未报送的区县"] == "大洼区、双台子区"
    assert cells["成效"] == TEXTS["results"] and cells["下一步打算"] == TEXTS["plan"]
    assert "审核" not in "".join(str(v) for v in cells.values() if v)  # nobody reviewed it
    assert all("未报送的幼儿园" not in str(k) for k in cells)


def test_a_district_cannot_make_a_city_level_type(client, cast):
    from tests.matrix_reports import OWNED_CONTENT

    with pytest.raises(ValidationError) as refused:
        report_type_create(actor=cast.bureau_admin, content=OWNED_CONTENT, name="市级报表", submitter_level="city")
    assert "市级自报的报表由系统提供" in str(refused.value)
    client.force_login(cast.bureau_admin)
    page = client.get(reverse("reports:type-new")).content.decode()
    assert 'value="city"' not in page
    api = client.post(
        "/api/v1/report-types/",
        {"name": "市级报表", "submitter_level": "city", "content": OWNED_CONTENT},
        content_type="application/json",
    )
    assert api.status_code == 400 and not ReportType.objects.filter(name="市级报表").exists()


def test_the_district_report_api_leaves_the_citys_reports_out(client, cast, city_type):
    report = _city_report(cast, city_type)
    client.force_login(cast.city_viewer)
    listed = client.get("/api/v1/consolidated-reports/").json()
    assert report.pk not in [r["id"] for r in listed["results"]]
    assert client.get(f"/api/v1/consolidated-reports/{report.pk}/").status_code == 404
    mine = client.get("/api/v1/report-submissions/", {"report_type": "pairing-city-summary"}).json()
    assert [r["id"] for r in mine["results"]] == [report.pk]


def test_libreoffice_converts_the_citys_download(client, cast, city_type, at, tmp_path):
    """The city's file opens in LibreOffice without repair (as the kindergarten report's does)."""
    import shutil
    import subprocess

    from tests.conftest import service_missing

    office = shutil.which("soffice") or shutil.which("libreoffice")
    if office is None:
        service_missing("LibreOffice (soffice) is not installed: apt-get install libreoffice-calc-nogui")
    report = _city_report(cast, city_type)
    with at(2025, 12, 27, 10, 0, 0):
        submission_submit(actor=cast.city_viewer, submission=report, data=TEXTS)
    client.force_login(cast.city_viewer)
    path = tmp_path / "city.xlsx"
    path.write_bytes(client.get(reverse("reports:submission-excel", args=[report.pk])).content)
    subprocess.run(  # noqa: S603 - our own file, fixed arguments
        [
            office,
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/lo",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76",  # comma, quote, UTF-8
            "--outdir",
            str(tmp_path),
            str(path),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    text = (tmp_path / "city.csv").read_text(encoding="utf-8", errors="replace")
    assert "已报送区县帮扶工作年度总结的区县" in text and "区县数,2," in text and TEXTS["results"] in text
