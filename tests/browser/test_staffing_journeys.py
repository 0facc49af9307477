"""Staffing journeys in Chromium (issue 10): a director adds a teacher, records certificates and the
record check, and watches the roster's compliance change; hiring someone another district blacklisted
is refused with the non-revealing message; bureau staff open the expiring certificates and export them.

Dates are relative to today (the live server runs in real time). Jobs are run by the test, as the
worker would, once the job page is open (see test_export_journey.py).
"""

import datetime

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect

from core import jobs
from staffing.models import Employment, Person, Sanction
from staffing.services import certificate_add, employment_end, misconduct_record
from tests.browser.conftest import login
from tests.jobs import run_queued_jobs
from tests.staffing.helpers import hire, id_number

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def certificate_kinds(browser_cast):
    """The data migration's certificate kinds: a transactional test's flush removes migration data."""
    import importlib

    from staffing.models import CertificateKind

    defaults = importlib.import_module("staffing.migrations.0002_certificate_kind_defaults").DEFAULT_KINDS
    for code, name, posts, everyone, order in defaults:
        CertificateKind.objects.get_or_create(
            code=code, defaults={"name": name, "required_for": posts, "for_all_posts": everyone, "order": order}
        )


@pytest.fixture
def queued(monkeypatch):
    sent = []
    monkeypatch.setattr(jobs, "_enqueue", lambda job_id, actor_id: sent.append(job_id))
    return sent


def _save(page):
    with page.expect_navigation():
        page.get_by_role("button", name="保存", exact=True).click()


def test_a_director_adds_a_teacher_with_certificates_and_a_record_check(page, live_server, browser_cast):
    cast = browser_cast
    today = timezone.localdate()
    login(page, live_server, cast.kg_director.username)
    page.goto(f"/staffing/kindergartens/{cast.kg_a1.pk}/")
    compliance = page.get_by_test_id("compliance")
    expect(compliance).to_contain_text("专任教师与幼儿比不低于 1:15：应配 2 人，现有 0 人，缺 2 人")

    with page.expect_navigation():
        page.get_by_test_id("hire").click()
    page.get_by_label("姓名").fill("赵老师")
    page.get_by_label("身份证号码").fill(id_number(5))
    page.get_by_label("岗位").select_option(label="专任教师")
    page.get_by_label("编制情况").select_option(label="非在编")
    page.get_by_label("入职日期").fill((today - datetime.timedelta(days=3)).isoformat())
    with page.expect_navigation():
        page.get_by_role("button", name="保存", exact=True).click()
    expect(page.get_by_text("已将赵老师加入本园教职工名册")).to_be_visible()
    expect(page.get_by_test_id("id-number")).to_contain_text("********")
    expect(page.get_by_test_id("person-flags")).to_contain_text("幼儿园教师资格证")

    for kind, number, expires in (
        ("幼儿园教师资格证", "20231101234", ""),
        ("托幼机构工作人员健康合格证", "JK-2026-5", (today + datetime.timedelta(days=300)).isoformat()),
    ):
        with page.expect_navigation():
            page.get_by_test_id("add-certificate").click()
        page.get_by_label("证书类型").select_option(label=kind)
        page.get_by_label("证书编号").fill(number)
        page.get_by_label("发证日期").fill((today - datetime.timedelta(days=30)).isoformat())
        if expires:
            page.get_by_label("有效期至").fill(expires)
        _save(page)
        expect(page.get_by_text("证书已登记。")).to_be_visible()
    expect(page.get_by_test_id("certificates")).to_contain_text("JK-2026-5")

    with page.expect_navigation():
        page.get_by_test_id("add-check").click()
    page.get_by_label("查询类型").select_option(label="入职前查询")
    page.get_by_label("查询日期").fill((today - datetime.timedelta(days=5)).isoformat())
    page.get_by_label("查询结果").select_option(label="无违法犯罪记录")
    _save(page)
    expect(page.get_by_test_id("checks")).to_contain_text("无违法犯罪记录")

    page.goto(f"/staffing/kindergartens/{cast.kg_a1.pk}/")
    expect(compliance).to_contain_text("专任教师与幼儿比不低于 1:15：应配 2 人，现有 1 人，缺 1 人")
    row = page.get_by_test_id("roster").get_by_role("row", name="赵老师")
    expect(row).to_contain_text("齐全")
    expect(row).to_contain_text("正常")
    expect(page.get_by_test_id("holding-rates")).to_contain_text("100.0%")


def test_hiring_a_person_another_district_blacklisted_is_refused(page, live_server, browser_cast):
    cast = browser_cast
    employment = hire(cast.director_b1, cast.kg_b1, 77, hire_date=datetime.date(2024, 9, 1))
    misconduct_record(
        actor=cast.admin_b,
        person=employment.person,
        occurred_on=datetime.date(2025, 5, 1),
        decided_on=datetime.date(2025, 5, 20),
        description="体罚幼儿",
        sanction=Sanction.DISMISSAL,
        veto=True,
    )
    employment_end(actor=cast.admin_b, employment=employment, leave_date=datetime.date(2025, 5, 20))
    before = Employment.objects.count(), Person.objects.count()

    login(page, live_server, cast.kg_director.username)
    page.goto(f"/staffing/kindergartens/{cast.kg_a1.pk}/hire/")
    page.get_by_label("姓名").fill(employment.person.name)
    page.get_by_label("身份证号码").fill(id_number(77))
    page.get_by_label("岗位").select_option(label="专任教师")
    page.get_by_label("编制情况").select_option(label="非在编")
    page.get_by_label("入职日期").fill(timezone.localdate().isoformat())
    with page.expect_navigation():
        page.get_by_role("button", name="保存", exact=True).click()
    message = f"该人员不得录用。如有疑问，请联系{cast.kg_b1.district.name}。"
    expect(page.get_by_text(message)).to_be_visible()
    body = page.content()
    assert (
        "体罚" not in body and "开除" not in body and id_number(77) not in body.replace('value="' + id_number(77), "")
    )
    assert (Employment.objects.count(), Person.objects.count()) == before


def test_bureau_staff_open_the_expiring_certificates_and_export_them(page, live_server, browser_cast, queued, tmp_path):
    cast = browser_cast
    today = timezone.localdate()
    person = hire(cast.kg_director, cast.kg_a1, 88, hire_date=today - datetime.timedelta(days=100)).person
    from staffing.models import CertificateKind

    certificate_add(
        actor=cast.kg_director,
        person=person,
        kind=CertificateKind.objects.get(code="health_certificate"),
        number="JK-EXP-88",
        issued_on=today - datetime.timedelta(days=350),
        expires_on=today + datetime.timedelta(days=12),
    )
    login(page, live_server, cast.bureau_staff.username)
    page.goto("/")
    page.locator("#mainnav").get_by_role("button", name="教职工").click()  # the menu's 教职工 group
    with page.expect_navigation():
        page.locator("#mainnav").get_by_role("link", name="证书到期", exact=True).click()
    listing = page.get_by_test_id("expiring-list")
    expect(listing).to_contain_text("JK-EXP-88")
    expect(listing).to_contain_text(person.name)
    assert id_number(88) not in page.content()
    with page.expect_navigation():
        page.get_by_test_id("export").click()
    assert len(queued) == 1
    run_queued_jobs()
    link = page.get_by_test_id("job-download")
    expect(link).to_be_visible(timeout=15_000)
    expect(page.get_by_test_id("export-done")).to_contain_text("共 1 行")
    with page.expect_download() as download_info:
        link.click()
    path = tmp_path / "expiring.xlsx"
    download_info.value.save_as(path)
    rows = list(load_workbook(path).active.iter_rows(min_row=2, values_only=True))
    assert [(r[1], r[5]) for r in rows] == [(person.name, "JK-EXP-88")]
    assert rows[0][2] == id_number(88)  # bureau staff may see full numbers; the export recorded it
    from staffing.models import IdReveal

    assert IdReveal.objects.filter(user=cast.bureau_staff, person=person).exists()
