"""Writes to supervisor assignments; the guardian object permission follows the assignment."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from guardian.shortcuts import assign_perm, remove_perm

from accounts.models import User
from accounts.roles import Role
from kindergartens.access import SUPERVISE_CODENAME
from kindergartens.models import Kindergarten
from supervision.access import assignment_can
from supervision.models import SupervisorAssignment

PERM = f"kindergartens.{SUPERVISE_CODENAME}"


@transaction.atomic
def supervisor_assign(
    *, actor: User | None, kindergarten: Kindergarten, supervisor: User, note: str = ""
) -> SupervisorAssignment:
    """Make ``supervisor`` the kindergarten's responsible supervisor, ending the previous one.

    ``actor`` is None only for system set-up (seed data); pages and API always pass the user.
    """
    if actor is not None and not assignment_can(actor, "manage"):
        raise PermissionDenied("您不能指派责任督学。")
    if supervisor.role != Role.SUPERVISOR or not supervisor.is_active:
        raise ValidationError({"supervisor": "只能指派在职的责任督学账号。"})
    if supervisor.bureau_id != kindergarten.district_id:
        raise ValidationError({"supervisor": "责任督学须属于幼儿园所在区县。"})
    current = (
        SupervisorAssignment.objects.select_for_update()
        .filter(kindergarten=kindergarten, ended_at__isnull=True)
        .select_related("supervisor")
        .first()
    )
    if current is not None:
        if current.supervisor_id == supervisor.pk:
            raise ValidationError({"supervisor": "该督学已是本园的责任督学。"})
        _end(current, actor)
    assignment = SupervisorAssignment(
        kindergarten=kindergarten, supervisor=supervisor, assigned_by=actor, note=note, started_at=timezone.now()
    )
    assignment.full_clean()
    assignment.save()
    assign_perm(PERM, supervisor, kindergarten)
    return assignment


def _end(assignment: SupervisorAssignment, actor: User | None) -> None:
    assignment.ended_at = timezone.now()
    assignment.ended_by = actor
    assignment.save(update_fields=["ended_at", "ended_by"])
    remove_perm(PERM, assignment.supervisor, assignment.kindergarten)


@transaction.atomic
def supervisor_assignment_end(*, actor: User, assignment: SupervisorAssignment) -> SupervisorAssignment:
    if not assignment_can(actor, "manage"):
        raise PermissionDenied("您不能解除责任督学指派。")
    if assignment.ended_at is not None:
        raise ValidationError("该指派已经结束。")
    _end(assignment, actor)
    return assignment
