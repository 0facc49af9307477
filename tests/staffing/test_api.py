"""The staffing API: scoped lists with masked ID numbers, constant query counts, the hire and its
refusals through the service, misconduct for the bureau only."""

import datetime

import pytest
import time_machine
from rest_framework.test import APIClient

from staffing.models import Post
from tests.api.helpers import assert_constant_queries
from tests.staffing.helpers import NOW, hire, id_number

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_people_are_scoped_and_masked_for_everyone(cast):
    mine = hire(cast.kg_director, cast.kg_a1, 1).person
    other = hire(cast.director_a2, cast.kg_a2, 2).person
    hire(cast.director_b1, cast.kg_b1, 3)
    expected = {
        "supervisor": {mine.pk},
        "kg_director": {mine.pk},
        "bureau_staff": {mine.pk, other.pk},
        "no_scope": set(),
    }
    for role, people in expected.items():
        response = api(getattr(cast, role)).get("/api/v1/staff/people/")
        rows = response.json()["results"]
        assert {r["id"] for r in rows} == people, role
        for row in rows:
            assert "*" in row["id_number"] and row["id_number"] != id_number(1)
    assert len(api(cast.city_viewer).get("/api/v1/staff/people/").json()["results"]) == 3


def test_lists_cost_the_same_queries_with_more_rows(cast, django_assert_num_queries):
    client = api(cast.bureau_staff)
    hire(cast.kg_director, cast.kg_a1, 1)

    def add_more():
        for seq in range(10, 30):
            hire(cast.director_a2, cast.kg_a2, seq)

    assert_constant_queries(client, "/api/v1/staff/employments/", add_more, django_assert_num_queries, at_most=8)


def test_hire_through_the_api_refuses_the_blacklisted_without_detail(cast):
    from staffing.services import employment_end, misconduct_record

    employment = hire(cast.director_b1, cast.kg_b1, 7)
    misconduct_record(
        actor=cast.admin_b,
        person=employment.person,
        occurred_on=datetime.date(2026, 1, 1),
        decided_on=datetime.date(2026, 1, 2),
        description="体罚",
        sanction="dismissal",
        veto=True,
    )
    employment_end(actor=cast.director_b1, employment=employment, leave_date=datetime.date(2026, 1, 2))
    body = {
        "kindergarten": cast.kg_a1.pk,
        "name": "教师7",
        "id_number": id_number(7),
        "post": Post.TEACHER,
        "post_type": "established",
        "hire_date": "2026-03-01",
    }
    response = api(cast.kg_director).post("/api/v1/staff/employments/", body, format="json")
    assert response.status_code == 400
    assert response.json() == {"id_number": ["该人员不得录用。如有疑问，请联系双台子区教育局。"]}
    # A kindergarten out of scope reads as a missing one.
    body["kindergarten"] = cast.kg_b1.pk
    response = api(cast.kg_director).post("/api/v1/staff/employments/", body, format="json")
    assert response.status_code == 400 and "kindergarten" in response.json()


def test_misconduct_is_listed_for_the_bureau_only(cast):
    person = hire(cast.kg_director, cast.kg_a1, 1).person
    body = {
        "person": person.pk,
        "occurred_on": "2026-01-01",
        "decided_on": "2026-01-05",
        "description": "言语不当",
        "sanction": "warning",
    }
    assert api(cast.kg_director).post("/api/v1/staff/misconduct/", body, format="json").status_code == 403
    response = api(cast.bureau_staff).post("/api/v1/staff/misconduct/", body, format="json")
    assert response.status_code == 201 and response.json()["sanction_until"] == "2026-07-05"
    assert api(cast.kg_director).get("/api/v1/staff/misconduct/").json()["results"] == []
    assert len(api(cast.city_viewer).get("/api/v1/staff/misconduct/").json()["results"]) == 1
    assert api(cast.admin_b).get("/api/v1/staff/misconduct/").json()["results"] == []


def test_a_person_is_edited_through_the_service_and_the_id_number_never_changes(cast):
    employment = hire(cast.kg_director, cast.kg_a1, 21, post=Post.PRINCIPAL, name="王园长")
    person = employment.person
    response = api(cast.kg_director).patch(
        f"/api/v1/staff/people/{person.pk}/",
        {"name": "王丽", "phone": "13900000021", "id_number": id_number(22)},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["name"] == "王丽" and response.json()["id_number"] == person.id_masked
    person.refresh_from_db()
    assert (person.phone, person.id_number) == ("13900000021", id_number(21))
    cast.kg_a1.refresh_from_db()
    assert cast.kg_a1.principal_name == "王丽"  # the registry's principal is the same fact
    assert api(cast.supervisor).patch(f"/api/v1/staff/people/{person.pk}/", {"phone": "1"}).status_code == 403
    assert api(cast.director_b1).patch(f"/api/v1/staff/people/{person.pk}/", {"phone": "1"}).status_code == 404


def test_an_employment_is_edited_through_the_service_until_it_ends(cast):
    employment = hire(cast.kg_director, cast.kg_a1, 23)
    client = api(cast.kg_director)
    url = f"/api/v1/staff/employments/{employment.pk}/"
    response = client.patch(url, {"social_insurance": True, "post_type": "established"}, format="json")
    assert response.status_code == 200 and response.json()["post_type"] == "在编"
    assert client.patch(url, {"post": "cook"}, format="json").json()["post"] == "专任教师"  # not editable here
    client.post(f"{url}end/", {"leave_date": "2026-03-01"}, format="json")
    refused = client.patch(url, {"social_insurance": False}, format="json")
    assert refused.status_code == 400 and "已办理离职" in refused.content.decode()


def test_record_details_follow_the_scope(cast):
    from staffing.models import CertificateKind
    from staffing.services import certificate_add

    person = hire(cast.kg_director, cast.kg_a1, 24).person
    certificate = certificate_add(
        actor=cast.kg_director,
        person=person,
        kind=CertificateKind.objects.get(code="health_certificate"),
        number="JK-24",
        issued_on=datetime.date(2025, 5, 1),
        expires_on=datetime.date(2026, 5, 1),
    )
    url = f"/api/v1/staff/certificates/{certificate.pk}/"
    body = api(cast.supervisor).get(url).json()
    assert (body["number"], body["kind"], body["expires_on"]) == ("JK-24", "托幼机构工作人员健康合格证", "2026-05-01")
    assert api(cast.director_a2).get(url).status_code == 404
