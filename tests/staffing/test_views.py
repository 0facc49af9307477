"""The staffing pages: what each role sees (masked IDs, the recorded reveal, the blacklist message),
the director's journey changing compliance, fixed query counts on every list, the export job."""

import datetime
import io
import re

import openpyxl
import pytest
import time_machine
from django.test import TestCase
from django.urls import reverse

from core.jobs import job_execute
from core.models import Job
from staffing.models import CertificateKind, IdReveal, Person, Post, Sanction
from staffing.services import certificate_add, employment_end, misconduct_record
from tests.staffing.helpers import NOW, TODAY, hire, id_number

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def login(client, user):
    client.force_login(user)
    return client


def test_the_id_number_is_masked_and_revealed_only_by_post_with_a_record(client, cast):
    person = hire(cast.kg_director, cast.kg_a1, 123).person
    number = id_number(123)
    for user in (cast.supervisor, cast.kg_staff, cast.city_viewer):
        login(client, user)
        page = client.get(reverse("staffing:person", args=[person.pk])).content.decode()
        assert number not in page and person.id_masked in page and 'data-testid="reveal"' not in page
        roster = client.get(reverse("staffing:roster", args=[cast.kg_a1.pk])).content.decode()
        assert number not in roster
    login(client, cast.kg_director)
    page = client.get(reverse("staffing:person", args=[person.pk])).content.decode()
    assert number not in page and 'data-testid="reveal"' in page
    response = client.post(reverse("staffing:person-reveal", args=[person.pk]))
    assert number in response.content.decode() and response["Cache-Control"] == "no-store"
    assert IdReveal.objects.filter(person=person, user=cast.kg_director).count() == 1


def test_director_journey_hire_certificates_check_and_compliance(client, cast):
    login(client, cast.kg_director)
    roster_url = reverse("staffing:roster", args=[cast.kg_a1.pk])
    before = client.get(roster_url).content.decode()
    assert "专任教师与幼儿比不低于 1:15：应配 2 人，现有 0 人，缺 2 人" in before  # 20 children
    response = client.post(
        reverse("staffing:hire", args=[cast.kg_a1.pk]),
        {
            "name": "赵老师",
            "id_number": id_number(5),
            "post": Post.TEACHER,
            "post_type": "established",
            "hire_date": "2026-03-01",
        },
    )
    person = Person.objects.get(name="赵老师")
    assert response.status_code == 302 and response["Location"] == reverse("staffing:person", args=[person.pk])
    kinds = {k.code: k.pk for k in CertificateKind.objects.all()}
    client.post(
        reverse("staffing:certificate-new", args=[person.pk]),
        {"kind": kinds["teacher_qualification"], "number": "20262101", "issued_on": "2020-07-01"},
    )
    client.post(
        reverse("staffing:certificate-new", args=[person.pk]),
        {"kind": kinds["health_certificate"], "number": "JK-1", "issued_on": "2026-03-01", "expires_on": "2027-02-28"},
    )
    client.post(
        reverse("staffing:check-new", args=[person.pk]),
        {"kind": "pre_hire", "checked_on": "2026-02-20", "result": "clear"},
    )
    page = client.get(reverse("staffing:person", args=[person.pk])).content.decode()
    assert "缺少证书" not in page and "尚未登记入职查询" not in page
    roster = client.get(roster_url).content.decode()
    assert "齐全" in roster
    assert "专任教师与幼儿比不低于 1:15：应配 2 人，现有 1 人，缺 1 人" in roster
    assert "每班配备 2 名专任教师：应配 2 人，现有 1 人，缺 1 人" in roster


def test_a_blacklisted_person_from_another_district_is_refused_on_the_page(client, cast):
    employment = hire(cast.director_b1, cast.kg_b1, 77, name="钱某")
    misconduct_record(
        actor=cast.admin_b,
        person=employment.person,
        occurred_on=datetime.date(2026, 1, 1),
        decided_on=datetime.date(2026, 1, 20),
        description="虐待幼儿",
        sanction=Sanction.DISMISSAL,
        veto=True,
    )
    employment_end(actor=cast.director_b1, employment=employment, leave_date=datetime.date(2026, 1, 20))
    login(client, cast.kg_director)
    response = client.post(
        reverse("staffing:hire", args=[cast.kg_a1.pk]),
        {
            "name": "钱某",
            "id_number": id_number(77),
            "post": Post.TEACHER,
            "post_type": "established",
            "hire_date": "2026-03-01",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "该人员不得录用。如有疑问，请联系双台子区教育局。" in page
    assert "虐待" not in page and "开除" not in page and "双台子区实验幼儿园" not in page
    assert not cast.kg_a1.employments.exists()


def _staff(cast, count, start=100):
    for seq in range(start, start + count):
        employment = hire(cast.kg_director, cast.kg_a1, seq, post=Post.TEACHER if seq % 2 else Post.CAREGIVER)
        certificate_add(
            actor=cast.kg_director,
            person=employment.person,
            kind=CertificateKind.objects.get(code="health_certificate"),
            number=f"JK{seq}",
            issued_on=datetime.date(2025, 5, 1),
            expires_on=TODAY + datetime.timedelta(days=seq % 80),
        )


@pytest.mark.parametrize(
    ("name", "args", "query"),
    [
        ("staffing:roster", "kg", ""),
        ("staffing:compliance", None, ""),
        ("staffing:expiring", None, "?window=90"),
        ("staffing:expiring", None, "?window=missing"),
        ("staffing:person", "person", ""),
        ("staffing:rates", None, ""),
    ],
)
def test_lists_run_a_fixed_number_of_queries(client, cast, django_assert_max_num_queries, name, args, query):
    _staff(cast, 3)
    login(client, cast.bureau_staff)

    def url():
        arg = {"kg": cast.kg_a1.pk, "person": Person.objects.order_by("pk").first().pk}.get(args)
        return reverse(name, args=[arg] if arg else []) + query

    client.get(url())  # warm the caches a real server keeps warm
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        assert client.get(url()).status_code == 200
    _staff(cast, 12, start=200)
    with django_assert_max_num_queries(len(small)):
        response = client.get(url())
    assert response.status_code == 200


def test_the_export_masks_unless_allowed_and_records_full_reveals(client, cast):
    _staff(cast, 2)
    for user, full in ((cast.city_viewer, False), (cast.bureau_staff, True)):
        login(client, user)
        with TestCase.captureOnCommitCallbacks(execute=False):
            response = client.post(reverse("staffing:expiring-export"), {"window": "90"})
        job = Job.objects.filter(requested_by=user).latest("pk")
        assert response.status_code == 302
        assert job_execute(job_id=job.pk)
        job.refresh_from_db()
        assert job.state == Job.State.DONE, job.error
        with job.result_file.open("rb") as handle:
            sheet = openpyxl.load_workbook(io.BytesIO(handle.read()), read_only=True).active
            rows = list(sheet.iter_rows(values_only=True))
        assert rows[0][2] == "身份证号码" and len(rows) == 3
        numbers = {r[2] for r in rows[1:]}
        assert all(("*" in n) != full for n in numbers)
    assert IdReveal.objects.filter(user=cast.bureau_staff).count() == 2
    assert not IdReveal.objects.filter(user=cast.city_viewer).exists()


def test_the_hire_page_refuses_a_person_with_a_record_in_the_import_s_words(client, cast):
    """A record check found a record in district B; district A's director tries to hire the person:
    the page says only that the person may not be hired and whom to ask, like the roster import."""
    from staffing.imports import REFUSED
    from staffing.models import RecordCheck
    from staffing.services import hire_refused_message, record_check_add

    employment = hire(cast.director_b1, cast.kg_b1, 78)
    record_check_add(
        actor=cast.director_b1,
        person=employment.person,
        kind=RecordCheck.Kind.YEARLY,
        checked_on=datetime.date(2026, 2, 1),
        result=RecordCheck.Result.RECORD,
    )
    employment_end(actor=cast.director_b1, employment=employment, leave_date=datetime.date(2026, 2, 2))
    login(client, cast.kg_director)
    response = client.post(
        reverse("staffing:hire", args=[cast.kg_a1.pk]),
        {
            "name": employment.person.name,
            "id_number": id_number(78),
            "post": Post.TEACHER,
            "post_type": "established",
            "hire_date": "2026-03-01",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    message = hire_refused_message(cast.kg_b1.district.name)
    assert message == REFUSED.format(contact="双台子区教育局") and message in page
    errors = re.findall(r'class="alert alert-danger"[^>]*>(.*?)</div></div>', page, re.S)
    assert errors == [f"<div>{message}"]
    assert "违法犯罪" not in page and "双台子区实验幼儿园" not in page
    assert not cast.kg_a1.employments.exists()
