"""Who may see and do what with bureaus, townships and kindergartens.

Scope is data: bureau roles see their district (the city viewer, the city's districts),
kindergarten roles their own kindergarten, supervisors the kindergartens they hold the
guardian object permission ``supervise_kindergarten`` on (granted by their assignment).
Everything else is out of scope and answers 404. Rights inside the scope are by role
and answer 403 when missing. Deny by default: an inactive account, an account without a
role or organisation, or one whose organisation does not match its role sees nothing.
"""

from __future__ import annotations

from django.db.models import QuerySet, Subquery

from accounts.roles import DISTRICT_ROLES, KINDERGARTEN_ROLES, Role
from core.access import account_has_scope, get_in_scope_or_404, require
from kindergartens.models import Bureau, CollaborationGroup, Kindergarten, KindergartenUserObjectPermission, Township

SUPERVISE_CODENAME = "supervise_kindergarten"

# Rights on a kindergarten that is already in scope.
KINDERGARTEN_RIGHTS: dict[str, frozenset[str]] = {
    "view": frozenset(Role),
    "change": frozenset({Role.BUREAU_ADMIN, Role.BUREAU_STAFF}),
    "view_history": frozenset({Role.CITY_VIEWER, Role.BUREAU_ADMIN, Role.BUREAU_STAFF}),
    "assign_supervisor": frozenset({Role.BUREAU_ADMIN}),
}


def visible_district_ids(user) -> QuerySet:
    """Ids of the districts whose data the user may see at all (a subquery, not a list)."""
    if not account_has_scope(user):
        return Bureau.objects.none().values("pk")
    if user.role == Role.CITY_VIEWER and user.bureau_id:
        return Bureau.objects.filter(parent_id=user.bureau_id, level=Bureau.Level.DISTRICT).order_by().values("pk")
    if user.role in DISTRICT_ROLES and user.bureau_id:
        return Bureau.objects.filter(pk=user.bureau_id, level=Bureau.Level.DISTRICT).order_by().values("pk")
    if user.role in KINDERGARTEN_ROLES and user.kindergarten_id:
        return Kindergarten.objects.filter(pk=user.kindergarten_id).order_by().values("district_id")
    return Bureau.objects.none().values("pk")


def kindergartens_visible_to(user) -> QuerySet[Kindergarten]:
    """Every kindergarten the user may see; the only way views, APIs, exports and tasks list them."""
    qs = Kindergarten.objects.all()
    if not account_has_scope(user):
        return qs.none()
    role = user.role
    if role == Role.CITY_VIEWER and user.bureau_id:
        return qs.filter(district_id__in=Subquery(visible_district_ids(user)))
    if role in (Role.BUREAU_ADMIN, Role.BUREAU_STAFF) and user.bureau_id:
        # A kindergarten's district is always a district bureau (kindergarten_create checks it), so a
        # direct equality is exact and lets PostgreSQL walk kg_district_name_idx without a sort.
        return qs.filter(district_id=user.bureau_id)
    if role == Role.SUPERVISOR and user.bureau_id:
        assigned = KindergartenUserObjectPermission.objects.filter(
            user_id=user.pk, permission__codename=SUPERVISE_CODENAME
        ).values("content_object_id")
        return qs.filter(pk__in=Subquery(assigned), district_id=user.bureau_id)
    if role in KINDERGARTEN_ROLES and user.kindergarten_id:
        return qs.filter(pk=user.kindergarten_id)
    return qs.none()


def kindergarten_can(user, kindergarten: Kindergarten, action: str) -> bool:
    """Role right on a kindergarten already known to be in the user's scope."""
    return account_has_scope(user) and user.role in KINDERGARTEN_RIGHTS[action]


def kindergarten_get_for_user(user, pk, *, action: str = "view") -> Kindergarten:
    """404 when the kindergarten is not in the user's scope, 403 when the right is missing."""
    kindergarten = get_in_scope_or_404(
        kindergartens_visible_to(user).select_related("district", "township", "collaboration_group"), pk=pk
    )
    require(kindergarten_can(user, kindergarten, action))
    return kindergarten


def kindergarten_flags(user, kindergarten: Kindergarten) -> dict[str, bool]:
    """Permission flags for templates: ``can_change``, ``can_view_history``…"""
    return {f"can_{action}": kindergarten_can(user, kindergarten, action) for action in KINDERGARTEN_RIGHTS}


def bureaus_visible_to(user) -> QuerySet[Bureau]:
    """The user's own bureau with the districts under it; a kindergarten's users see its district."""
    qs = Bureau.objects.all()
    if not account_has_scope(user):
        return qs.none()
    if user.role == Role.CITY_VIEWER and user.bureau_id:
        return qs.filter(pk=user.bureau_id) | qs.filter(parent_id=user.bureau_id)
    return qs.filter(pk__in=Subquery(visible_district_ids(user)))


def townships_visible_to(user) -> QuerySet[Township]:
    if not account_has_scope(user):
        return Township.objects.none()
    return Township.objects.filter(district_id__in=Subquery(visible_district_ids(user)))


def groups_visible_to(user) -> QuerySet[CollaborationGroup]:
    if not account_has_scope(user):
        return CollaborationGroup.objects.none()
    return CollaborationGroup.objects.filter(district_id__in=Subquery(visible_district_ids(user)))
