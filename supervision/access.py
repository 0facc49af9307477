"""Who may see and change supervisor assignments: they follow the kindergarten's scope."""

from __future__ import annotations

from django.db.models import QuerySet, Subquery

from accounts.roles import Role
from core.access import account_has_scope, get_in_scope_or_404, require
from kindergartens.access import kindergartens_visible_to
from supervision.models import SupervisorAssignment

ASSIGNMENT_RIGHTS: dict[str, frozenset[str]] = {
    "view": frozenset({Role.CITY_VIEWER, Role.BUREAU_ADMIN, Role.BUREAU_STAFF, Role.SUPERVISOR, Role.KG_DIRECTOR}),
    "manage": frozenset({Role.BUREAU_ADMIN}),
}


def assignments_visible_to(user) -> QuerySet[SupervisorAssignment]:
    if not account_has_scope(user):
        return SupervisorAssignment.objects.none()
    qs = SupervisorAssignment.objects.filter(kindergarten_id__in=Subquery(kindergartens_visible_to(user).values("pk")))
    if user.role == Role.SUPERVISOR:
        qs = qs.filter(supervisor_id=user.pk)
    return qs


def assignment_can(user, action: str) -> bool:
    return account_has_scope(user) and user.role in ASSIGNMENT_RIGHTS[action]


def assignment_get_for_user(user, pk, *, action: str = "view") -> SupervisorAssignment:
    assignment = get_in_scope_or_404(assignments_visible_to(user).select_related("kindergarten", "supervisor"), pk=pk)
    require(assignment_can(user, action))
    return assignment
