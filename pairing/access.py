"""Who may see and do what with pairing records: the one place that decides.

Scope follows the registry's (kindergartens.access): an agreement is visible to whoever sees one of
its kindergartens — both parties' directors and staff, the supervisors assigned to them, the bureaus
of both sides, and the city viewer over all of its districts. Plans: the district's bureau and the
city viewer. Targets: the city viewer, who keeps them, and the districts of that city, who read them.
Out of scope is 404; in scope without the right, 403.
"""

from __future__ import annotations

from django.db.models import QuerySet, Subquery
from django.http import Http404

from accounts.roles import KINDERGARTEN_ROLES, Role
from core.access import account_has_scope, get_in_scope_or_404, require
from kindergartens.access import kindergartens_visible_to, visible_district_ids
from kindergartens.models import Bureau
from pairing.models import Activity, Agreement, AgreementParty, CityTarget, PairingFile, YearPlan

BUREAU = frozenset({Role.BUREAU_ADMIN, Role.BUREAU_STAFF})
KG = frozenset(KINDERGARTEN_ROLES)

AGREEMENT_RIGHTS: dict[str, frozenset[str]] = {
    "view": frozenset(Role),
    "edit": KG,  # a draft: the parties' kindergartens
    "submit": frozenset({Role.KG_DIRECTOR}),
    "upload_signed": frozenset({Role.KG_DIRECTOR}) | BUREAU,
    "confirm": BUREAU,  # confirm or return: each party's district bureau
    "close": BUREAU,  # complete, or end early with a reason
    "log_activity": KG,
}

SCOPE_RIGHTS: dict[str, frozenset[str]] = {
    "agreements": frozenset(Role),
    "create_agreement": frozenset({Role.KG_DIRECTOR}),
    "plans": BUREAU | {Role.CITY_VIEWER},
    "manage_plan": BUREAU,
    "targets": BUREAU | {Role.CITY_VIEWER},
    "manage_targets": frozenset({Role.CITY_VIEWER}),
    "overview": BUREAU | {Role.CITY_VIEWER},
}


def can(user, right: str) -> bool:
    return account_has_scope(user) and user.role in SCOPE_RIGHTS[right]


def user_city_id(user) -> int | None:
    """The city whose targets apply to the user."""
    if not account_has_scope(user):
        return None
    if user.role == Role.CITY_VIEWER:
        return user.bureau_id
    if user.bureau_id:
        return user.bureau.parent_id
    return user.kindergarten.district.parent_id


# --- agreements ----------------------------------------------------------------------------------------


def agreements_visible_to(user) -> QuerySet[Agreement]:
    """Every agreement with a kindergarten the user sees; the only way views, the API and tasks list them."""
    if not account_has_scope(user):
        return Agreement.objects.none()
    role = user.role
    parties = AgreementParty.objects.all()
    if role in KINDERGARTEN_ROLES:
        parties = parties.filter(kindergarten_id=user.kindergarten_id)
    elif role in BUREAU and user.bureau_id:
        parties = parties.filter(kindergarten__district_id=user.bureau_id)
    elif role == Role.CITY_VIEWER:
        parties = parties.filter(kindergarten__district_id__in=Subquery(visible_district_ids(user)))
    else:  # supervisors: the kindergartens assigned to them
        parties = parties.filter(kindergarten_id__in=Subquery(kindergartens_visible_to(user).values("pk")))
    return Agreement.objects.filter(pk__in=Subquery(parties.values("agreement_id")))


def agreement_can(user, agreement: Agreement, action: str) -> bool:
    return account_has_scope(user) and user.role in AGREEMENT_RIGHTS[action]


def agreement_get_for_user(user, pk, *, action: str = "view") -> Agreement:
    agreement = get_in_scope_or_404(agreements_visible_to(user).select_related("district", "created_by"), pk=pk)
    require(agreement_can(user, agreement, action))
    return agreement


def agreement_flags(user, agreement: Agreement) -> dict[str, bool]:
    return {f"can_{action}": agreement_can(user, agreement, action) for action in AGREEMENT_RIGHTS}


def activities_visible_to(user) -> QuerySet[Activity]:
    return Activity.objects.filter(agreement_id__in=Subquery(agreements_visible_to(user).values("pk")))


def file_get_for_user(user, pk) -> PairingFile:
    return get_in_scope_or_404(
        PairingFile.objects.filter(agreement_id__in=Subquery(agreements_visible_to(user).values("pk"))), pk=pk
    )


def partner_candidates(user) -> QuerySet:
    """Kindergartens a director may name as a partner: those of the city's districts (a cross-district
    agreement names another district's kindergarten). Names only; their records stay out of scope."""
    from kindergartens.models import Kindergarten

    city_id = user_city_id(user)
    if city_id is None:
        return Kindergarten.objects.none()
    return Kindergarten.objects.filter(district__parent_id=city_id)


# --- plans and targets ---------------------------------------------------------------------------------


def plans_visible_to(user) -> QuerySet[YearPlan]:
    if not can(user, "plans"):
        return YearPlan.objects.none()
    return YearPlan.objects.filter(district_id__in=Subquery(visible_district_ids(user)))


def plan_get_for_user(user, pk, *, action: str = "view") -> YearPlan:
    if not can(user, "plans"):
        raise Http404
    plan = get_in_scope_or_404(plans_visible_to(user).select_related("district"), pk=pk)
    require(action == "view" or can(user, "manage_plan"))
    return plan


def plan_district(user) -> Bureau | None:
    """The district whose plan the user keeps (a district bureau's own)."""
    if not can(user, "manage_plan") or not user.bureau_id:
        return None
    return user.bureau if user.bureau.level == Bureau.Level.DISTRICT else None


def targets_visible_to(user) -> QuerySet[CityTarget]:
    if not can(user, "targets"):
        return CityTarget.objects.none()
    city_id = user_city_id(user)
    return CityTarget.objects.filter(city_id=city_id) if city_id else CityTarget.objects.none()


def target_get_for_user(user, pk, *, action: str = "view") -> CityTarget:
    if not can(user, "targets"):
        raise Http404
    target = get_in_scope_or_404(targets_visible_to(user), pk=pk)
    require(action == "view" or can(user, "manage_targets"))
    return target
