"""Who may see and change supervision records: assignments, checklist templates, rectification
orders and evidence. Everything follows the kindergarten's scope (kindergartens.access); rights
inside the scope are by role. Out of scope: 404; in scope without the right: 403.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet, Subquery

from accounts.roles import Role
from core.access import account_has_scope, get_in_scope_or_404, require
from kindergartens.access import kindergartens_visible_to, visible_district_ids
from kindergartens.models import Bureau
from supervision.models import (
    ChecklistTemplate,
    EvidenceFile,
    Inspection,
    InspectionState,
    RandomDraw,
    RectificationOrder,
    SelfCheck,
    SelfCheckState,
    SupervisorAssignment,
)

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


# --- checklist templates ------------------------------------------------------------------------

# Everyone with a scope reads the shipped templates and those of their districts; the district's
# bureau admin copies and adapts them (shipped ones are copied, never edited).
TEMPLATE_RIGHTS: dict[str, frozenset[str]] = {
    "view": frozenset(Role),
    "manage": frozenset({Role.BUREAU_ADMIN}),
}


def templates_visible_to(user) -> QuerySet[ChecklistTemplate]:
    if not account_has_scope(user):
        return ChecklistTemplate.objects.none()
    return ChecklistTemplate.objects.filter(
        Q(district__isnull=True) | Q(district_id__in=Subquery(visible_district_ids(user)))
    )


def template_can(user, action: str) -> bool:
    return account_has_scope(user) and user.role in TEMPLATE_RIGHTS[action]


def template_manage_district_id(user) -> int | None:
    """The district whose templates ``user`` keeps (a district bureau admin's own), else None."""
    if not template_can(user, "manage") or not user.bureau_id or user.bureau.level != Bureau.Level.DISTRICT:
        return None
    return user.bureau_id


def template_get_for_user(user, pk, *, action: str = "view") -> ChecklistTemplate:
    """``action``: view; copy (a bureau admin, any visible template); edit (the keeping district's
    bureau admin, never a shipped template)."""
    template = get_in_scope_or_404(templates_visible_to(user).select_related("district"), pk=pk)
    if action == "copy":
        require(template_manage_district_id(user) is not None, "您没有复制检查模板的权限。")
    elif action == "edit":
        require(
            template.district_id is not None and template.district_id == template_manage_district_id(user),
            "只有本区县的管理员可以修改本区县的检查模板；系统内置模板请先复制再修改。",
        )
    return template


# --- rectification orders ------------------------------------------------------------------------

ORDER_RIGHTS: dict[str, frozenset[str]] = {
    "view": frozenset(Role),
    # issuing and verifying: the responsible supervisor and the district's bureau
    "issue": frozenset({Role.SUPERVISOR, Role.BUREAU_ADMIN, Role.BUREAU_STAFF}),
    "verify": frozenset({Role.SUPERVISOR, Role.BUREAU_ADMIN, Role.BUREAU_STAFF}),
    # answering: the kindergarten (the director submits; staff draft nothing here)
    "respond": frozenset({Role.KG_DIRECTOR}),
}


def orders_visible_to(user) -> QuerySet[RectificationOrder]:
    if not account_has_scope(user):
        return RectificationOrder.objects.none()
    return RectificationOrder.objects.filter(kindergarten_id__in=Subquery(kindergartens_visible_to(user).values("pk")))


def order_can(user, action: str) -> bool:
    return account_has_scope(user) and user.role in ORDER_RIGHTS[action]


def order_get_for_user(user, pk, *, action: str = "view") -> RectificationOrder:
    order = get_in_scope_or_404(orders_visible_to(user).select_related("kindergarten", "issued_by"), pk=pk)
    require(order_can(user, action))
    return order


def order_flags(user) -> dict[str, bool]:
    return {f"can_{action}": order_can(user, action) for action in ORDER_RIGHTS}


# --- evidence files ------------------------------------------------------------------------------


def evidence_visible_to(user) -> QuerySet[EvidenceFile]:
    if not account_has_scope(user):
        return EvidenceFile.objects.none()
    return EvidenceFile.objects.filter(kindergarten_id__in=Subquery(kindergartens_visible_to(user).values("pk")))


def evidence_get_for_user(user, pk) -> EvidenceFile:
    """Whoever sees the kindergarten sees its evidence; anyone else gets 404."""
    return get_in_scope_or_404(evidence_visible_to(user), pk=pk)


# --- inspections ---------------------------------------------------------------------------------

BUREAU_EDITORS = frozenset({Role.BUREAU_ADMIN, Role.BUREAU_STAFF})
INSPECTION_RIGHTS: dict[str, frozenset[str]] = {
    "view": frozenset(Role),
    "plan": BUREAU_EDITORS | {Role.SUPERVISOR},
    # publishing an annual inspection's conclusion into the registry (kindergartens' record_findings)
    "publish": BUREAU_EDITORS,
}


def inspections_visible_to(user) -> QuerySet[Inspection]:
    """Inspections of the kindergartens in scope; a supervisor also sees the visits they were sent on
    (a random draw may send them outside their own kindergartens); a kindergarten sees only what
    was submitted (a planned visit is not announced)."""
    if not account_has_scope(user):
        return Inspection.objects.none()
    in_scope = Q(kindergarten_id__in=Subquery(kindergartens_visible_to(user).values("pk")))
    if user.role == Role.SUPERVISOR:
        mine = Inspection.supervisors.through.objects.filter(user_id=user.pk).values("inspection_id")
        return Inspection.objects.filter(in_scope | Q(pk__in=Subquery(mine)))
    if user.role in (Role.KG_DIRECTOR, Role.KG_STAFF):
        return Inspection.objects.filter(in_scope, state=InspectionState.SUBMITTED)
    return Inspection.objects.filter(in_scope)


def inspection_can(user, action: str, inspection: Inspection | None = None) -> bool:
    """``conduct`` (start, record items, issue orders, submit): one of the inspection's inspectors or
    the district's bureau editors, while it is not submitted."""
    if not account_has_scope(user):
        return False
    if action == "conduct":
        if inspection is None or inspection.state == InspectionState.SUBMITTED:
            return False
        return user.role in BUREAU_EDITORS or inspection.supervisors.filter(pk=user.pk).exists()
    return user.role in INSPECTION_RIGHTS[action]


def inspection_get_for_user(user, pk, *, action: str = "view") -> Inspection:
    inspection = get_in_scope_or_404(
        inspections_visible_to(user).select_related("kindergarten", "template", "kindergarten__district"), pk=pk
    )
    if action == "conduct" and inspection.state == InspectionState.SUBMITTED:
        require(False, "该检查已提交，不能再修改。")
    require(inspection_can(user, action, inspection))
    return inspection


COVERAGE_ROLES = frozenset({Role.CITY_VIEWER, Role.BUREAU_ADMIN, Role.BUREAU_STAFF, Role.SUPERVISOR})
LOAD_ROLES = frozenset({Role.CITY_VIEWER, Role.BUREAU_ADMIN, Role.BUREAU_STAFF})


def coverage_can(user, what: str = "coverage") -> bool:
    """``coverage``: the bureau and the supervisors (their own kindergartens); ``load``: the bureau."""
    return account_has_scope(user) and user.role in (COVERAGE_ROLES if what == "coverage" else LOAD_ROLES)


# --- self-checks ---------------------------------------------------------------------------------

KINDERGARTEN_OWN = frozenset({Role.KG_DIRECTOR, Role.KG_STAFF})
SELFCHECK_RIGHTS: dict[str, frozenset[str]] = {
    "view": frozenset(Role),
    # the kindergarten's director fills and submits its own self-checks
    "fill": frozenset({Role.KG_DIRECTOR}),
    # a finding of a submitted self-check becomes an order: who issues orders (supervisor, bureau)
    "issue": ORDER_RIGHTS["issue"],
}


def selfchecks_visible_to(user) -> QuerySet[SelfCheck]:
    """Self-checks of the kindergartens in scope; outside the kindergarten only submitted ones (a
    draft is the kindergarten's working copy)."""
    if not account_has_scope(user):
        return SelfCheck.objects.none()
    qs = SelfCheck.objects.filter(kindergarten_id__in=Subquery(kindergartens_visible_to(user).values("pk")))
    if user.role not in KINDERGARTEN_OWN:
        qs = qs.filter(state=SelfCheckState.SUBMITTED)
    return qs


def selfcheck_can(user, action: str, self_check: SelfCheck | None = None) -> bool:
    """``fill``: the director of the self-check's kindergarten while it is a draft (or, without a
    self-check, the right to start one)."""
    if not account_has_scope(user) or user.role not in SELFCHECK_RIGHTS[action]:
        return False
    if action == "fill" and self_check is not None:
        return self_check.state == SelfCheckState.DRAFT and self_check.kindergarten_id == user.kindergarten_id
    if action == "issue" and self_check is not None:
        return self_check.state == SelfCheckState.SUBMITTED
    return True


def selfcheck_get_for_user(user, pk, *, action: str = "view") -> SelfCheck:
    self_check = get_in_scope_or_404(
        selfchecks_visible_to(user).select_related("kindergarten", "template", "kindergarten__district"), pk=pk
    )
    if action == "fill" and self_check.state == SelfCheckState.SUBMITTED:
        require(False, "该自查已提交，不能再修改。")
    require(selfcheck_can(user, action, self_check))
    return self_check


# --- random draws (双随机) ----------------------------------------------------------------------------

DRAW_RIGHTS: dict[str, frozenset[str]] = {
    "view": frozenset({Role.CITY_VIEWER, Role.BUREAU_ADMIN, Role.BUREAU_STAFF, Role.SUPERVISOR}),
    "run": BUREAU_EDITORS,
}


def draws_visible_to(user) -> QuerySet[RandomDraw]:
    """The draws of the districts the user sees (a supervisor: their own district's); the public
    pages show every draw to everyone, without the pools' names."""
    if not account_has_scope(user) or user.role not in DRAW_RIGHTS["view"]:
        return RandomDraw.objects.none()
    if user.role == Role.SUPERVISOR:
        return RandomDraw.objects.filter(district_id=user.bureau_id)
    return RandomDraw.objects.filter(district_id__in=Subquery(visible_district_ids(user)))


def draw_can(user, action: str) -> bool:
    return account_has_scope(user) and user.role in DRAW_RIGHTS[action]


def draw_run_district(user) -> Bureau | None:
    """The district in which ``user`` runs draws (a district bureau editor's own), else None."""
    if not draw_can(user, "run") or not user.bureau_id or user.bureau.level != Bureau.Level.DISTRICT:
        return None
    return user.bureau


def draw_get_for_user(user, pk) -> RandomDraw:
    return get_in_scope_or_404(draws_visible_to(user).select_related("district", "template"), pk=pk)
