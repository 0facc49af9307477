"""Certificate scans: JPEG/PNG/PDF recognised from their content (supervision's evidence checks),
size-limited, stored under a random name and served only through the permission-checked view."""

import datetime

import pytest
import time_machine
from django.urls import reverse
from rest_framework.test import APIClient

from staffing.models import Certificate, CertificateKind
from tests.staffing.helpers import NOW, hire
from tests.supervision.files import FAKE_JPEG, PDF, PNG, upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _form(**extra):
    return {
        "kind": CertificateKind.objects.get(code="health_certificate").pk,
        "number": "JK-1",
        "issued_on": "2025-06-01",
        "expires_on": "2026-06-01",
        **extra,
    }


def test_a_certificate_with_its_scan_is_served_to_those_who_see_the_person(client, cast):
    person = hire(cast.kg_director, cast.kg_a1, 1).person
    client.force_login(cast.kg_director)
    response = client.post(
        reverse("staffing:certificate-new", args=[person.pk]), _form(scan=upload(PDF, "健康证.pdf", "image/png"))
    )
    assert response.status_code == 302
    certificate = Certificate.objects.get()
    assert certificate.scan_type == "application/pdf" and certificate.scan_name == "健康证.pdf"
    assert "健康证" not in certificate.scan.name  # the stored name is random
    page = client.get(reverse("staffing:person", args=[person.pk])).content.decode()
    assert reverse("staffing:certificate-scan", args=[certificate.pk]) in page
    for user in (cast.kg_director, cast.supervisor, cast.bureau_staff):
        client.force_login(user)
        served = client.get(reverse("staffing:certificate-scan", args=[certificate.pk]))
        assert served.status_code == 200 and served["Content-Type"] == "application/pdf"
        assert served["X-Content-Type-Options"] == "nosniff" and "sandbox" in served["Content-Security-Policy"]
        assert b"".join(served.streaming_content) == PDF
    for user in (cast.director_a2, cast.director_b1):
        client.force_login(user)
        assert client.get(reverse("staffing:certificate-scan", args=[certificate.pk])).status_code == 404


def test_a_file_that_is_not_an_image_or_pdf_is_refused_and_nothing_is_saved(client, cast, settings):
    person = hire(cast.kg_director, cast.kg_a1, 2).person
    client.force_login(cast.kg_director)
    response = client.post(
        reverse("staffing:certificate-new", args=[person.pk]), _form(scan=upload(FAKE_JPEG, "证书.jpg", "image/jpeg"))
    )
    assert response.status_code == 200 and "不是JPG、PNG 图片或 PDF 文件" in response.content.decode()
    assert not Certificate.objects.exists()
    settings.EVIDENCE_MAX_BYTES = 10
    response = client.post(reverse("staffing:certificate-new", args=[person.pk]), _form(scan=upload(PNG)))
    assert "超过" in response.content.decode() and not Certificate.objects.exists()


def test_a_certificate_without_a_scan_has_none_to_serve(client, cast):
    person = hire(cast.kg_director, cast.kg_a1, 3).person
    client.force_login(cast.kg_director)
    client.post(reverse("staffing:certificate-new", args=[person.pk]), _form())
    certificate = Certificate.objects.get()
    assert client.get(reverse("staffing:certificate-scan", args=[certificate.pk])).status_code == 404


def test_the_api_uploads_a_scan_through_the_service(cast):
    person = hire(cast.kg_director, cast.kg_a1, 4).person
    from staffing.services import certificate_add

    certificate = certificate_add(
        actor=cast.kg_director,
        person=person,
        kind=CertificateKind.objects.get(code="teacher_qualification"),
        number="JS-4",
        issued_on=datetime.date(2020, 7, 1),
    )
    api = APIClient()
    api.force_authenticate(cast.kg_director)
    url = f"/api/v1/staff/certificates/{certificate.pk}/scan/"
    response = api.post(url, {"scan": upload(PNG, "资格证.png")}, format="multipart")
    assert response.status_code == 200, response.content
    assert response.json()["has_scan"] is True
    assert response.json()["scan_url"] == reverse("staffing:certificate-scan", args=[certificate.pk])
    refused = api.post(url, {"scan": upload(FAKE_JPEG, "x.jpg", "image/jpeg")}, format="multipart")
    assert refused.status_code == 400
    certificate.refresh_from_db()
    assert certificate.scan_type == "image/png"  # the refused file replaced nothing
    api.force_authenticate(cast.supervisor)
    assert api.post(url, {"scan": upload(PNG)}, format="multipart").status_code == 403
