"""Who may see and do what with report types and submissions: the one place that decides.

Scope follows the registry's: a kindergarten's users see their kindergarten's submissions, a
supervisor those of the kindergartens assigned to them, a district bureau its district's (the
kindergartens' and its own district report), the city viewer every district of the city. Out of
scope is 404. Rights inside the scope (403 when missing):

- kindergarten reports: the kindergarten's staff draft, its director submits; the district bureau
  (admin, staff) returns, approves, reopens after the grace period and reminds;
- district reports: the district bureau (admin, staff) builds, fills and submits them; the city viewer,
  who receives them (DOMAIN.md §1 and §8: the city preschool section receives the districts' monthly
  reports), approves them, returns them with a reason, and, once a district's report is past the type's
  grace period, reopens it with a reason (as a district bureau does for its kindergartens; without it a
  district that missed the grace period could never submit that month);
- city reports (the city bureau's own report, e.g. the December pairing summary 市帮扶工作年度总结, which
  goes on to the province outside the portal; DOMAIN.md §1: the city bureau writes the annual summaries):
  the city viewer of that city fills and submits it, and, past the grace period, reopens it with a
  reason (nobody above it in the portal could). Nobody reviews it here: "submitted" is its last state.
  Its scope is that city's viewer and nobody else: a district bureau sees its own district only (§1,
  "their district"), and the city's report holds every district's figures (participation, agreements,
  which districts filed their summaries), so a district bureau, a supervisor or a kindergarten asking for
  it is answered 404, as for any record outside their district.

Those (reviewing the districts' reports, reopening one, and filing the city's own reports) are the city
viewer's only writes in the reports; everything else it reads.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet, Subquery
from django.http import Http404

from accounts.roles import KINDERGARTEN_ROLES, Role
from core.access import account_has_scope, get_in_scope_or_404, require
from kindergartens.access import kindergartens_visible_to, visible_district_ids
from reports.models import ReportType, Submission, SubmitterLevel

BUREAU = frozenset({Role.BUREAU_ADMIN, Role.BUREAU_STAFF})
RIGHTS: dict[str, dict[str, frozenset[str]]] = {
    SubmitterLevel.KINDERGARTEN: {
        "view": frozenset(Role),
        "edit": frozenset({Role.KG_DIRECTOR, Role.KG_STAFF}),
        "submit": frozenset({Role.KG_DIRECTOR}),
        "review": BUREAU,
        "reopen": BUREAU,
        "remind": BUREAU,
        "build": frozenset(),
    },
    SubmitterLevel.DISTRICT: {
        "view": BUREAU | {Role.CITY_VIEWER},
        "edit": BUREAU,
        "submit": BUREAU,
        "review": frozenset({Role.CITY_VIEWER}),
        "reopen": frozenset({Role.CITY_VIEWER}),
        "remind": frozenset(),
        "build": BUREAU,
    },
    SubmitterLevel.CITY: {
        "view": frozenset({Role.CITY_VIEWER}),
        "edit": frozenset({Role.CITY_VIEWER}),
        "submit": frozenset({Role.CITY_VIEWER}),
        "review": frozenset(),  # it goes to the province outside the portal
        "reopen": frozenset({Role.CITY_VIEWER}),
        "remind": frozenset(),
        "build": frozenset(),  # its figures are prefilled (reports.registry.register_prefill), not built
    },
}
# Rights over the user's whole scope (pages that are not about one submission).
SCOPE_RIGHTS: dict[str, frozenset[str]] = {
    "fill": frozenset({Role.KG_DIRECTOR, Role.KG_STAFF, Role.CITY_VIEWER}),  # the filer's inbox (the city: its own)
    "completeness": BUREAU | {Role.CITY_VIEWER},
    "review": BUREAU,
    "district_reports": BUREAU | {Role.CITY_VIEWER},
    "types": BUREAU | {Role.CITY_VIEWER},  # the report types pages (read)
    "type_create": frozenset({Role.BUREAU_ADMIN}),  # a district's own types (reports.services)
}


def can(user, right: str) -> bool:
    return account_has_scope(user) and user.role in SCOPE_RIGHTS[right]


def submissions_visible_to(user) -> QuerySet[Submission]:
    """Every submission the user may see; the only way views, the API, exports and tasks list them."""
    qs = Submission.objects.all()
    if not account_has_scope(user):
        return qs.none()
    role = user.role
    if role == Role.CITY_VIEWER:  # its districts' reports, and its own city reports
        return qs.filter(Q(district_id__in=Subquery(visible_district_ids(user))) | Q(district_id=user.bureau_id))
    if role in BUREAU and user.bureau_id:
        return qs.filter(district_id=user.bureau_id)
    if role == Role.SUPERVISOR:
        return qs.filter(
            kindergarten_id__in=Subquery(kindergartens_visible_to(user).values("pk")), district_id=user.bureau_id
        )
    if role in KINDERGARTEN_ROLES and user.kindergarten_id:
        return qs.filter(kindergarten_id=user.kindergarten_id)
    return qs.none()


def submission_can(user, submission: Submission, action: str) -> bool:
    """A role's right on a submission already known to be in the user's scope."""
    return account_has_scope(user) and user.role in RIGHTS[submission.report_type.submitter_level][action]


def submission_get_for_user(user, pk, *, action: str = "view") -> Submission:
    """404 outside the user's scope (and for a district report a kindergarten's user asks for), 403
    when the right is missing."""
    submission = get_in_scope_or_404(
        submissions_visible_to(user).select_related(
            "report_type", "version", "kindergarten", "district", "submitted_by", "prepared_by", "decided_by"
        ),
        pk=pk,
    )
    if not submission_can(user, submission, "view"):
        raise Http404
    require(submission_can(user, submission, action))
    return submission


def submission_flags(user, submission: Submission) -> dict[str, bool]:
    return {f"can_{action}": submission_can(user, submission, action) for action in RIGHTS[SubmitterLevel.KINDERGARTEN]}


def report_types_visible_to(user) -> QuerySet[ReportType]:
    """Active types the user deals with: kindergarten roles and supervisors only the kindergarten ones,
    district bureaus every one but the city's own (city reports: only the city viewer files or reads them)."""
    if not account_has_scope(user):
        return ReportType.objects.none()
    qs = ReportType.objects.filter(is_active=True).filter(
        Q(owner__isnull=True) | Q(owner_id__in=Subquery(visible_district_ids(user))) | Q(owner_id=user.bureau_id)
    )
    if user.role in KINDERGARTEN_ROLES or user.role == Role.SUPERVISOR:
        qs = qs.filter(submitter_level=SubmitterLevel.KINDERGARTEN)
    elif user.role != Role.CITY_VIEWER:
        qs = qs.exclude(submitter_level=SubmitterLevel.CITY)
    return qs


def report_type_get_for_user(user, pk) -> ReportType:
    return get_in_scope_or_404(report_types_visible_to(user), pk=pk)


def report_types_manageable_by(user) -> QuerySet[ReportType]:
    """The types the report type pages list for the bureau and the city: the shipped ones and those
    the user's districts keep, active or not (a district bureau: not the city's own). Empty for everyone else."""
    if not can(user, "types"):
        return ReportType.objects.none()
    qs = ReportType.objects.filter(
        Q(owner__isnull=True) | Q(owner_id__in=Subquery(visible_district_ids(user))) | Q(owner_id=user.bureau_id)
    )
    if user.role != Role.CITY_VIEWER:  # the city's own reports are none of a district's business
        qs = qs.exclude(submitter_level=SubmitterLevel.CITY)
    return qs


def report_type_manage_get(user, pk, *, edit: bool = False) -> ReportType:
    """404 outside the user's scope; with ``edit``, 403 unless the user is the admin of the district that
    keeps it (reports.services.report_type_can_edit)."""
    from reports.services import report_type_can_edit

    if not account_has_scope(user):
        raise Http404
    if not can(user, "types"):  # a type the user deals with (the API lists it): 403; any other: 404
        get_in_scope_or_404(report_types_visible_to(user), pk=pk)
        require(False)
    report_type = get_in_scope_or_404(report_types_manageable_by(user).select_related("owner"), pk=pk)
    if edit:
        require(report_type_can_edit(user, report_type), "只有维护该报表的区县管理员可以修改报表类型。")
    return report_type
