"""Who sees which district's indicators, and who keeps their inputs (resident children, targets).

Bureau roles see the districts of their scope (the city viewer: its city's districts and the city's
own figures); supervisors and kindergarten users have no indicator pages (403). A district outside
the scope answers 404. Inputs of a district are kept by its admin and staff; a city's targets by the
city bureau's account (the city's own plan, not a district's record).
"""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.roles import Role
from core.access import account_has_scope, get_in_scope_or_404, require
from kindergartens.access import visible_district_ids
from kindergartens.models import Bureau, Township

VIEWERS = frozenset({Role.CITY_VIEWER, Role.BUREAU_ADMIN, Role.BUREAU_STAFF})
DISTRICT_EDITORS = frozenset({Role.BUREAU_ADMIN, Role.BUREAU_STAFF})


def can_view(user) -> bool:
    return account_has_scope(user) and user.role in VIEWERS and bool(user.bureau_id)


def require_view(user) -> None:
    require(can_view(user))


def can_edit_inputs(user) -> bool:
    """Resident children and district targets: the district bureau's admin and staff."""
    return account_has_scope(user) and user.role in DISTRICT_EDITORS and bool(user.bureau_id)


def can_edit_targets(user) -> bool:
    return can_edit_inputs(user) or (account_has_scope(user) and user.role == Role.CITY_VIEWER)


def districts_visible_to(user) -> QuerySet[Bureau]:
    if not can_view(user):
        return Bureau.objects.none()
    return Bureau.objects.filter(pk__in=visible_district_ids(user)).order_by("name", "pk")


def district_get(user, pk) -> Bureau:
    """A district in the user's scope (404 outside it), for users who see indicators (403 otherwise)."""
    if not account_has_scope(user):
        require(False)
    district = get_in_scope_or_404(Bureau.objects.filter(pk__in=visible_district_ids(user)), pk=pk)
    require_view(user)
    return district


def target_bureaus_for(user) -> QuerySet[Bureau]:
    """The bureaus whose targets the user may keep: their district, or their city (city viewer)."""
    if not can_edit_targets(user):
        return Bureau.objects.none()
    return Bureau.objects.filter(pk=user.bureau_id)


def target_bureaus_visible_to(user) -> QuerySet[Bureau]:
    if not can_view(user):
        return Bureau.objects.none()
    from django.db.models import Q

    return Bureau.objects.filter(Q(pk__in=visible_district_ids(user)) | Q(pk=user.bureau_id)).order_by("level", "name")


def townships_editable_by(user) -> QuerySet[Township]:
    if not can_edit_inputs(user):
        return Township.objects.none()
    return Township.objects.filter(district_id=user.bureau_id).order_by("name", "pk")


def residents_visible_to(user):
    from indicators.models import ResidentChildren

    if not can_view(user):
        return ResidentChildren.objects.none()
    return ResidentChildren.objects.filter(district_id__in=visible_district_ids(user))


def targets_visible_to(user):
    from indicators.models import Target

    return Target.objects.filter(bureau__in=target_bureaus_visible_to(user))


def tasks_visible_to(user):
    from indicators.models import ResponsibilityTask

    if not can_view(user):
        return ResponsibilityTask.objects.none()
    return ResponsibilityTask.objects.filter(district_id__in=visible_district_ids(user))
