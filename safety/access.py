"""Who may see and add safety records. Everything follows the kindergarten's scope
(kindergartens.access); rights inside the scope are by role. Out of scope: 404; in scope
without the right: 403. Nobody, whatever the role, may change or delete an incident entry.
"""

from __future__ import annotations

from django.db.models import QuerySet, Subquery

from accounts.roles import Role
from core.access import account_has_scope, get_in_scope_or_404, require
from kindergartens.access import kindergartens_visible_to
from safety.models import Hazard, Incident, IncidentDraft, SchoolBus, ZeroReport

KINDERGARTEN_OWN = frozenset({Role.KG_DIRECTOR, Role.KG_STAFF})
BUREAU_EDITORS = frozenset({Role.BUREAU_ADMIN, Role.BUREAU_STAFF})

SAFETY_RIGHTS: dict[str, frozenset[str]] = {
    "view": frozenset(Role),
    # Reporting an incident (the initial report): the kindergarten's director. A staff member drafts
    # it for them (``draft``); the director submits the draft, and the submission is the report.
    "report": frozenset({Role.KG_DIRECTOR}),
    "draft": KINDERGARTEN_OWN,
    # Adding to the timeline (written report, follow-up, final report, correction): the director or a
    # staff member for them (the entry names who wrote it).
    "add_entry": KINDERGARTEN_OWN,
    # Recording that the bureau forwarded the incident to the city / the district government.
    "forward": BUREAU_EDITORS,
    # The district views (by grade, kind, kindergarten, month; late; open).
    "overview": frozenset({Role.CITY_VIEWER, *BUREAU_EDITORS, Role.SUPERVISOR}),
    # The monthly zero report: the director confirms it.
    "zero_report": frozenset({Role.KG_DIRECTOR}),
    # Recording a hazard: the kindergarten (its own checks), the supervisor and the bureau.
    "hazard_record": frozenset({*KINDERGARTEN_OWN, Role.SUPERVISOR, *BUREAU_EDITORS}),
    # Turning a hazard into a rectification order: who issues orders (supervision.access).
    "hazard_issue": frozenset({Role.SUPERVISOR, *BUREAU_EDITORS}),
    # Facilities and duties, school buses, monthly video checks, responsibility letters, drills: the
    # kindergarten keeps its own; the district bureau may record them too.
    "facility_record": frozenset({*KINDERGARTEN_OWN, *BUREAU_EDITORS}),
}


def safety_can(user, action: str) -> bool:
    return account_has_scope(user) and user.role in SAFETY_RIGHTS[action]


def _kg_scope(user):
    return Subquery(kindergartens_visible_to(user).values("pk"))


def incidents_visible_to(user) -> QuerySet[Incident]:
    if not account_has_scope(user):
        return Incident.objects.none()
    if user.role in (Role.BUREAU_ADMIN, Role.BUREAU_STAFF) and user.bureau_id:
        # The district column is exact for the district's bureau and lets the district index serve.
        return Incident.objects.filter(district_id=user.bureau_id)
    return Incident.objects.filter(kindergarten_id__in=_kg_scope(user))


def incident_get_for_user(user, pk, *, action: str = "view") -> Incident:
    incident = get_in_scope_or_404(
        incidents_visible_to(user).select_related("kindergarten", "district", "reported_by"), pk=pk
    )
    if action == "add_entry":
        require(
            safety_can(user, "add_entry") and user.kindergarten_id == incident.kindergarten_id,
            "只有本园园长或工作人员可以续报、终报或更正。",
        )
    else:
        require(safety_can(user, action))
    return incident


def drafts_visible_to(user) -> QuerySet[IncidentDraft]:
    """Drafts are the kindergarten's own until submitted: nobody else sees them (404)."""
    if not account_has_scope(user) or user.role not in KINDERGARTEN_OWN or not user.kindergarten_id:
        return IncidentDraft.objects.none()
    return IncidentDraft.objects.filter(kindergarten_id=user.kindergarten_id, incident__isnull=True)


def draft_get_for_user(user, pk) -> IncidentDraft:
    return get_in_scope_or_404(drafts_visible_to(user).select_related("kindergarten", "drafted_by"), pk=pk)


def zero_reports_visible_to(user) -> QuerySet[ZeroReport]:
    if not account_has_scope(user):
        return ZeroReport.objects.none()
    return ZeroReport.objects.filter(kindergarten_id__in=_kg_scope(user))


def hazards_visible_to(user) -> QuerySet[Hazard]:
    if not account_has_scope(user):
        return Hazard.objects.none()
    return Hazard.objects.filter(kindergarten_id__in=_kg_scope(user))


def hazard_get_for_user(user, pk, *, action: str = "view") -> Hazard:
    hazard = get_in_scope_or_404(hazards_visible_to(user).select_related("kindergarten", "order", "recorded_by"), pk=pk)
    require(safety_can(user, action), "您没有对该安全隐患下达整改通知的权限。")
    return hazard


def facility_can_record(user, kindergarten) -> bool:
    """Record facilities, buses, checks, letters and drills of ``kindergarten`` (already in scope)."""
    if not safety_can(user, "facility_record"):
        return False
    return user.role not in KINDERGARTEN_OWN or user.kindergarten_id == kindergarten.pk


def buses_visible_to(user) -> QuerySet[SchoolBus]:
    if not account_has_scope(user):
        return SchoolBus.objects.none()
    return SchoolBus.objects.filter(kindergarten_id__in=_kg_scope(user))


def bus_get_for_user(user, pk) -> SchoolBus:
    bus = get_in_scope_or_404(buses_visible_to(user).select_related("kindergarten"), pk=pk)
    require(facility_can_record(user, bus.kindergarten), "您不能登记该校车的检验情况。")
    return bus


def safety_flags(user) -> dict[str, bool]:
    return {f"can_{action}": safety_can(user, action) for action in SAFETY_RIGHTS}
