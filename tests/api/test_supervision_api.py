"""/api/v1/supervisor-assignments/: scope, assigning, ending, filters, query counts."""

import pytest
from django.urls import reverse

from accounts.roles import Role
from core.models import AuditEntry
from supervision.models import SupervisorAssignment
from supervision.services import supervisor_assign
from tests.api.helpers import assert_constant_queries, ids
from tests.factories import KindergartenFactory, UserFactory

LIST = reverse("api:supervisor-assignment-list")
INVALID = ["无效的编号：对象不存在或不在您的权限范围内。"]


def detail(assignment) -> str:
    return reverse("api:supervisor-assignment-detail", kwargs={"pk": assignment.pk})


def end(assignment) -> str:
    return reverse("api:supervisor-assignment-end", kwargs={"pk": assignment.pk})


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("city_viewer", {"assignment_a1", "assignment_b1"}),
        ("bureau_admin", {"assignment_a1"}),
        ("bureau_staff", {"assignment_a1"}),
        ("supervisor", {"assignment_a1"}),
        ("kg_director", {"assignment_a1"}),
    ],
)
def test_list_is_exactly_the_scope(api, cast, role, expected):
    api.force_login(getattr(cast, role))
    assert ids(api.get(LIST)) == {getattr(cast, name).pk for name in expected}


def test_a_supervisor_sees_only_their_own_assignments(api, cast):
    # supervisor2 takes over kg_a1: the old assignment is ended, and the first supervisor
    # loses the kindergarten (and so its assignments) altogether.
    new = supervisor_assign(actor=cast.bureau_admin, kindergarten=cast.kg_a1, supervisor=cast.supervisor2)
    api.force_login(cast.supervisor2)
    assert ids(api.get(LIST)) == {new.pk}
    api.force_login(cast.supervisor)
    assert ids(api.get(LIST)) == set()


@pytest.mark.parametrize("role", ["kg_staff", "no_scope"])
def test_list_without_the_right_is_403(api, cast, role):
    api.force_login(getattr(cast, role))
    assert api.get(LIST).status_code == 403


def test_output(api, cast):
    api.force_login(cast.kg_director)
    body = api.get(detail(cast.assignment_a1)).json()
    assert body["kindergarten"] == {"id": cast.kg_a1.pk, "name": cast.kg_a1.name}
    assert body["supervisor"] == {
        "id": cast.supervisor.pk,
        "full_name": cast.supervisor.full_name,
        "phone": cast.supervisor.phone,
    }
    assert body["is_active"] is True and body["ended_at"] is None and body["ended_by"] is None
    assert body["started_at"].endswith("+08:00")


def test_filters(api, cast):
    old = cast.assignment_a1
    new = supervisor_assign(actor=cast.bureau_admin, kindergarten=cast.kg_a1, supervisor=cast.supervisor2)
    api.force_login(cast.city_viewer)
    assert ids(api.get(LIST, {"kindergarten": cast.kg_a1.pk})) == {old.pk, new.pk}
    assert ids(api.get(LIST, {"active": "true"})) == {new.pk, cast.assignment_b1.pk}
    assert ids(api.get(LIST, {"active": "false"})) == {old.pk}
    assert ids(api.get(LIST, {"kindergarten": cast.kg_a1.pk, "active": "true"})) == {new.pk}


def test_kindergarten_filter_outside_scope_looks_like_a_missing_id(api, cast):
    api.force_login(cast.bureau_admin)
    foreign = api.get(LIST, {"kindergarten": cast.kg_b1.pk})
    missing = api.get(LIST, {"kindergarten": 999999})
    assert foreign.status_code == missing.status_code == 400
    assert foreign.json() == missing.json()


def test_bureau_admin_assigns_and_the_previous_assignment_ends(api, cast):
    api.force_login(cast.bureau_admin)
    response = api.post(
        LIST, {"kindergarten": cast.kg_a1.pk, "supervisor": cast.supervisor2.pk, "note": "轮换"}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["supervisor"]["id"] == cast.supervisor2.pk
    assert body["assigned_by"] == {"id": cast.bureau_admin.pk, "full_name": cast.bureau_admin.full_name}
    assert body["note"] == "轮换"
    cast.assignment_a1.refresh_from_db()
    assert cast.assignment_a1.ended_at is not None
    assert cast.assignment_a1.ended_by_id == cast.bureau_admin.pk
    created = SupervisorAssignment.objects.get(pk=body["id"])
    entry = AuditEntry.objects.get(object_id=str(created.pk), content_type__model="supervisorassignment")
    assert (entry.source, entry.actor_id) == ("api", cast.bureau_admin.pk)
    # The kindergarten now shows the new supervisor.
    kg = api.get(reverse("api:kindergarten-detail", kwargs={"pk": cast.kg_a1.pk})).json()
    assert kg["responsible_supervisor"]["id"] == cast.supervisor2.pk


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        # A kindergarten of district B: a body field answers 400, never 404.
        (lambda c: {"kindergarten": c.kg_b1.pk, "supervisor": c.supervisor2.pk}, {"kindergarten": INVALID}),
        (lambda c: {"kindergarten": 999999, "supervisor": c.supervisor2.pk}, {"kindergarten": INVALID}),
        # A supervisor of district B, and an account in scope that is not a supervisor.
        (lambda c: {"kindergarten": c.kg_a2.pk, "supervisor": c.supervisor_b.pk}, {"supervisor": INVALID}),
        (lambda c: {"kindergarten": c.kg_a2.pk, "supervisor": c.bureau_staff.pk}, {"supervisor": INVALID}),
        (
            lambda c: {"kindergarten": c.kg_a1.pk, "supervisor": c.supervisor.pk},
            {"supervisor": ["该督学已是本园的责任督学。"]},
        ),
        (lambda c: {"kindergarten": "abc", "supervisor": True}, {"kindergarten": ["编号必须是整数。"]}),
    ],
)
def test_invalid_assignments_are_400(api, cast, body, errors):
    api.force_login(cast.bureau_admin)
    response = api.post(LIST, body(cast), format="json")
    assert response.status_code == 400
    for field, messages in errors.items():
        assert response.json()[field] == messages
    assert SupervisorAssignment.objects.count() == 3


def test_inactive_supervisor_cannot_be_assigned(api, cast):
    cast.supervisor2.is_active = False
    cast.supervisor2.save(update_fields=["is_active"])
    api.force_login(cast.bureau_admin)
    response = api.post(LIST, {"kindergarten": cast.kg_a2.pk, "supervisor": cast.supervisor2.pk}, format="json")
    assert response.status_code == 400
    assert response.json() == {"supervisor": ["只能指派在职的责任督学账号。"]}


@pytest.mark.parametrize("role", ["city_viewer", "bureau_staff", "supervisor", "kg_director"])
def test_only_bureau_admins_assign(api, cast, role):
    api.force_login(getattr(cast, role))
    response = api.post(LIST, {"kindergarten": cast.kg_a2.pk, "supervisor": cast.supervisor2.pk}, format="json")
    assert response.status_code == 403
    assert response.json() == {"detail": "您没有指派责任督学的权限。"}


def test_end(api, cast):
    api.force_login(cast.bureau_admin)
    response = api.post(end(cast.assignment_a1))
    assert response.status_code == 200
    assert response.json()["is_active"] is False
    assert response.json()["ended_by"]["id"] == cast.bureau_admin.pk
    again = api.post(end(cast.assignment_a1))
    assert again.status_code == 400
    assert again.json() == {"detail": "该指派已经结束。"}
    # The supervisor no longer sees the kindergarten.
    api.force_login(cast.supervisor)
    assert ids(api.get(reverse("api:kindergarten-list"))) == set()


def test_end_foreign_is_404(api, cast):
    api.force_login(cast.bureau_admin)
    assert api.post(end(cast.assignment_b1)).status_code == 404


def test_no_edit_no_delete(api, cast):
    api.force_login(cast.bureau_admin)
    assert api.patch(detail(cast.assignment_a1), {"note": "x"}, format="json").status_code == 405
    assert api.put(detail(cast.assignment_a1), {"note": "x"}, format="json").status_code == 405
    assert api.delete(detail(cast.assignment_a1)).status_code == 405


def test_assignment_list_queries_do_not_grow(api, cast, django_assert_num_queries):
    def more():
        for kg in KindergartenFactory.create_batch(9, township=cast.town_a):
            first = UserFactory(role=Role.SUPERVISOR, bureau=cast.district_a)
            supervisor_assign(actor=cast.bureau_admin, kindergarten=kg, supervisor=first)
            supervisor_assign(actor=cast.bureau_admin, kindergarten=kg, supervisor=cast.supervisor2)

    api.force_login(cast.bureau_admin)
    assert_constant_queries(api, LIST, more, django_assert_num_queries, at_most=4)
