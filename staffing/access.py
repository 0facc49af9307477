"""Who may see and do what with the staff roster. Built on kindergartens.access: the staff of the
kindergartens a user sees are the staff the user sees (directors their own, the bureau its district,
supervisors their assigned kindergartens'); out of scope is 404, in scope without the right 403.

The full ID number is shown only to the district bureau (admin and staff) and to the director of a
kindergarten where the person works now; everyone else reads the masked form.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet, Subquery

from accounts.roles import Role
from core.access import account_has_scope, get_in_scope_or_404, require
from kindergartens.access import kindergartens_visible_to, visible_district_ids
from kindergartens.models import Kindergarten
from staffing.models import Certificate, Employment, Misconduct, Person, RecordCheck, StaffImport, Training

BUREAU_EDITORS = frozenset({Role.BUREAU_ADMIN, Role.BUREAU_STAFF})
RIGHTS: dict[str, frozenset[str]] = {
    "view": frozenset(Role),
    # the roster: the kindergarten's director, and the district bureau
    "manage": BUREAU_EDITORS | {Role.KG_DIRECTOR},
    # 师德失范 records: only the bureau records them; the bureau and the city read them
    "record_misconduct": BUREAU_EDITORS,
    "view_misconduct": BUREAU_EDITORS | {Role.CITY_VIEWER},
    # the district's settings (training hours)
    "manage_policy": frozenset({Role.BUREAU_ADMIN}),
    # exports of the roster and the expiring lists
    "export": BUREAU_EDITORS | {Role.CITY_VIEWER, Role.KG_DIRECTOR},
}


def can(user, right: str) -> bool:
    return account_has_scope(user) and user.role in RIGHTS[right]


def _visible_kg_ids(user):
    return Subquery(kindergartens_visible_to(user).order_by().values("pk"))


def employments_visible_to(user) -> QuerySet[Employment]:
    if not account_has_scope(user):
        return Employment.objects.none()
    if user.role in BUREAU_EDITORS:  # the district's kindergartens: one equality, no subquery
        return Employment.objects.filter(kindergarten__district_id=user.bureau_id)
    if user.role in (Role.KG_DIRECTOR, Role.KG_STAFF):
        return Employment.objects.filter(kindergarten_id=user.kindergarten_id)
    return Employment.objects.filter(kindergarten_id__in=_visible_kg_ids(user))


def people_visible_to(user) -> QuerySet[Person]:
    """People who work or worked at a kindergarten the user sees."""
    if not account_has_scope(user):
        return Person.objects.none()
    worked = employments_visible_to(user).filter(person_id=OuterRef("pk"))
    return Person.objects.filter(Exists(worked))


def person_get_for_user(user, pk, *, action: str = "view") -> Person:
    person = get_in_scope_or_404(people_visible_to(user).select_related("city"), pk=pk)
    if action == "manage":
        require(person_can_manage(user, person))
    elif action == "record_misconduct":
        require(can(user, "record_misconduct"))
    return person


def person_can_manage(user, person: Person) -> bool:
    """The bureau of the district, or the director of a kindergarten where the person works now."""
    if not can(user, "manage"):
        return False
    if user.role == Role.KG_DIRECTOR:
        return Employment.objects.filter(
            person=person, kindergarten_id=user.kindergarten_id, leave_date__isnull=True
        ).exists()
    return True


def can_reveal_id(user, person: Person) -> bool:
    """Bureau admin and staff of a district where the person works or worked; the person's own director."""
    if not account_has_scope(user):
        return False
    if user.role in BUREAU_EDITORS:
        return Employment.objects.filter(person=person, kindergarten__district_id=user.bureau_id).exists()
    if user.role == Role.KG_DIRECTOR:
        return Employment.objects.filter(
            person=person, kindergarten_id=user.kindergarten_id, leave_date__isnull=True
        ).exists()
    return False


def reveal_allowed_in_bulk(user) -> bool:
    """Whether an export or list in the user's scope may carry full numbers (bureau editors, directors)."""
    return account_has_scope(user) and user.role in (BUREAU_EDITORS | {Role.KG_DIRECTOR})


def employment_get_for_user(user, pk, *, action: str = "view") -> Employment:
    employment = get_in_scope_or_404(
        employments_visible_to(user).select_related("person", "kindergarten", "kindergarten__district"), pk=pk
    )
    if action == "manage":
        require(can(user, "manage"))
    return employment


def kindergarten_for_roster(user, pk, *, action: str = "view") -> Kindergarten:
    kindergarten = get_in_scope_or_404(kindergartens_visible_to(user).select_related("district"), pk=pk)
    require(can(user, action))
    return kindergarten


def certificates_visible_to(user) -> QuerySet[Certificate]:
    return Certificate.objects.filter(person__in=people_visible_to(user))


def record_checks_visible_to(user) -> QuerySet[RecordCheck]:
    return RecordCheck.objects.filter(person__in=people_visible_to(user))


def trainings_visible_to(user) -> QuerySet[Training]:
    return Training.objects.filter(person__in=people_visible_to(user))


def misconduct_visible_to(user) -> QuerySet[Misconduct]:
    """The records of the districts the user sees, for the bureau and the city viewer only."""
    if not can(user, "view_misconduct"):
        return Misconduct.objects.none()
    return Misconduct.objects.filter(district_id__in=Subquery(visible_district_ids(user)))


def _child_get(queryset, user, pk, action):
    obj = get_in_scope_or_404(queryset.select_related("person"), pk=pk)
    if action == "manage":
        require(person_can_manage(user, obj.person))
    return obj


def certificate_get_for_user(user, pk, *, action: str = "view") -> Certificate:
    return _child_get(certificates_visible_to(user).select_related("kind"), user, pk, action)


def record_check_get_for_user(user, pk, *, action: str = "view") -> RecordCheck:
    return _child_get(record_checks_visible_to(user), user, pk, action)


def training_get_for_user(user, pk, *, action: str = "view") -> Training:
    return _child_get(trainings_visible_to(user), user, pk, action)


def misconduct_get_for_user(user, pk) -> Misconduct:
    return get_in_scope_or_404(misconduct_visible_to(user).select_related("person", "district"), pk=pk)


def staff_imports_visible_to(user) -> QuerySet[StaffImport]:
    """Roster imports of the kindergartens the user may keep the roster of (the bureau, the director)."""
    if not can(user, "manage"):
        return StaffImport.objects.none()
    return StaffImport.objects.filter(kindergarten_id__in=_visible_kg_ids(user))


def staff_import_get_for_user(user, pk) -> StaffImport:
    """404 outside the user's kindergartens; 403 in scope without the right to keep the roster."""
    staff_import = get_in_scope_or_404(
        StaffImport.objects.filter(kindergarten_id__in=_visible_kg_ids(user)).select_related(
            "kindergarten", "uploaded_by"
        ),
        pk=pk,
    )
    require(can(user, "manage"))
    return staff_import


def scope_district_ids(user) -> list[int] | None:
    """The one district a district bureau user's scope lies in (no query), else None (unknown or
    several; a supervisor's few kindergartens are not assumed to share one): lets the certificate
    figures skip other districts' requirements (staffing.selectors)."""
    if account_has_scope(user) and user.role in BUREAU_EDITORS and user.bureau_id:
        return [user.bureau_id]
    return None
