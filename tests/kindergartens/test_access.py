"""Scope of every role, the supervisor's object permission following the assignment, deny by default."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404

from accounts.roles import Role
from kindergartens.access import (
    bureaus_visible_to,
    kindergarten_get_for_user,
    kindergartens_visible_to,
    townships_visible_to,
)
from supervision.models import SupervisorAssignment
from supervision.services import supervisor_assign, supervisor_assignment_end
from tests.factories import UserFactory

EXPECTED = {
    "city_viewer": {"kg_a1", "kg_a2", "kg_b1"},
    "bureau_admin": {"kg_a1", "kg_a2"},
    "bureau_staff": {"kg_a1", "kg_a2"},
    "supervisor": {"kg_a1"},
    "kg_director": {"kg_a1"},
    "kg_staff": {"kg_a1"},
    "no_scope": set(),
}


@pytest.mark.parametrize(("role", "names"), EXPECTED.items())
def test_each_role_sees_exactly_its_scope(cast, role, names):
    visible = set(kindergartens_visible_to(getattr(cast, role)).values_list("pk", flat=True))
    assert visible == {getattr(cast, n).pk for n in names}


def test_out_of_scope_is_404_and_missing_right_is_403(cast):
    with pytest.raises(Http404):
        kindergarten_get_for_user(cast.bureau_staff, cast.kg_b1.pk)
    with pytest.raises(Http404):
        kindergarten_get_for_user(cast.bureau_staff, 999999)
    with pytest.raises(Http404):
        kindergarten_get_for_user(cast.bureau_staff, "not-a-number")
    with pytest.raises(PermissionDenied):
        kindergarten_get_for_user(cast.kg_director, cast.kg_a1.pk, action="change")
    assert kindergarten_get_for_user(cast.bureau_staff, cast.kg_a1.pk, action="change") == cast.kg_a1


def test_inactive_and_roleless_accounts_see_nothing(cast):
    cast.bureau_staff.is_active = False
    assert not kindergartens_visible_to(cast.bureau_staff).exists()
    roleless = UserFactory(role="", bureau=None)
    assert not kindergartens_visible_to(roleless).exists()
    assert not bureaus_visible_to(roleless).exists()
    assert not townships_visible_to(roleless).exists()


def test_a_city_bureau_on_a_district_role_sees_nothing(cast):
    odd = UserFactory(role=Role.BUREAU_STAFF, bureau=cast.city)
    assert not kindergartens_visible_to(odd).exists()


def test_reassignment_moves_scope_and_keeps_history(cast):
    new = supervisor_assign(actor=cast.bureau_admin, kindergarten=cast.kg_a1, supervisor=cast.supervisor2)
    assert not kindergartens_visible_to(cast.supervisor).exists()
    assert list(kindergartens_visible_to(cast.supervisor2)) == [cast.kg_a1]
    assert not cast.supervisor.has_perm("kindergartens.supervise_kindergarten", cast.kg_a1)
    history = list(SupervisorAssignment.objects.filter(kindergarten=cast.kg_a1).order_by("started_at", "id"))
    assert [a.supervisor for a in history] == [cast.supervisor, cast.supervisor2]
    assert history[0].ended_at is not None and history[0].ended_by == cast.bureau_admin
    assert new.ended_at is None
    supervisor_assignment_end(actor=cast.bureau_admin, assignment=new)
    assert not kindergartens_visible_to(cast.supervisor2).exists()


def test_only_one_active_assignment_per_kindergarten_in_the_database(cast):
    with pytest.raises(IntegrityError), transaction.atomic():
        SupervisorAssignment.objects.create(kindergarten=cast.kg_a1, supervisor=cast.supervisor2)


def test_assignment_rules(cast):
    with pytest.raises(ValidationError):  # another district's supervisor
        supervisor_assign(actor=cast.bureau_admin, kindergarten=cast.kg_a2, supervisor=cast.supervisor_b)
    with pytest.raises(ValidationError):  # not a supervisor
        supervisor_assign(actor=cast.bureau_admin, kindergarten=cast.kg_a2, supervisor=cast.bureau_staff)
    with pytest.raises(ValidationError):  # already the one
        supervisor_assign(actor=cast.bureau_admin, kindergarten=cast.kg_a1, supervisor=cast.supervisor)
    with pytest.raises(PermissionDenied):
        supervisor_assign(actor=cast.bureau_staff, kindergarten=cast.kg_a2, supervisor=cast.supervisor2)


def test_bureaus_visible(cast):
    assert set(bureaus_visible_to(cast.city_viewer)) == {cast.city, cast.district_a, cast.district_b}
    assert set(bureaus_visible_to(cast.kg_director)) == {cast.district_a}
    assert set(bureaus_visible_to(cast.bureau_staff)) == {cast.district_a}
