"""Staffing records in the Django admin: scoped like the pages (staffing.access), read-only; the
full ID number and its look-up hash are never shown here (a reveal is recorded on the person page).
Certificate kinds and their city-wide default posts are the system administrator's (superuser);
districts adjust them on the 教职工管理设置 page."""

from django.contrib import admin

from core.admin_scope import ReadOnlyScopedAdmin, ScopedAdmin
from kindergartens.access import visible_district_ids
from staffing.access import (
    certificates_visible_to,
    employments_visible_to,
    misconduct_visible_to,
    people_visible_to,
    record_checks_visible_to,
    trainings_visible_to,
)
from staffing.models import (
    Certificate,
    CertificateKind,
    Employment,
    Misconduct,
    Person,
    RecordCheck,
    StaffingPolicy,
    Training,
)


def _all_kinds(user):
    return CertificateKind.objects.all()


def _policies_visible_to(user):
    return StaffingPolicy.objects.filter(district_id__in=visible_district_ids(user))


@admin.register(CertificateKind)
class CertificateKindAdmin(ScopedAdmin):
    """The superuser keeps the kinds; a scoped bureau admin reads them."""

    scope = staticmethod(_all_kinds)
    list_display = ("name", "for_all_posts", "order")

    def get_exclude(self, request, obj=None):
        # the code is the program's key: set once by a superuser, never shown to a bureau admin
        return () if request.user.is_superuser else ("code",)


@admin.register(StaffingPolicy)
class StaffingPolicyAdmin(ReadOnlyScopedAdmin):
    scope = staticmethod(_policies_visible_to)
    list_display = ("district", "training_hours", "training_years")
    list_select_related = ("district",)


@admin.register(Person)
class PersonAdmin(ReadOnlyScopedAdmin):
    scope = staticmethod(people_visible_to)
    exclude = ("id_number", "id_hash")
    list_display = ("name", "id_masked", "gender", "birth_date")
    search_fields = ("name",)


@admin.register(Employment)
class EmploymentAdmin(ReadOnlyScopedAdmin):
    scope = staticmethod(employments_visible_to)
    list_display = ("person", "kindergarten", "post", "hire_date", "leave_date")
    list_filter = ("post",)
    list_select_related = ("person", "kindergarten")
    search_fields = ("person__name", "kindergarten__name")
    raw_id_fields = ("person", "kindergarten")


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyScopedAdmin):
    """The scan is served only through the permission-checked page (staffing:certificate-scan)."""

    scope = staticmethod(certificates_visible_to)
    exclude = ("scan",)
    list_display = ("person", "kind", "number", "issued_on", "expires_on")
    list_select_related = ("person", "kind")


@admin.register(RecordCheck)
class RecordCheckAdmin(ReadOnlyScopedAdmin):
    scope = staticmethod(record_checks_visible_to)
    list_display = ("person", "kind", "checked_on", "result")
    list_select_related = ("person",)


@admin.register(Training)
class TrainingAdmin(ReadOnlyScopedAdmin):
    scope = staticmethod(trainings_visible_to)
    list_display = ("person", "completed_on", "hours")
    list_select_related = ("person",)


@admin.register(Misconduct)
class MisconductAdmin(ReadOnlyScopedAdmin):
    scope = staticmethod(misconduct_visible_to)
    list_display = ("person", "district", "decided_on", "sanction", "veto")
    list_select_related = ("person", "district")
