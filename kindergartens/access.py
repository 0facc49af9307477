"""Who may see and do what with bureaus, townships and kindergartens.

Scope is data: bureau roles see their district (the city viewer, the city's districts),
kindergarten roles their own kindergarten, supervisors the kindergartens they hold the
guardian object permission ``supervise_kindergarten`` on (granted by their assignment).
Everything else is out of scope and answers 404. Rights inside the scope are by role
and answer 403 when missing. Deny by default: an inactive account, an account without a
role or organisation, or one whose organisation does not match its role sees nothing.
"""

from __future__ import annotations

import functools

from django.db.models import FilteredRelation, Q, QuerySet, Subquery
from django.http import Http404

from accounts.roles import DISTRICT_ROLES, KINDERGARTEN_ROLES, Role
from core.access import account_has_scope, get_in_scope_or_404, require
from core.db.compiled import CompiledQuery
from kindergartens.models import (
    Bureau,
    ChangeFiling,
    CollaborationGroup,
    CreditGrade,
    Kindergarten,
    KindergartenClass,
    KindergartenUserObjectPermission,
    Level,
    RosterImport,
    Township,
)

SUPERVISE_CODENAME = "supervise_kindergarten"

# Rights on a kindergarten that is already in scope.
BUREAU_EDITORS = frozenset({Role.BUREAU_ADMIN, Role.BUREAU_STAFF})
KINDERGARTEN_RIGHTS: dict[str, frozenset[str]] = {
    "view": frozenset(Role),
    "change": BUREAU_EDITORS,
    "view_history": frozenset({Role.CITY_VIEWER, Role.BUREAU_ADMIN, Role.BUREAU_STAFF}),
    "assign_supervisor": frozenset({Role.BUREAU_ADMIN}),
    # classes and headcounts: the bureau, and the kindergarten's own director
    "manage_classes": BUREAU_EDITORS | {Role.KG_DIRECTOR},
    # violations and penalties, annual inspection results
    "record_findings": BUREAU_EDITORS,
    # 变更备案: the director files, the bureau reviews; everyone in scope may read filings
    "file_change": frozenset({Role.KG_DIRECTOR}),
    "review_filing": BUREAU_EDITORS,
}

# Rights that do not concern one kindergarten but the user's whole scope.
SCOPE_RIGHTS: dict[str, frozenset[str]] = {
    "import_roster": BUREAU_EDITORS,
    "export_list": BUREAU_EDITORS | {Role.CITY_VIEWER},
    "review_filings": BUREAU_EDITORS,
    "list_filings": frozenset(Role) - {Role.KG_STAFF},
    "manage_levels": frozenset({Role.BUREAU_ADMIN}),
    # the district's credit grades (信用等级): the admin of that district bureau
    "manage_credit_grades": frozenset({Role.BUREAU_ADMIN}),
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


def _scope(user) -> tuple[str, dict[str, int]] | None:
    """The shape of the user's scope and the ids it is drawn from (None: nothing). With ``_scoped``,
    the one definition of which kindergartens a user sees, for the ORM and for its compiled forms."""
    if not account_has_scope(user):
        return None
    role = user.role
    if role == Role.CITY_VIEWER and user.bureau_id:
        return "city", {"bureau": user.bureau_id}
    if role in (Role.BUREAU_ADMIN, Role.BUREAU_STAFF) and user.bureau_id:
        return "district", {"bureau": user.bureau_id}
    if role == Role.SUPERVISOR and user.bureau_id:
        return "supervisor", {"user": user.pk, "bureau": user.bureau_id}
    if role in KINDERGARTEN_ROLES and user.kindergarten_id:
        return "kindergarten", {"kindergarten": user.kindergarten_id}
    return None


# The ids each scope kind is drawn from (``_scope``'s second part).
SCOPE_IDS = {
    "city": ("bureau",),
    "district": ("bureau",),
    "supervisor": ("user", "bureau"),
    "kindergarten": ("kindergarten",),
}


def _scoped(kind: str, **ids: int) -> QuerySet[Kindergarten]:
    qs = Kindergarten.objects.all()
    if kind == "city":
        districts = Bureau.objects.filter(parent_id=ids["bureau"], level=Bureau.Level.DISTRICT).order_by().values("pk")
        return qs.filter(district_id__in=Subquery(districts))
    if kind == "district":
        # A kindergarten's district is always a district bureau (kindergarten_create checks it), so a
        # direct equality is exact and lets PostgreSQL walk kg_district_name_idx without a sort.
        return qs.filter(district_id=ids["bureau"])
    if kind == "supervisor":
        assigned = KindergartenUserObjectPermission.objects.filter(
            user_id=ids["user"], permission__codename=SUPERVISE_CODENAME
        ).values("content_object_id")
        return qs.filter(pk__in=Subquery(assigned), district_id=ids["bureau"])
    if kind == "kindergarten":
        return qs.filter(pk=ids["kindergarten"])
    return qs.none()


def kindergartens_visible_to(user) -> QuerySet[Kindergarten]:
    """Every kindergarten the user may see; the only way views, APIs, exports and tasks list them."""
    scope = _scope(user)
    if scope is None:
        return Kindergarten.objects.none()
    kind, ids = scope
    return _scoped_kept(kind, tuple(ids.items())).all()


@functools.lru_cache(maxsize=1024)
def _scoped_kept(kind: str, ids: tuple) -> QuerySet[Kindergarten]:
    """``_scoped``, built once per scope and handed out as copies (``.all()``: never evaluated itself):
    building a city's scope (a subquery of its districts) cost an API list 0.4 ms a request."""
    return _scoped(kind, **dict(ids))


def kindergarten_can(user, kindergarten: Kindergarten, action: str) -> bool:
    """Role right on a kindergarten already known to be in the user's scope."""
    return account_has_scope(user) and user.role in KINDERGARTEN_RIGHTS[action]


def kindergarten_get_for_user(
    user,
    pk,
    *,
    action: str = "view",
    related: tuple[str, ...] = (),
    active_supervisor: bool = False,
    panels: str | None = None,
) -> Kindergarten:
    """404 when the kindergarten is not in the user's scope, 403 when the right is missing.

    ``related``: more relations to fetch in the same query (the record page's info tab shows the level
    and the credit grade). ``active_supervisor``: the current responsible-supervisor assignment (at
    most one: a unique constraint) and its supervisor in the same query, as ``active_assignment``
    (None when there is none). ``panels``: a slot of core.registry whose panels' figures are read in
    the same query (``panel_annotations``). Every record page and API detail reads through here, so
    the query is compiled once per scope shape and variant (core.db.compiled) and only run after that."""
    scope = _scope(user)
    try:
        pk = int(pk)
    except (TypeError, ValueError) as exc:
        raise Http404 from exc
    if scope is None or not 0 < pk < 2**63:
        raise Http404
    kind, ids = scope
    try:
        kindergarten = _compiled_get(kind, tuple(related), active_supervisor, panels).get(pk=pk, **ids)
    except Kindergarten.DoesNotExist as exc:
        raise Http404 from exc
    if active_supervisor and not hasattr(kindergarten, "active_assignment"):
        kindergarten.active_assignment = None  # Django sets nothing when the relation found no row
    require(kindergarten_can(user, kindergarten, action))
    return kindergarten


_compiled_gets: dict[tuple, CompiledQuery] = {}


def _compiled_get(kind: str, related: tuple[str, ...], active_supervisor: bool, panels: str | None) -> CompiledQuery:
    key = (kind, related, active_supervisor, panels)
    query = _compiled_gets.get(key)
    if query is None:

        def build(pk: int, **ids: int) -> QuerySet[Kindergarten]:
            qs = _scoped(kind, **ids).select_related("district", "township", "collaboration_group", *related)
            if active_supervisor:
                active = FilteredRelation(
                    "supervisor_assignments", condition=Q(supervisor_assignments__ended_at__isnull=True)
                )
                qs = qs.annotate(active_assignment=active).select_related("active_assignment__supervisor")
            if panels:
                from core.registry import panel_annotations

                qs = qs.annotate(**panel_annotations(panels))
            return qs.filter(pk=pk)

        names = SCOPE_IDS[kind]
        query = _compiled_gets[key] = CompiledQuery(build, prepare=True, pk=int, **dict.fromkeys(names, int))
    return query


def can(user, right: str) -> bool:
    """A right over the user's whole scope (import a roster, export the list, review filings…)."""
    return account_has_scope(user) and user.role in SCOPE_RIGHTS[right]


def user_province(user) -> str:
    """The province whose level vocabulary applies to the user ("" when none)."""
    if not account_has_scope(user):
        return ""
    if user.bureau_id:
        return user.bureau.province
    return user.kindergarten.district.province


def levels_visible_to(user) -> QuerySet[Level]:
    province = user_province(user)
    return Level.objects.filter(province=province) if province else Level.objects.none()


def level_get_for_user(user, pk, *, action: str = "view") -> Level:
    level = get_in_scope_or_404(levels_visible_to(user), pk=pk)
    require(action == "view" or can(user, "manage_levels"))
    return level


def credit_grades_visible_to(user) -> QuerySet[CreditGrade]:
    """The credit grades of the districts the user sees (the city viewer: every district's)."""
    if not account_has_scope(user):
        return CreditGrade.objects.none()
    return CreditGrade.objects.filter(district_id__in=Subquery(visible_district_ids(user)))


def credit_grade_district(user) -> Bureau | None:
    """The district whose credit grades ``user`` keeps: a district bureau admin's own bureau."""
    if not can(user, "manage_credit_grades") or not user.bureau_id:
        return None
    bureau = user.bureau
    return bureau if bureau.level == Bureau.Level.DISTRICT else None


def credit_grade_get_for_user(user, pk, *, action: str = "view") -> CreditGrade:
    """404 outside the user's districts; 403 for a change by anyone but that district's bureau admin."""
    grade = get_in_scope_or_404(credit_grades_visible_to(user).select_related("district"), pk=pk)
    if action != "view":
        require(can(user, "manage_credit_grades") and grade.district_id == user.bureau_id)
    return grade


def filings_visible_to(user) -> QuerySet[ChangeFiling]:
    """Change filings of the kindergartens in the user's scope."""
    if not account_has_scope(user):
        return ChangeFiling.objects.none()
    return ChangeFiling.objects.filter(kindergarten_id__in=Subquery(kindergartens_visible_to(user).values("pk")))


def filing_get_for_user(user, pk, *, action: str = "view") -> ChangeFiling:
    """``action``: view, review (bureau), resubmit (the director of that kindergarten)."""
    filing = get_in_scope_or_404(
        filings_visible_to(user).select_related("kindergarten", "kindergarten__district", "filed_by", "decided_by"),
        pk=pk,
    )
    if action == "review":
        require(kindergarten_can(user, filing.kindergarten, "review_filing"))
    elif action == "resubmit":
        require(kindergarten_can(user, filing.kindergarten, "file_change"))
    else:
        require(can(user, "list_filings"))
    return filing


def classes_visible_to(user) -> QuerySet[KindergartenClass]:
    return KindergartenClass.objects.filter(kindergarten_id__in=Subquery(kindergartens_visible_to(user).values("pk")))


def class_get_for_user(user, pk, *, action: str = "view") -> KindergartenClass:
    klass = get_in_scope_or_404(classes_visible_to(user).select_related("kindergarten"), pk=pk)
    if action != "view":
        require(kindergarten_can(user, klass.kindergarten, "manage_classes"))
    return klass


ROSTER_IMPORT_SCOPE_ROLES = frozenset({Role.CITY_VIEWER, Role.BUREAU_ADMIN, Role.BUREAU_STAFF})


def roster_imports_visible_to(user) -> QuerySet[RosterImport]:
    """Imports of the districts whose whole registry the user sees (the city, the district's bureau)."""
    if not account_has_scope(user) or user.role not in ROSTER_IMPORT_SCOPE_ROLES:
        return RosterImport.objects.none()
    return RosterImport.objects.filter(district_id__in=Subquery(visible_district_ids(user)))


def roster_import_get_for_user(user, pk) -> RosterImport:
    """404 outside the user's districts; 403 for a user who may not import (the city viewer)."""
    roster_import = get_in_scope_or_404(
        roster_imports_visible_to(user).select_related("district", "uploaded_by"), pk=pk
    )
    require(can(user, "import_roster"))
    return roster_import


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
