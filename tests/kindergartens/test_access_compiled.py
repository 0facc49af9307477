"""kindergarten_get_for_user runs a query compiled once per scope shape and variant
(core.db.compiled): for every role, kindergarten and variant it finds exactly what the scoped ORM
queryset finds, with the same relations and the same responsible supervisor, and 404 outside."""

import pytest
from django.db.models import FilteredRelation, Q
from django.http import Http404

from kindergartens.access import kindergarten_get_for_user, kindergartens_visible_to
from supervision.models import SupervisorAssignment

ROLES = ("city_viewer", "bureau_admin", "bureau_staff", "supervisor", "kg_director", "kg_staff", "no_scope")
VARIANTS = [((), False), ((), True), (("level", "credit_rating"), True), (("level",), False)]


def _orm(user, pk, related, active_supervisor):
    qs = kindergartens_visible_to(user).select_related("district", "township", "collaboration_group", *related)
    if active_supervisor:
        active = FilteredRelation("supervisor_assignments", condition=Q(supervisor_assignments__ended_at__isnull=True))
        qs = qs.annotate(active_assignment=active).select_related("active_assignment__supervisor")
    return qs.filter(pk=pk).first()


def test_the_compiled_get_finds_what_the_scoped_queryset_finds(cast):
    kindergartens = [cast.kg_a1, cast.kg_a2, cast.kg_b1]
    assert SupervisorAssignment.objects.filter(kindergarten=cast.kg_a1, ended_at__isnull=True).exists()
    found = 0
    for role in ROLES:
        user = getattr(cast, role)
        for kg in kindergartens:
            for related, active_supervisor in VARIANTS:
                expected = _orm(user, kg.pk, related, active_supervisor)
                if expected is None:
                    with pytest.raises(Http404):
                        kindergarten_get_for_user(user, kg.pk, related=related, active_supervisor=active_supervisor)
                    continue
                found += 1
                got = kindergarten_get_for_user(user, kg.pk, related=related, active_supervisor=active_supervisor)
                assert got.pk == expected.pk and got.name == expected.name and got.status == expected.status
                for relation in ("district", "township", "collaboration_group", *related):
                    assert getattr(got, relation) == getattr(expected, relation), (role, relation)
                if active_supervisor:
                    mine = got.active_assignment
                    theirs = getattr(expected, "active_assignment", None)
                    assert (mine and mine.pk, mine and mine.supervisor.full_name) == (
                        theirs and theirs.pk,
                        theirs and theirs.supervisor.full_name,
                    ), role
    assert found > 20  # the scopes found something for most roles


@pytest.mark.parametrize("pk", ["abc", "", None, 0, -7_391_000_000, 2**63, "9" * 30])
def test_a_malformed_or_impossible_id_is_not_found(cast, pk):
    with pytest.raises(Http404):
        kindergarten_get_for_user(cast.bureau_staff, pk)
