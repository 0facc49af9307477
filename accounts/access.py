"""Who may see and manage accounts.

Bureau admins manage the accounts of their district and its kindergartens; the city
viewer and bureau staff may look at their district's accounts; a director sees the
accounts of their own kindergarten; everyone sees themselves. Nobody grants a role
ranked above their own, nor an organisation outside their scope.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet, Subquery

from accounts.models import User
from accounts.roles import RANK, Role
from core.access import account_has_scope, get_in_scope_or_404, require
from kindergartens.access import visible_district_ids
from kindergartens.models import Bureau, Kindergarten

USER_RIGHTS: dict[str, frozenset[str]] = {
    "view": frozenset({Role.CITY_VIEWER, Role.BUREAU_ADMIN, Role.BUREAU_STAFF, Role.KG_DIRECTOR}),
    "manage": frozenset({Role.BUREAU_ADMIN}),
    "view_history": frozenset({Role.CITY_VIEWER, Role.BUREAU_ADMIN, Role.BUREAU_STAFF}),
}


def users_visible_to(user) -> QuerySet[User]:
    qs = User.objects.all()
    if not account_has_scope(user):
        return qs.none()
    if user.role in (Role.CITY_VIEWER, Role.BUREAU_ADMIN, Role.BUREAU_STAFF) and user.bureau_id:
        districts = Subquery(visible_district_ids(user))
        return qs.filter(
            Q(bureau_id__in=districts)
            | Q(kindergarten__district_id__in=Subquery(visible_district_ids(user)))
            | Q(pk=user.pk)
        )
    if user.role == Role.KG_DIRECTOR and user.kindergarten_id:
        return qs.filter(Q(kindergarten_id=user.kindergarten_id) | Q(pk=user.pk))
    return qs.filter(pk=user.pk)


def can_list_users(user) -> bool:
    return account_has_scope(user) and user.role in USER_RIGHTS["view"]


def user_can(actor, target: User, action: str) -> bool:
    if not account_has_scope(actor) or actor.role not in USER_RIGHTS[action]:
        return False
    if action == "manage":
        # A bureau admin cannot manage an account ranked above them, nor deactivate themselves.
        return RANK.get(target.role, 0) <= RANK[actor.role] and (target.pk != actor.pk)
    return True


def user_get_for_user(actor, pk, *, action: str = "view") -> User:
    target = get_in_scope_or_404(users_visible_to(actor).select_related("bureau", "kindergarten"), pk=pk)
    require(user_can(actor, target, action))
    return target


def grantable_roles(actor) -> list[Role]:
    """Roles the actor may give: never above their own rank, only inside their district."""
    if not account_has_scope(actor) or actor.role != Role.BUREAU_ADMIN:
        return []
    return [role for role in Role if role != Role.CITY_VIEWER and RANK[role] <= RANK[actor.role]]


def assignable_bureaus(actor) -> QuerySet[Bureau]:
    if not account_has_scope(actor) or actor.role != Role.BUREAU_ADMIN:
        return Bureau.objects.none()
    return Bureau.objects.filter(pk__in=Subquery(visible_district_ids(actor)))


def assignable_kindergartens(actor) -> QuerySet[Kindergarten]:
    if not account_has_scope(actor) or actor.role != Role.BUREAU_ADMIN:
        return Kindergarten.objects.none()
    return Kindergarten.objects.filter(district_id__in=Subquery(visible_district_ids(actor)))
