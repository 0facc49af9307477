"""Staffing records in the Django admin: scoped like the pages, read-only, never the full ID number."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from accounts.models import User
from staffing.models import CertificateKind, Employment, Person
from staffing.services import certificate_add
from tests.staffing.helpers import NOW, hire, id_number

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def staff_admin(client, cast):
    cast.bureau_admin.is_staff = True
    cast.bureau_admin.save()
    client.force_login(cast.bureau_admin)
    return client


def test_people_and_employments_are_scoped_and_the_id_number_never_shown(staff_admin, cast):
    own = hire(cast.kg_director, cast.kg_a1, 31)
    foreign = hire(cast.director_b1, cast.kg_b1, 32)
    for model, rows in (("person", Person), ("employment", Employment)):
        response = staff_admin.get(reverse(f"admin:staffing_{model}_changelist"))
        assert response.status_code == 200
        own_pk = own.person.pk if rows is Person else own.pk
        foreign_pk = foreign.person.pk if rows is Person else foreign.pk
        assert {row.pk for row in response.context["cl"].result_list} == {own_pk}
        assert staff_admin.get(reverse(f"admin:staffing_{model}_change", args=[foreign_pk])).status_code == 404
        page = staff_admin.get(reverse(f"admin:staffing_{model}_change", args=[own_pk]))
        assert page.status_code == 200 and b'name="_save"' not in page.content
        assert id_number(31) not in page.content.decode()
    assert (
        own.person.id_hash
        not in staff_admin.get(reverse("admin:staffing_person_change", args=[own.person.pk])).content.decode()
    )


def test_certificate_scans_are_not_linked_and_certificates_are_scoped(staff_admin, cast):
    own = hire(cast.kg_director, cast.kg_a1, 33).person
    kind = CertificateKind.objects.get(code="teacher_qualification")
    certificate = certificate_add(
        actor=cast.kg_director, person=own, kind=kind, number="T-1", issued_on=datetime.date(2020, 1, 1)
    )
    response = staff_admin.get(reverse("admin:staffing_certificate_changelist"))
    assert {row.pk for row in response.context["cl"].result_list} == {certificate.pk}
    page = staff_admin.get(reverse("admin:staffing_certificate_change", args=[certificate.pk])).content.decode()
    assert "<label>扫描件:</label>" not in page and "/media/" not in page


def test_certificate_kinds_are_the_superusers(client, cast):
    kind = CertificateKind.objects.get(code="guard_licence")
    cast.bureau_admin.is_staff = True
    cast.bureau_admin.save()
    client.force_login(cast.bureau_admin)
    page = client.get(reverse("admin:staffing_certificatekind_change", args=[kind.pk]))
    assert page.status_code == 200 and b'name="_save"' not in page.content and b"guard_licence" not in page.content
    client.post(reverse("admin:staffing_certificatekind_change", args=[kind.pk]), {"name": "改名"})
    kind.refresh_from_db()
    assert kind.name == "保安员证"
    root = User.objects.create_superuser("root", "root@example.com", "Root-pass-2026")
    client.force_login(root)
    page = client.get(reverse("admin:staffing_certificatekind_change", args=[kind.pk]))
    assert b'name="_save"' in page.content
