"""Report pages: the director's inbox and form, the bureau's completeness (with one-click remind), review
queue, district build (a job) and view, the city's rates, Excel downloads. Access rows are in
tests/matrix_reports.py; here: behaviour, messages in Chinese, query counts."""

import datetime
import io
import shutil
import subprocess

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.models import Notification
from reports.models import Submission
from reports.services import (
    submission_approve,
    submission_submit,
    submissions_open,
)
from tests.factories import KindergartenFactory
from tests.jobs import run_queued_jobs
from tests.reports.conftest import FEB, good_data


def _sub(cast, kg):
    return Submission.objects.get(report_type=cast.kg_type, month=FEB, kindergarten=kg)


def _form(data: dict, action: str = "submit") -> dict:
    """The report form as a browser posts it."""
    post = {"action": action}
    for key, value in data.items():
        if key == "drills":
            post["drills-rows"] = str(len(value))
            for i, row in enumerate(value):
                for col, cell in row.items():
                    post[f"drills-{i}-{col}"] = str(cell)
        else:
            post[key] = str(value)
    return post


def test_director_inbox_shows_deadlines(client, feb_open, at):
    client.force_login(feb_open.kg_director)
    with at(2025, 3, 9, 10, 0, 0):
        html = client.get(reverse("reports:home")).content.decode()
    assert 'data-testid="inbox-due"' in html
    assert "2025年2月" not in html or "2025年02月幼儿园月报" in html
    assert "2025年3月10日截止（还有 1 天）" in html
    with at(2025, 3, 12, 10, 0, 0):
        html = client.get(reverse("reports:home")).content.decode()
    assert 'data-testid="inbox-overdue"' in html and "可补报至 3月15日（标记为逾期）" in html
    with at(2025, 3, 16, 10, 0, 0):
        html = client.get(reverse("reports:home")).content.decode()
    assert "已过补报期限，请联系教育局准予补报" in html


def test_inbox_empty_state_and_queries(client, rcast, at, django_assert_max_num_queries):
    client.force_login(rcast.kg_director)
    with at(2025, 3, 9, 10, 0, 0):
        assert "目前没有需要您报送的月报。" in client.get(reverse("reports:home")).content.decode()
        submissions_open(report_type=rcast.kg_type, month=FEB)
        with django_assert_max_num_queries(6):
            client.get(reverse("reports:home"))


def test_the_form_is_prefilled_and_submits_on_time(client, feb_open, at):
    cast = feb_open
    sub = _sub(cast, cast.kg_a1)
    client.force_login(cast.kg_director)
    with at(2025, 3, 10, 23, 59, 0):
        html = client.get(reverse("reports:submission-detail", args=[sub.pk])).content.decode()
        assert 'name="children" value="20"' in html  # the cast's 小一班 has 20 children
        response = client.post(reverse("reports:submission-detail", args=[sub.pk]), _form(good_data()), follow=True)
    assert "报表已报送。" in response.content.decode()
    sub.refresh_from_db()
    assert sub.state == "submitted" and sub.on_time is True and sub.data["drills__rows"] == 1
    assert sub.data["drills"] == [{"date": "2025-02-12", "kind": "fire", "participants": 120}]


def test_a_late_submission_is_marked(client, feb_open, at):
    cast = feb_open
    sub = _sub(cast, cast.kg_a1)
    client.force_login(cast.kg_director)
    with at(2025, 3, 11, 0, 0, 0):
        response = client.post(reverse("reports:submission-detail", args=[sub.pk]), _form(good_data()), follow=True)
    html = response.content.decode()
    assert "报表已报送，已标记为逾期报送。" in html and 'data-testid="late"' in html


def test_hard_and_soft_problems_are_shown_and_nothing_is_saved(client, feb_open, at):
    cast = feb_open
    sub = _sub(cast, cast.kg_a1)
    url = reverse("reports:submission-detail", args=[sub.pk])
    client.force_login(cast.kg_director)
    with at(2025, 3, 9, 10, 0, 0):
        html = client.post(url, _form(good_data(no_incident="had_incident", incident_count=0))).content.decode()
        assert "选择了“本月发生安全事故”，请填写事故数（至少 1 起）。" in html
        html = client.post(url, _form(good_data(video_retention_days=7, children="abc"))).content.decode()
        assert 'data-testid="error-children"' in html and "请填写数字。" in html
        html = client.post(url, _form(good_data(video_retention_days=7))).content.decode()
        assert 'data-testid="explain-video_retention_30"' in html
        sub.refresh_from_db()
        assert sub.state == "open" and sub.first_submitted_at is None
        form = _form(good_data(video_retention_days=7))
        form["explain:video_retention_30"] = "硬盘更换中"
        client.post(url, form)
    sub.refresh_from_db()
    assert sub.state == "submitted" and sub.explanations == {"video_retention_30": "硬盘更换中"}


def test_staff_saves_a_draft_but_cannot_submit(client, feb_open, at):
    cast = feb_open
    sub = _sub(cast, cast.kg_a1)
    url = reverse("reports:submission-detail", args=[sub.pk])
    client.force_login(cast.kg_staff)
    with at(2025, 3, 9, 10, 0, 0):
        html = client.get(url).content.decode()
        assert 'data-testid="save"' in html and 'data-testid="submit"' not in html
        response = client.post(url, _form({"children": "77"}, action="save"), follow=True)
        assert "已暂存，尚未报送。" in response.content.decode()
        assert client.post(url, _form(good_data())).status_code == 403
    sub.refresh_from_db()
    assert sub.state == "open" and sub.data["children"] == 77


def test_bureau_reviews_returns_with_reason_and_approves(client, feb_open, at):
    cast = feb_open
    with at(2025, 3, 9, 10, 0, 0):
        a1 = submission_submit(actor=cast.kg_director, submission=_sub(cast, cast.kg_a1), data=good_data())
        a2 = submission_submit(actor=cast.director_a2, submission=_sub(cast, cast.kg_a2), data=good_data())
    client.force_login(cast.bureau_staff)
    with at(2025, 3, 11, 9, 0, 0):
        html = client.get(reverse("reports:review")).content.decode()
        assert a1.kindergarten.name in html and a2.kindergarten.name in html
        response = client.post(reverse("reports:submission-return", args=[a1.pk]), {"reason": " "}, follow=True)
        assert "请填写理由。" in response.content.decode()
        a1.refresh_from_db()
        assert a1.state == "submitted"
        client.post(reverse("reports:submission-return", args=[a1.pk]), {"reason": "教职工人数有误"})
        client.post(reverse("reports:submission-approve", args=[a2.pk]), {"next": reverse("reports:review")})
    a1.refresh_from_db()
    a2.refresh_from_db()
    assert (a1.state, a1.return_reason, a2.state) == ("returned", "教职工人数有误", "approved")
    client.force_login(cast.kg_director)
    html = client.get(reverse("reports:home")).content.decode()
    assert 'data-testid="inbox-returned"' in html and "教职工人数有误" in html


def test_review_queue_shows_changes_since_last_month_in_fixed_queries(client, rcast, at):
    from reports.services import submissions_open as open_

    cast = rcast
    jan = FEB.replace(month=1)
    with at(2025, 2, 5, 9, 0, 0):
        open_(report_type=cast.kg_type, month=jan)
        submission_submit(
            actor=cast.kg_director,
            submission=Submission.objects.get(month=jan, kindergarten=cast.kg_a1),
            data=good_data(),
        )
    with at(2025, 3, 5, 9, 0, 0):
        open_(report_type=cast.kg_type, month=FEB)
        submission_submit(actor=cast.kg_director, submission=_sub(cast, cast.kg_a1), data=good_data(children=104))
    client.force_login(cast.bureau_staff)
    with CaptureQueriesContext(connection) as few:
        html = client.get(reverse("reports:review")).content.decode()
    assert "月末在园幼儿数：100 → 104（+4人）" in html
    for i in range(5):
        kg = KindergartenFactory(name=f"新园{i}", township=cast.town_a)
        s = Submission.objects.create(
            report_type=cast.kg_type,
            version=cast.kg_type.versions.get(),
            month=FEB,
            kindergarten=kg,
            district=cast.district_a,
            due_date=FEB.replace(month=3, day=10),
        )
        Submission.objects.filter(pk=s.pk).update(
            state="submitted", first_submitted_at=s.created_at, submitted_at=s.created_at, data=good_data()
        )
    with CaptureQueriesContext(connection) as many:
        html = client.get(reverse("reports:review")).content.decode()
    assert html.count('data-testid="approve-') == 7  # January's report waits too
    assert len(many) == len(few)


def test_completeness_rates_missing_and_one_click_remind(client, feb_open, at):
    cast = feb_open
    with at(2025, 3, 10, 9, 0, 0):
        submission_submit(actor=cast.kg_director, submission=_sub(cast, cast.kg_a1), data=good_data())
    client.force_login(cast.bureau_staff)
    url = f"{reverse('reports:completeness')}?type={cast.kg_type.pk}&month=2025-02"
    with at(2025, 3, 12, 9, 0, 0):
        response = client.get(url)
        html = response.content.decode()
        row = response.context["rows"][0]
        assert (row.district_name, row.expected, row.submitted, row.on_time, row.reporting_rate) == (
            "大洼区",
            2,
            1,
            1,
            50.0,
        )
        assert cast.kg_a2.name in html[html.index('data-testid="missing"') :]
        assert "一键催报（1 个单位）" in html
        response = client.post(reverse("reports:remind") + f"?type={cast.kg_type.pk}&month=2025-02", follow=True)
        assert "已向 1 位园长发送催报提醒。" in response.content.decode()
        response = client.post(reverse("reports:remind") + f"?type={cast.kg_type.pk}&month=2025-02", follow=True)
        assert "今天已经提醒过" in response.content.decode()
    assert Notification.objects.filter(recipient=cast.director_a2).count() == 1
    assert not Notification.objects.filter(recipient=cast.kg_director).exists()


def test_completeness_costs_the_same_for_more_kindergartens(client, feb_open, at):
    cast = feb_open
    client.force_login(cast.city_viewer)
    url = f"{reverse('reports:completeness')}?type={cast.kg_type.pk}&month=2025-02"
    with at(2025, 3, 12, 9, 0, 0):
        with CaptureQueriesContext(connection) as few:
            client.get(url)
        for i in range(8):
            kg = KindergartenFactory(name=f"新园{i}", township=cast.town_b if i % 2 else cast.town_a)
            kg.status_changes.update(effective_date=FEB.replace(year=2024))
        submissions_open(report_type=cast.kg_type, month=FEB)
        with CaptureQueriesContext(connection) as many:
            response = client.get(url)
    assert len(many) == len(few)
    assert [(r.district_name, r.expected) for r in response.context["rows"]] == [("大洼区", 6), ("双台子区", 5)]


def test_district_build_is_a_job_then_the_city_sees_the_rate(client, feb_open, at, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    cast = feb_open
    with at(2025, 3, 10, 9, 0, 0):
        a1 = submission_submit(
            actor=cast.kg_director, submission=_sub(cast, cast.kg_a1), data=good_data(video_notes='=HYPERLINK("x")')
        )
        submission_approve(actor=cast.bureau_staff, submission=a1)
        submissions_open(report_type=cast.district_type, month=FEB)
    district = Submission.objects.get(report_type=cast.district_type, month=FEB, district=cast.district_a)
    client.force_login(cast.bureau_staff)
    with at(2025, 3, 10, 10, 0, 0):
        response = client.post(reverse("reports:submission-build", args=[district.pk]))
        assert response.status_code == 302 and "/jobs/" in response["Location"]
        run_queued_jobs()
        page = client.get(response["Location"], follow=True)
        html = page.content.decode()
        assert page.redirect_chain[-1][0] == reverse("reports:submission-detail", args=[district.pk])
        assert 'data-testid="value-expected">2' in html and 'data-testid="value-reporting_rate">50.0 %' in html
        assert cast.kg_a2.name in html[html.index('data-testid="district-missing"') :]
        client.post(
            reverse("reports:submission-detail", args=[district.pk]), {"action": "submit", "remarks": "=1+1 本月平稳"}
        )
    district.refresh_from_db()
    assert district.state == "submitted" and district.on_time is True
    xlsx = client.get(reverse("reports:submission-excel", args=[district.pk]))
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    cells = {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(1, ws.max_row + 1)}
    assert ws["A1"].value == "大洼区2025年2月区县学前教育督导月报"
    assert cells["区县"] == "大洼区" and cells["报告月份"] == "2025年2月"
    assert cells["应报园数"] == 2 and cells["已报园数"] == 1 and cells["报送率"] == 50
    assert cells["本月工作情况与问题说明"] == "=1+1 本月平稳"  # user text stays text
    assert cells["报送人 / 首次报送时间"].endswith("2025-03-10 10:00")
    assert cells["填报人"] == cast.bureau_staff.display_name
    client.force_login(cast.city_viewer)
    with at(2025, 3, 12, 9, 0, 0):
        response = client.get(f"{reverse('reports:completeness')}?type={cast.district_type.pk}&month=2025-02")
    html = response.content.decode()
    rows = {r.district_name: r for r in response.context["rows"]}
    assert (rows["大洼区"].submitted, rows["大洼区"].reporting_rate, rows["双台子区"].submitted) == (1, 100.0, 0)
    assert reverse("reports:submission-excel", args=[district.pk]) in html
    assert client.get(reverse("reports:submission-excel", args=[district.pk])).status_code == 200


def test_submission_excel_keeps_user_text_as_text(client, feb_open, at):
    cast = feb_open
    with at(2025, 3, 9, 10, 0, 0):
        sub = submission_submit(
            actor=cast.kg_director, submission=_sub(cast, cast.kg_a1), data=good_data(video_notes="=SUM(A1:A9)")
        )
        submission_approve(actor=cast.bureau_staff, submission=sub)
    client.force_login(cast.bureau_staff)
    response = client.get(reverse("reports:submission-excel", args=[sub.pk]))
    ws = openpyxl.load_workbook(io.BytesIO(response.content)).active
    cells = {ws.cell(r, 1).value: ws.cell(r, 2) for r in range(1, ws.max_row + 1)}
    assert cells["检查发现的问题"].value == "=SUM(A1:A9)" and cells["检查发现的问题"].data_type == "s"
    assert cells["月末在园幼儿数"].value == 100 and cells["月末在园幼儿数"].data_type == "n"
    assert cells["审核人 / 审核时间"].value.startswith(cast.bureau_staff.display_name)
    assert cells["本月无安全事故（零报告）"].value == "确认本月无安全事故"


def test_an_open_report_has_no_download(client, feb_open):
    client.force_login(feb_open.kg_director)
    assert client.get(reverse("reports:submission-excel", args=[_sub(feb_open, feb_open.kg_a1).pk])).status_code == 404


def test_libreoffice_converts_the_download(client, feb_open, at, tmp_path):
    """The file opens in LibreOffice without repair: a headless conversion to CSV succeeds and has the figures.
    CI installs libreoffice-calc-nogui (.ci/run); without it the test is skipped locally and fails in CI."""
    from tests.conftest import service_missing

    if shutil.which("soffice") is None and shutil.which("libreoffice") is None:
        service_missing("LibreOffice (soffice) is not installed: apt-get install libreoffice-calc-nogui")
    cast = feb_open
    with at(2025, 3, 9, 10, 0, 0):
        sub = submission_submit(actor=cast.kg_director, submission=_sub(cast, cast.kg_a1), data=good_data())
    client.force_login(cast.kg_director)
    path = tmp_path / "report.xlsx"
    path.write_bytes(client.get(reverse("reports:submission-excel", args=[sub.pk])).content)
    office = shutil.which("soffice") or shutil.which("libreoffice")
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
    text = (tmp_path / "report.csv").read_text(encoding="utf-8", errors="replace")
    assert "月末在园幼儿数" in text and ",100," in text


def test_reopen_from_the_page(client, feb_open, at):
    cast = feb_open
    sub = _sub(cast, cast.kg_a1)
    client.force_login(cast.bureau_staff)
    with at(2025, 3, 20, 9, 0, 0):
        html = client.get(reverse("reports:submission-detail", args=[sub.pk])).content.decode()
        assert 'data-testid="reopen"' in html
        client.post(reverse("reports:submission-reopen", args=[sub.pk]), {"reason": "系统故障"})
    sub.refresh_from_db()
    assert sub.reopen_reason == "系统故障"


def test_the_city_reviews_the_districts_reports_and_nothing_else(client, feb_open, at):
    """The city receives the districts' reports: it returns one with a reason (the district is told) and
    approves the resubmission; the district bureau cannot approve its own; the city approves no
    kindergarten report. The completeness page marks what awaits the city and shows each district's rates."""
    from django.core.exceptions import PermissionDenied

    from reports.services import district_report_build, submission_return

    cast = feb_open
    with at(2025, 3, 10, 9, 0, 0):
        a1 = submission_submit(actor=cast.kg_director, submission=_sub(cast, cast.kg_a1), data=good_data())
        submissions_open(report_type=cast.district_type, month=FEB)
        district = Submission.objects.get(report_type=cast.district_type, month=FEB, district=cast.district_a)
        district_report_build(actor=cast.bureau_staff, submission=district)
        district = submission_submit(actor=cast.bureau_staff, submission=district, data={"remarks": "平稳"})
    with pytest.raises(PermissionDenied):
        submission_approve(actor=cast.bureau_admin, submission=district)
    with pytest.raises(PermissionDenied):
        submission_approve(actor=cast.city_viewer, submission=a1)
    client.force_login(cast.city_viewer)
    with at(2025, 3, 11, 9, 0, 0):
        page = client.get(f"{reverse('reports:completeness')}?type={cast.district_type.pk}&month=2025-02")
        row = page.content.decode().split('data-testid="district-report-大洼区"')[1].split("</tr>")[0]
        assert "待审核" in row and "50.0%" in row
        detail = client.get(reverse("reports:submission-detail", args=[district.pk])).content.decode()
        assert reverse("reports:submission-approve", args=[district.pk]) in detail
        response = client.post(reverse("reports:submission-return", args=[district.pk]), {"reason": ""}, follow=True)
        assert "请填写理由" in response.content.decode()
        client.post(reverse("reports:submission-return", args=[district.pk]), {"reason": "请补充视频监控情况"})
    district.refresh_from_db()
    assert district.state == "returned" and district.return_reason == "请补充视频监控情况"
    assert Notification.objects.filter(recipient=cast.bureau_staff, body__contains="请补充视频监控情况").exists()
    assert client.post(reverse("reports:submission-approve", args=[a1.pk])).status_code == 403
    with at(2025, 3, 12, 9, 0, 0):
        district = submission_submit(actor=cast.bureau_staff, submission=district, data={"remarks": "已补充"})
        client.post(reverse("reports:submission-approve", args=[district.pk]))
    district.refresh_from_db()
    assert district.state == "approved" and district.decided_by == cast.city_viewer
    with pytest.raises(PermissionDenied):
        submission_return(actor=cast.city_viewer, submission=a1, reason="不行")


def test_the_city_reopens_a_district_report_past_its_grace_period(client, feb_open, at):
    """A district that missed the grace period is let in again by the level it reports to (the city), with
    a reason; the district bureau cannot reopen its own report, and the city reopens no kindergarten's."""
    from django.core.exceptions import PermissionDenied, ValidationError

    from reports.services import district_report_build, submission_reopen

    cast = feb_open
    submissions_open(report_type=cast.district_type, month=FEB)
    district = Submission.objects.get(report_type=cast.district_type, month=FEB, district=cast.district_a)
    last_day = district.last_day_to_submit()
    late = (last_day + datetime.timedelta(days=1)).timetuple()[:3]
    with at(*late, 9, 0, 0):
        district_report_build(actor=cast.bureau_staff, submission=district)
        with pytest.raises(ValidationError):
            submission_submit(actor=cast.bureau_staff, submission=district, data={"remarks": "迟了"})
        with pytest.raises(PermissionDenied):
            submission_reopen(actor=cast.bureau_admin, submission=district, reason="自己准予")
        with pytest.raises(PermissionDenied):
            submission_reopen(actor=cast.city_viewer, submission=_sub(cast, cast.kg_a1), reason="不归市里")
        client.force_login(cast.city_viewer)
        detail = client.get(reverse("reports:submission-detail", args=[district.pk])).content.decode()
        assert 'data-testid="reopen"' in detail
        response = client.post(reverse("reports:submission-reopen", args=[district.pk]), {"reason": ""}, follow=True)
        assert "请填写理由" in response.content.decode()
        client.post(reverse("reports:submission-reopen", args=[district.pk]), {"reason": "区教委系统故障"})
    district.refresh_from_db()
    assert district.reopen_reason == "区教委系统故障" and district.reopened_until > last_day
    assert Notification.objects.filter(recipient=cast.bureau_staff, title__contains="准予补报").exists()
    with at(*late, 15, 0, 0):
        district = submission_submit(actor=cast.bureau_staff, submission=district, data={"remarks": "补报"})
    assert district.state == "submitted" and district.on_time is False
