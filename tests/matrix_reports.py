"""Matrix rows for monthly reports (reports/urls.py; see tests/matrix.py for the format).

Objects are made on demand in the test's transaction (the shipped types, February 2025's reports):
- ``submission``: kg_a1's kindergarten report, still open. Foreign: kg_a2's for the supervisor and the
  kindergarten's users, kg_b1's for district A's bureau, kg_c1's for the city viewer.
- ``submitted``: the same, already submitted (what can be downloaded), with an attachment.
- ``district_report``: district A's report to the city. Foreign: district B's (the city viewer: C's).
- ``owned_type``: a report type district A keeps (its admin edits it). Foreign: district B's (the city
  viewer: C's).
- ``district_submitted``: the same, submitted to the city (what the city viewer approves or returns).
- ``city_report``: the city's own December pairing summary of December 2024 (past its grace period),
  still open: the city viewer of 盘锦市 files it; everyone else gets 404 (a district bureau too: it sees its
  district only). Foreign: 北京市's. ``city_report_submitted``: the same, submitted (nobody reviews it).
Supervisors and kindergarten users do not see district reports at all (404).
"""

from __future__ import annotations

import datetime

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from tests.matrix import Route, refused, statuses

LOGIN = 302
FEB = datetime.date(2025, 2, 1)
KG_ROLES = ("supervisor", "kg_director", "kg_staff")


def _types():
    from reports.models import ReportType
    from reports.services import report_types_ensure_defaults

    report_types_ensure_defaults()
    return ReportType.objects.get(code="kg-monthly"), ReportType.objects.get(code="district-monthly")


def ensure_types(cast) -> dict:
    _types()
    return {}


def _kg_submission(kg):
    from reports.services import submission_for

    kg_type, _ = _types()
    return submission_for(report_type=kg_type, month=FEB, kindergarten=kg)


def _foreign_kg(role, cast):
    if role == "city_viewer":
        return cast.kg_c1
    if role in KG_ROLES:
        return cast.kg_a2
    return cast.kg_b1


def own_submission(role, cast):
    return _kg_submission(cast.kg_a1)


def foreign_submission(role, cast):
    return _kg_submission(_foreign_kg(role, cast))


def _submitted(kg):
    from reports.models import Submission

    sub = _kg_submission(kg)
    path = default_storage.save(f"reports/{sub.pk}/matrix.pdf", ContentFile(b"%PDF-1.4 matrix"))
    now = timezone.now()
    Submission.objects.filter(pk=sub.pk).update(
        state="submitted",
        first_submitted_at=now,
        submitted_at=now,
        on_time=True,
        data={"children": 1, "attachment": {"name": "附件.pdf", "path": path}},
    )
    sub.refresh_from_db()
    return sub


def own_submitted(role, cast):
    return _submitted(cast.kg_a1)


def foreign_submitted(role, cast):
    return _submitted(_foreign_kg(role, cast))


def _district_report(district):
    from reports.services import submission_for

    _, district_type = _types()
    return submission_for(report_type=district_type, month=FEB, district=district)


def own_district_report(role, cast):
    return _district_report(cast.district_a)


def foreign_district_report(role, cast):
    return _district_report(cast.district_c if role == "city_viewer" else cast.district_b)


def _district_submitted(district):
    from reports.models import Submission

    sub = _district_report(district)
    now = timezone.now()
    Submission.objects.filter(pk=sub.pk).update(
        state="submitted", first_submitted_at=now, submitted_at=now, on_time=True, data={"expected": 2}
    )
    sub.refresh_from_db()
    return sub


def own_district_submitted(role, cast):
    return _district_submitted(cast.district_a)


def foreign_district_submitted(role, cast):
    return _district_submitted(cast.district_c if role == "city_viewer" else cast.district_b)


DEC_2024 = datetime.date(2024, 12, 1)


def _city_report(city):
    from reports.models import ReportType
    from reports.services import report_types_ensure_registered, submission_for

    report_types_ensure_registered()
    city_type = ReportType.objects.get(code="pairing-city-summary")
    return submission_for(report_type=city_type, month=DEC_2024, district=city)


def own_city_report(role, cast):
    return _city_report(cast.city)


def foreign_city_report(role, cast):
    return _city_report(cast.other_city)


def _city_report_submitted(city):
    from reports.models import Submission

    sub = _city_report(city)
    now = timezone.now()
    Submission.objects.filter(pk=sub.pk).update(
        state="submitted", first_submitted_at=now, submitted_at=now, on_time=True, data={"results": "成效"}
    )
    sub.refresh_from_db()
    return sub


def own_city_report_submitted(role, cast):
    return _city_report_submitted(cast.city)


def foreign_city_report_submitted(role, cast):
    return _city_report_submitted(cast.other_city)


def _owned_type(owner):
    """A type a district keeps (what its admin edits): one section, one field."""
    from reports.models import ReportType, ReportTypeVersion

    report_type, created = ReportType.objects.get_or_create(
        code=f"owned-{owner.pk}", defaults={"name": "区县安全月报", "submitter_level": "kindergarten", "owner": owner}
    )
    if created:
        ReportTypeVersion.objects.create(report_type=report_type, number=1, content=OWNED_CONTENT)
    return report_type


OWNED_CONTENT = {
    "sections": [{"key": "s1", "title": "安全", "fields": [{"key": "f1", "label": "检查次数", "kind": "number"}]}]
}
TYPE_SETTINGS = {"name": "区县安全月报（新）", "due_day": "12", "grace_days": "5", "period": "previous",
                 "submitter_level": "kindergarten", "is_active": "1"}  # fmt: skip


def own_owned_type(role, cast):
    return _owned_type(cast.district_a)


def foreign_owned_type(role, cast):
    return _owned_type(cast.district_c if role == "city_viewer" else cast.district_b)


def own_report_type(role, cast):
    kg_type, _ = _types()
    return kg_type


def foreign_report_type(role, cast):
    """A type the role does not deal with: district reports for the kindergarten's users and supervisors,
    otherwise a type another district keeps."""
    from reports.models import ReportType

    _, district_type = _types()
    if role in KG_ROLES:
        return district_type
    owner = cast.district_c if role == "city_viewer" else cast.district_b
    return ReportType.objects.get_or_create(
        code=f"own-{owner.pk}", defaults={"name": "区县自定报表", "submitter_level": "kindergarten", "owner": owner}
    )[0]


BUREAU_ONLY = statuses(403, anonymous=LOGIN, no_scope=403, bureau_admin=200, bureau_staff=200)
# A write on one kindergarten report that only the district bureau may do: it answers with a redirect
# (done, or refused by the state with a message); others in scope 403; out of scope 404.
BUREAU_WRITE = statuses(403, anonymous=LOGIN, no_scope=404, bureau_admin=302, bureau_staff=302)
OBJ_REFUSED = ("get", "put", "patch", "delete")
CITY_WRITE = statuses(404, anonymous=LOGIN, city_viewer=302, bureau_admin=403, bureau_staff=403)
# The city's own report: its city viewer only; everyone else (district bureaus included) 404.
CITY_OWN = statuses(404, anonymous=LOGIN, city_viewer=302)
CITY_READ = statuses(404, anonymous=LOGIN, city_viewer=200)

ROUTES: list[Route] = [
    # My reports: everyone signed in (the city viewer: the city's own reports, with links to the rates).
    Route("reports:home", statuses(200, anonymous=LOGIN)),
    *refused("reports:home"),
    # Completeness: the bureau and the city viewer.
    Route("reports:completeness", statuses(403, anonymous=LOGIN, city_viewer=200, bureau_admin=200, bureau_staff=200),
          data=ensure_types),
    *refused("reports:completeness"),
    # One click to remind the missing: the district bureau.
    Route("reports:remind", statuses(403, anonymous=LOGIN, bureau_admin=302, bureau_staff=302), method="post",
          data=ensure_types),
    *refused("reports:remind", methods=OBJ_REFUSED),
    Route("reports:review", BUREAU_ONLY),
    *refused("reports:review"),
    # One report: everyone in scope reads it; the kindergarten's users save a draft (302), others 403.
    Route("reports:submission-detail", statuses(200, anonymous=LOGIN, no_scope=404), obj="submission"),
    Route("reports:submission-detail",
          statuses(403, anonymous=LOGIN, no_scope=404, kg_director=302, kg_staff=302),
          obj="submission", method="post", data=lambda c: {"action": "save", "children": "12"}),
    *refused("reports:submission-detail", obj="submission", methods=("put", "patch", "delete")),
    Route("reports:submission-return", BUREAU_WRITE, obj="submitted", method="post",
          data=lambda c: {"reason": "请核对"}),
    *refused("reports:submission-return", obj="submitted", methods=OBJ_REFUSED),
    Route("reports:submission-approve", BUREAU_WRITE, obj="submitted", method="post"),
    *refused("reports:submission-approve", obj="submitted", methods=OBJ_REFUSED),
    Route("reports:submission-reopen", BUREAU_WRITE, obj="submission", method="post",
          data=lambda c: {"reason": "准予补报"}),
    *refused("reports:submission-reopen", obj="submission", methods=OBJ_REFUSED),
    # A district report past its grace period (February 2025): the city viewer, who receives it, reopens it.
    Route("reports:submission-reopen", CITY_WRITE, obj="district_report", method="post",
          data=lambda c: {"reason": "系统故障，准予补报"}),
    # District report build (a job): the district's bureau; the city viewer reads it only (403);
    # supervisors and kindergarten users never see district reports (404).
    Route("reports:submission-build",
          statuses(404, anonymous=LOGIN, city_viewer=403, bureau_admin=302, bureau_staff=302),
          obj="district_report", method="post"),
    *refused("reports:submission-build", obj="district_report", methods=OBJ_REFUSED),
    # A submitted district report: the city viewer who receives it approves it or returns it with a
    # reason (its only write); the district's bureau that sent it 403; supervisors and kindergartens 404.
    Route("reports:submission-return", CITY_WRITE, obj="district_submitted", method="post",
          data=lambda c: {"reason": "请核对报送率"}),
    Route("reports:submission-approve", CITY_WRITE, obj="district_submitted", method="post"),
    *refused("reports:submission-approve", obj="district_submitted", methods=OBJ_REFUSED),
    # The city's own report (December 2024's pairing summary, past its grace period): its city viewer reads
    # it, saves it, and reopens it with a reason; nobody reviews it (the city viewer too: 403); no build.
    Route("reports:submission-detail", CITY_READ, obj="city_report"),
    Route("reports:submission-detail", CITY_OWN, obj="city_report", method="post",
          data=lambda c: {"action": "save", "results": "全市参与率达到目标"}),
    Route("reports:submission-reopen", CITY_OWN, obj="city_report", method="post",
          data=lambda c: {"reason": "省教育厅同意延期报送"}),
    Route("reports:submission-build", statuses(404, anonymous=LOGIN, city_viewer=403), obj="city_report",
          method="post"),
    Route("reports:submission-return", statuses(404, anonymous=LOGIN, city_viewer=403),
          obj="city_report_submitted", method="post", data=lambda c: {"reason": "请核对"}),
    Route("reports:submission-approve", statuses(404, anonymous=LOGIN, city_viewer=403),
          obj="city_report_submitted", method="post"),
    Route("reports:submission-excel", CITY_READ, obj="city_report_submitted"),
    # Report types: the bureau and the city read them; a district admin makes its own and edits those
    # (the shipped ones serve every district); the confirmed edit redirects.
    Route("reports:types", statuses(403, anonymous=LOGIN, city_viewer=200, bureau_admin=200, bureau_staff=200)),
    *refused("reports:types"),
    Route("reports:type-new", statuses(403, anonymous=LOGIN, bureau_admin=200)),
    Route("reports:type-new", statuses(403, anonymous=LOGIN, bureau_admin=302), method="post",
          data=lambda c: {**TYPE_SETTINGS, "based_on": ""}),
    *refused("reports:type-new", methods=("put", "patch", "delete")),
    Route("reports:type-detail", statuses(403, anonymous=LOGIN, no_scope=404, city_viewer=200, bureau_admin=200,
                                          bureau_staff=200), obj="report_type"),
    *refused("reports:type-detail", obj="report_type"),
    Route("reports:type-edit", statuses(403, anonymous=LOGIN, no_scope=404, bureau_admin=200), obj="owned_type"),
    Route("reports:type-edit", statuses(403, anonymous=LOGIN, no_scope=404, bureau_admin=302), obj="owned_type",
          method="post", data=lambda c: {**TYPE_SETTINGS, "s0-title": "安全", "f-f1-label": "检查次数", "confirm": "1"}),
    *refused("reports:type-edit", obj="owned_type", methods=("put", "patch", "delete")),
    # Downloads: whoever may read the report.
    Route("reports:submission-excel", statuses(200, anonymous=LOGIN, no_scope=404), obj="submitted"),
    *refused("reports:submission-excel", obj="submitted"),
    Route("reports:submission-file", statuses(200, anonymous=LOGIN, no_scope=404), obj="submitted"),
    *refused("reports:submission-file", obj="submitted"),
]  # fmt: skip


# --- API -------------------------------------------------------------------------------------------------
API_ANON = 401
_API_OBJECT = statuses(200, anonymous=API_ANON, no_scope=404)


def _api_only(ok: int, *roles: str) -> dict[str, int]:
    result = statuses(403, anonymous=API_ANON, no_scope=404)
    result.update(dict.fromkeys(roles, ok))
    return result


ROUTES += [
    Route("api:report-type-list", statuses(200, anonymous=API_ANON), api=True, data=ensure_types),
    Route("api:report-type-detail", _API_OBJECT, obj="report_type", api=True),
    Route("api:report-type-list", _api_only(201, "bureau_admin") | {"no_scope": 403}, method="post", api=True,
          data=lambda c: {"name": "区县安全月报", "submitter_level": "kindergarten", "content": OWNED_CONTENT}),
    Route("api:report-type-detail", _api_only(200, "bureau_admin"), obj="owned_type", method="patch", api=True,
          data=lambda c: {"name": "区县安全月报（新）"}),
    Route("api:report-submission-list", statuses(200, anonymous=API_ANON), api=True),
    Route("api:report-submission-detail", _API_OBJECT, obj="submission", api=True),
    Route("api:report-submission-save", _api_only(200, "kg_director", "kg_staff"), obj="submission", method="post",
          api=True, data=lambda c: {"data": {"children": 5}}),
    # February 2025 is long past its grace period: the director is answered 400 with the reason.
    Route("api:report-submission-submit", _api_only(400, "kg_director"), obj="submission", method="post", api=True,
          data=lambda c: {"data": {"children": 5}}),
    Route("api:report-submission-return", _api_only(200, "bureau_admin", "bureau_staff"), obj="submitted",
          method="post", api=True, data=lambda c: {"reason": "请核对"}),
    Route("api:report-submission-approve", _api_only(200, "bureau_admin", "bureau_staff"), obj="submitted",
          method="post", api=True),
    Route("api:report-submission-reopen", _api_only(200, "bureau_admin", "bureau_staff"), obj="submission",
          method="post", api=True, data=lambda c: {"reason": "准予补报"}),
    Route("api:report-submission-reopen",
          statuses(404, anonymous=API_ANON, city_viewer=200, bureau_admin=403, bureau_staff=403),
          obj="district_report", method="post", api=True, data=lambda c: {"reason": "系统故障，准予补报"}),
    Route("api:report-submission-return",
          statuses(404, anonymous=API_ANON, city_viewer=200, bureau_admin=403, bureau_staff=403),
          obj="district_submitted", method="post", api=True, data=lambda c: {"reason": "请核对报送率"}),
    Route("api:report-submission-approve",
          statuses(404, anonymous=API_ANON, city_viewer=200, bureau_admin=403, bureau_staff=403),
          obj="district_submitted", method="post", api=True),
    # The city's own report through the API: its city viewer only (others 404); submitting December 2024's
    # is refused with the reason (past the grace period: 400); reopening it is the city's.
    Route("api:report-submission-detail", statuses(404, anonymous=API_ANON, city_viewer=200), obj="city_report",
          api=True),
    Route("api:report-submission-save", statuses(404, anonymous=API_ANON, city_viewer=200), obj="city_report",
          method="post", api=True, data=lambda c: {"data": {"results": "全市参与率达到目标"}}),
    Route("api:report-submission-submit", statuses(404, anonymous=API_ANON, city_viewer=400), obj="city_report",
          method="post", api=True, data=lambda c: {"data": {"results": "成效", "problems": "问题", "plan": "打算"}}),
    Route("api:report-submission-reopen", statuses(404, anonymous=API_ANON, city_viewer=200), obj="city_report",
          method="post", api=True, data=lambda c: {"reason": "省教育厅同意延期报送"}),
    Route("api:report-submission-approve", statuses(404, anonymous=API_ANON, city_viewer=403),
          obj="city_report_submitted", method="post", api=True),
    Route("api:consolidated-report-detail", statuses(404, anonymous=API_ANON), obj="city_report", api=True),
    Route("api:consolidated-report-list", statuses(200, anonymous=API_ANON), api=True),
    Route("api:consolidated-report-detail",
          statuses(404, anonymous=API_ANON, city_viewer=200, bureau_admin=200, bureau_staff=200),
          obj="district_report", api=True),
]  # fmt: skip
