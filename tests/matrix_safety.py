"""Matrix rows for safety (safety/urls.py and the safety API; see tests/matrix.py for the format).

Objects are made on demand in the test's transaction, straight in the database (no notifications):
- ``incident``: an incident of kg_a1 with its initial report. Foreign: kg_a2's for the supervisor and
  the kindergarten's users, kg_b1's for district A's bureau, kg_c1's for the city viewer.
- ``hazard``: a hazard of kg_a1 already ordered; ``hazard_pending``: one the kindergarten recorded,
  waiting for its order. Foreign: the same in the role's foreign kindergarten.
- ``draft``: an unsubmitted incident report draft of kg_a1 (drafted by its staff member). Drafts are
  the kindergarten's own: every other role finds none (404); foreign: kg_a2's.
Rights: the director reports (a staff member's form saves a draft; the director submits it); the
kindergarten's own accounts add to the timeline; the district bureau records
forwarding; supervisors and the bureau issue orders for hazards; nobody changes or deletes anything
(PUT, PATCH and DELETE are refused everywhere).
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from tests.matrix import ROLES, Route, refused, statuses

LOGIN = 302
API_ANON = 401
KG_ROLES = ("supervisor", "kg_director", "kg_staff")
KG_OWN = {"kg_director": 302, "kg_staff": 302}
BUREAU = {"bureau_admin": 302, "bureau_staff": 302}
OBJ_REFUSED = ("put", "patch", "delete")


def _foreign_kg(role, cast):
    if role == "city_viewer":
        return cast.kg_c1
    if role in KG_ROLES:
        return cast.kg_a2
    return cast.kg_b1


def _director(cast, kg):
    return {cast.kg_a1: cast.kg_director, cast.kg_a2: cast.director_a2, cast.kg_b1: cast.director_b1}.get(
        kg, cast.director_c1
    )


def _incident(cast, kg):
    from safety.models import Incident, IncidentEntry
    from safety.services import incident_deadlines

    occurred = timezone.now() - datetime.timedelta(minutes=30)
    incident = Incident.objects.create(
        kindergarten=kg,
        district_id=kg.district_id,
        occurred_at=occurred,
        reported_at=timezone.now(),
        reported_by=_director(cast, kg),
        kind="injury",
        grade="general",
        **incident_deadlines(occurred_at=occurred, kind="injury"),
    )
    IncidentEntry.objects.create(
        incident=incident,
        kind="initial",
        author=_director(cast, kg),
        text="首报",
        kind_stated="injury",
        grade_stated="general",
    )
    return incident


def own_incident(role, cast):
    return _incident(cast, cast.kg_a1)


def foreign_incident(role, cast):
    return _incident(cast, _foreign_kg(role, cast))


def _draft(cast, kg):
    from safety.models import IncidentDraft

    author = cast.kg_staff if kg == cast.kg_a1 else _director(cast, kg)
    return IncidentDraft.objects.create(
        kindergarten=kg,
        drafted_by=author,
        occurred_at=timezone.now() - datetime.timedelta(minutes=20),
        kind="injury",
        grade="general",
        children_affected=1,
        staff_affected=0,
        text="午睡起床时一名幼儿从床边滑落，手臂擦伤。",
    )


def own_draft(role, cast):
    return _draft(cast, cast.kg_a1)


def foreign_draft(role, cast):
    return _draft(cast, cast.kg_a2)


def _hazard(cast, kg, *, ordered: bool):
    from safety.models import Hazard
    from supervision.models import RectificationOrder

    order = None
    if ordered:
        order = RectificationOrder.objects.create(
            kindergarten=kg,
            source_kind="hazard",
            source_label="安全隐患（消防）",
            description="灭火器过期",
            severity="minor",
            deadline=datetime.date(2030, 1, 1),
        )
    return Hazard.objects.create(
        kindergarten=kg,
        category="fire",
        source="daily",
        found_on=datetime.date(2026, 3, 2),
        description="灭火器过期",
        recorded_by=_director(cast, kg),
        order=order,
    )


def own_hazard(role, cast):
    return _hazard(cast, cast.kg_a1, ordered=True)


def foreign_hazard(role, cast):
    return _hazard(cast, _foreign_kg(role, cast), ordered=True)


def own_hazard_pending(role, cast):
    return _hazard(cast, cast.kg_a1, ordered=False)


def foreign_hazard_pending(role, cast):
    return _hazard(cast, _foreign_kg(role, cast), ordered=False)


def _bus(kg):
    from safety.models import SchoolBus

    # get_or_create: the completeness probe asks for the object of every bus route in one transaction.
    return SchoolBus.objects.get_or_create(kindergarten=kg, plate="辽K12345", defaults={"seats": 19})[0]


def own_bus(role, cast):
    return _bus(cast.kg_a1)


def foreign_bus(role, cast):
    return _bus(_foreign_kg(role, cast))


def _signed_file(cast):
    from tests.supervision.files import PDF, upload

    return upload(PDF, "责任书.pdf")


def _photo(cast):
    from tests.supervision.files import PNG, upload

    return upload(PNG, "演练.png")


def _report_data(cast):
    return {
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "kind": "injury",
        "grade": "general",
        "children_affected": "1",
        "staff_affected": "0",
        "text": "午睡起床时一名幼儿从床边滑落，手臂擦伤。",
    }


def _hazard_data(cast):
    return {
        "category": "fire",
        "source": "inspection",
        "found_on": timezone.localdate().isoformat(),
        "description": "消防通道堆放杂物。",
        "severity": "minor",
    }


def _api(default: int, **overrides: int) -> dict[str, int]:
    return statuses(default, anonymous=API_ANON, **overrides)


def _api_refused(name: str, obj: str | None, methods: tuple[str, ...]) -> list[Route]:
    expect = statuses(405, anonymous=API_ANON)
    return [
        Route(name, expect, obj=obj, method=m, api=True, foreign=dict.fromkeys(ROLES, 405) if obj else {})
        for m in methods
    ]


# Facilities, buses, checks, letters, drills: the kindergarten's own accounts and the district bureau.
KEEPERS = {"bureau_admin": 302, "bureau_staff": 302, "kg_director": 302, "kg_staff": 302}

RECORDERS = {"bureau_admin": 302, "bureau_staff": 302, "supervisor": 302, "kg_director": 302, "kg_staff": 302}

ROUTES: list[Route] = [
    # Incidents: everyone with a scope reads them.
    Route("safety:incident-list", statuses(200, anonymous=LOGIN, no_scope=403)),
    *refused("safety:incident-list"),
    # Reporting: the director; a staff member's post saves a draft (both redirect).
    Route("safety:incident-create", statuses(403, anonymous=LOGIN, kg_director=200, kg_staff=200)),
    Route("safety:incident-create", statuses(403, anonymous=LOGIN, **KG_OWN), method="post", data=_report_data),
    *refused("safety:incident-create", methods=OBJ_REFUSED),
    # Drafts: the kindergarten's own accounts change them; only the director submits.
    Route("safety:incident-draft", statuses(404, anonymous=LOGIN, kg_director=200, kg_staff=200), obj="draft"),
    Route(
        "safety:incident-draft",
        statuses(404, anonymous=LOGIN, **KG_OWN),
        obj="draft",
        method="post",
        data=lambda c: {**_report_data(c), "save_draft": "1"},
    ),
    *refused("safety:incident-draft", obj="draft", methods=OBJ_REFUSED),
    Route(
        "safety:incident-draft-delete",
        statuses(404, anonymous=LOGIN, **KG_OWN),
        obj="draft",
        method="post",
    ),
    *refused("safety:incident-draft-delete", obj="draft", methods=("get", *OBJ_REFUSED)),
    Route("safety:incident-detail", statuses(200, anonymous=LOGIN, no_scope=404), obj="incident"),
    *refused("safety:incident-detail", obj="incident"),
    # The timeline grows by the kindergarten only; nothing else answers.
    Route(
        "safety:incident-entry",
        statuses(403, anonymous=LOGIN, no_scope=404, **KG_OWN),
        obj="incident",
        method="post",
        data=lambda c: {"kind": "followup", "text": "幼儿已送医复查，无大碍。"},
    ),
    *refused("safety:incident-entry", obj="incident", methods=("get", *OBJ_REFUSED)),
    Route(
        "safety:incident-forward",
        statuses(403, anonymous=LOGIN, no_scope=404, **BUREAU),
        obj="incident",
        method="post",
        data=lambda c: {"to": "city"},
    ),
    *refused("safety:incident-forward", obj="incident", methods=("get", *OBJ_REFUSED)),
    # The district overview: the bureau, the city viewer and supervisors (their kindergartens).
    Route(
        "safety:overview",
        statuses(403, anonymous=LOGIN, city_viewer=200, bureau_admin=200, bureau_staff=200, supervisor=200),
    ),
    *refused("safety:overview"),
    # Zero reports: the kindergarten sees its months; the director confirms.
    Route("safety:zero-reports", statuses(403, anonymous=LOGIN, kg_director=200, kg_staff=200)),
    Route(
        "safety:zero-reports",
        statuses(403, anonymous=LOGIN, kg_director=302),
        method="post",
        data=lambda c: {"month": timezone.localdate().strftime("%Y-%m")},
    ),
    *refused("safety:zero-reports", methods=OBJ_REFUSED),
    # Hazards.
    Route("safety:hazard-list", statuses(200, anonymous=LOGIN, no_scope=403)),
    *refused("safety:hazard-list"),
    Route("safety:hazard-create", statuses(200, anonymous=LOGIN, no_scope=404, city_viewer=403), obj="kindergarten"),
    Route(
        "safety:hazard-create",
        statuses(403, anonymous=LOGIN, no_scope=404, **RECORDERS),
        obj="kindergarten",
        method="post",
        data=_hazard_data,
    ),
    *refused("safety:hazard-create", obj="kindergarten", methods=OBJ_REFUSED),
    Route("safety:hazard-detail", statuses(200, anonymous=LOGIN, no_scope=404), obj="hazard"),
    *refused("safety:hazard-detail", obj="hazard"),
    Route(
        "safety:hazard-issue",
        statuses(403, anonymous=LOGIN, no_scope=404, supervisor=302, **BUREAU),
        obj="hazard_pending",
        method="post",
        data=lambda c: {"severity": "minor"},
    ),
    *refused("safety:hazard-issue", obj="hazard_pending", methods=("get", *OBJ_REFUSED)),
    # Facilities and duties.
    Route("safety:facility-home", statuses(200, anonymous=LOGIN, no_scope=403, kg_director=302, kg_staff=302)),
    *refused("safety:facility-home"),
    Route("safety:facilities", statuses(200, anonymous=LOGIN, no_scope=404), obj="kindergarten"),
    *refused("safety:facilities", obj="kindergarten"),
    Route(
        "safety:facility-change",
        statuses(403, anonymous=LOGIN, no_scope=404, **KEEPERS),
        obj="kindergarten",
        method="post",
        data=lambda c: {
            "effective_on": timezone.localdate().isoformat(),
            "video_retention_days": "30",
            "full_time_guards": "1",
            "alarm_linked": "on",
        },
    ),
    *refused("safety:facility-change", obj="kindergarten", methods=("get", *OBJ_REFUSED)),
    Route(
        "safety:bus-create",
        statuses(403, anonymous=LOGIN, no_scope=404, **KEEPERS),
        obj="kindergarten",
        method="post",
        data=lambda c: {"plate": "辽K99999", "seats": "19"},
    ),
    *refused("safety:bus-create", obj="kindergarten", methods=("get", *OBJ_REFUSED)),
    Route(
        "safety:bus-inspect",
        statuses(403, anonymous=LOGIN, no_scope=404, **KEEPERS),
        obj="bus",
        method="post",
        data=lambda c: {
            "inspected_on": timezone.localdate().isoformat(),
            "valid_until": (timezone.localdate() + datetime.timedelta(days=365)).isoformat(),
        },
    ),
    *refused("safety:bus-inspect", obj="bus", methods=("get", *OBJ_REFUSED)),
    Route(
        "safety:bus-retire",
        statuses(403, anonymous=LOGIN, no_scope=404, **KEEPERS),
        obj="bus",
        method="post",
        data=lambda c: {"retired_on": timezone.localdate().isoformat(), "confirm": "1"},
    ),
    *refused("safety:bus-retire", obj="bus", methods=("get", *OBJ_REFUSED)),
    Route(
        "safety:video-check-create",
        statuses(403, anonymous=LOGIN, no_scope=404, **KEEPERS),
        obj="kindergarten",
        method="post",
        data=lambda c: {
            "month": timezone.localdate().strftime("%Y-%m"),
            "cameras_total": "10",
            "cameras_working": "10",
            "retention_days": "30",
            "retention_verified": "on",
        },
    ),
    *refused("safety:video-check-create", obj="kindergarten", methods=("get", *OBJ_REFUSED)),
    Route(
        "safety:letter-create",
        statuses(403, anonymous=LOGIN, no_scope=404, **KEEPERS),
        obj="kindergarten",
        method="post",
        data=lambda c: {
            "level": "bureau_kg",
            "year": str(timezone.localdate().year),
            "parties": "区教育局—园长",
            "signed_on": timezone.localdate().isoformat(),
            "file": _signed_file(c),
        },
    ),
    *refused("safety:letter-create", obj="kindergarten", methods=("get", *OBJ_REFUSED)),
    Route(
        "safety:drill-create",
        statuses(403, anonymous=LOGIN, no_scope=404, **KEEPERS),
        obj="kindergarten",
        method="post",
        data=lambda c: {
            "held_on": timezone.localdate().isoformat(),
            "kind": "fire",
            "participants": "120",
            "files": _photo(c),
        },
    ),
    *refused("safety:drill-create", obj="kindergarten", methods=("get", *OBJ_REFUSED)),
    # --- API ---
    Route("api:safety-incident-list", _api(200, no_scope=403), api=True),
    Route(
        "api:safety-incident-list",
        _api(403, kg_director=201),
        api=True,
        method="post",
        data=lambda c: {**_report_data(c), "occurred_at": timezone.now().isoformat()},
    ),
    *_api_refused("api:safety-incident-list", None, OBJ_REFUSED),
    Route("api:safety-incident-detail", _api(200, no_scope=404), obj="incident", api=True),
    *_api_refused("api:safety-incident-detail", "incident", ("post", *OBJ_REFUSED)),
    Route(
        "api:safety-incident-entries",
        _api(403, no_scope=404, kg_director=201, kg_staff=201),
        obj="incident",
        api=True,
        method="post",
        data=lambda c: {"kind": "final", "text": "处置完毕，幼儿已返园。"},
    ),
    Route(
        "api:safety-incident-forward",
        _api(403, no_scope=404, bureau_admin=200, bureau_staff=200),
        obj="incident",
        api=True,
        method="post",
        data=lambda c: {"to": "government"},
    ),
    Route("api:safety-incident-draft-list", _api(200, no_scope=403), api=True),
    Route(
        "api:safety-incident-draft-list",
        _api(403, kg_director=201, kg_staff=201),
        api=True,
        method="post",
        data=lambda c: {"kind": "injury", "text": "一名幼儿摔倒，正在了解情况。"},
    ),
    *_api_refused("api:safety-incident-draft-list", None, OBJ_REFUSED),
    Route("api:safety-incident-draft-detail", _api(404, kg_director=200, kg_staff=200), obj="draft", api=True),
    *_api_refused("api:safety-incident-draft-detail", "draft", ("post", *OBJ_REFUSED)),
    Route(
        "api:safety-incident-draft-submit",
        _api(404, kg_director=201, kg_staff=403),
        obj="draft",
        api=True,
        method="post",
    ),
    Route("api:safety-zero-report-list", _api(200, no_scope=403), api=True),
    Route(
        "api:safety-zero-report-list",
        _api(403, kg_director=201),
        api=True,
        method="post",
        data=lambda c: {"month": timezone.localdate().replace(day=1).isoformat()},
    ),
    *_api_refused("api:safety-zero-report-list", None, OBJ_REFUSED),
    Route("api:safety-hazard-list", _api(200, no_scope=403), api=True),
    Route(
        "api:safety-hazard-list",
        _api(201, no_scope=403, city_viewer=403),
        api=True,
        method="post",
        data=lambda c: {**_hazard_data(c), "kindergarten": c.kg_a1.pk},
    ),
    *_api_refused("api:safety-hazard-list", None, OBJ_REFUSED),
    Route("api:safety-hazard-detail", _api(200, no_scope=404), obj="hazard", api=True),
    *_api_refused("api:safety-hazard-detail", "hazard", ("post", *OBJ_REFUSED)),
    Route(
        "api:safety-hazard-issue",
        _api(403, no_scope=404, supervisor=200, bureau_admin=200, bureau_staff=200),
        obj="hazard_pending",
        api=True,
        method="post",
        data=lambda c: {"severity": "minor"},
    ),
    # Facilities, buses, video checks, letters (read only: recorded with the signed file on the page), drills.
    Route("api:safety-facility-record-list", _api(200, no_scope=403), api=True),
    Route(
        "api:safety-facility-record-list",
        _api(403, bureau_admin=201, bureau_staff=201, kg_director=201, kg_staff=201),
        api=True,
        method="post",
        data=lambda c: {
            "kindergarten": c.kg_a1.pk,
            "effective_on": timezone.localdate().isoformat(),
            "video_retention_days": 30,
            "full_time_guards": 1,
            "alarm_linked": True,
        },
    ),
    *_api_refused("api:safety-facility-record-list", None, OBJ_REFUSED),
    Route("api:safety-bus-list", _api(200, no_scope=403), api=True),
    Route(
        "api:safety-bus-list",
        _api(403, bureau_admin=201, bureau_staff=201, kg_director=201, kg_staff=201),
        api=True,
        method="post",
        data=lambda c: {"kindergarten": c.kg_a1.pk, "plate": "辽K88888", "seats": 19},
    ),
    *_api_refused("api:safety-bus-list", None, OBJ_REFUSED),
    Route(
        "api:safety-bus-inspection",
        _api(403, no_scope=404, bureau_admin=200, bureau_staff=200, kg_director=200, kg_staff=200),
        obj="bus",
        api=True,
        method="post",
        data=lambda c: {
            "inspected_on": timezone.localdate().isoformat(),
            "valid_until": (timezone.localdate() + datetime.timedelta(days=365)).isoformat(),
        },
    ),
    Route(
        "api:safety-bus-retire",
        _api(403, no_scope=404, bureau_admin=200, bureau_staff=200, kg_director=200, kg_staff=200),
        obj="bus",
        api=True,
        method="post",
        data=lambda c: {"retired_on": timezone.localdate().isoformat()},
    ),
    Route("api:safety-video-check-list", _api(200, no_scope=403), api=True),
    Route(
        "api:safety-video-check-list",
        _api(403, bureau_admin=201, bureau_staff=201, kg_director=201, kg_staff=201),
        api=True,
        method="post",
        data=lambda c: {
            "kindergarten": c.kg_a1.pk,
            "month": timezone.localdate().isoformat(),
            "cameras_total": 10,
            "cameras_working": 10,
            "retention_days": 30,
        },
    ),
    *_api_refused("api:safety-video-check-list", None, OBJ_REFUSED),
    Route("api:safety-letter-list", _api(200, no_scope=403), api=True),
    Route(
        "api:safety-letter-list",
        _api(403, bureau_admin=201, bureau_staff=201, kg_director=201, kg_staff=201),
        api=True,
        method="post",
        data=lambda c: {
            "kindergarten": c.kg_a1.pk,
            "level": "bureau_kg",
            "year": timezone.localdate().year,
            "parties": "区教育局—园长",
            "signed_on": timezone.localdate().isoformat(),
            "file": _signed_file(c),
        },
    ),
    *_api_refused("api:safety-letter-list", None, OBJ_REFUSED),
    Route("api:safety-drill-list", _api(200, no_scope=403), api=True),
    Route(
        "api:safety-drill-list",
        _api(403, bureau_admin=201, bureau_staff=201, kg_director=201, kg_staff=201),
        api=True,
        method="post",
        data=lambda c: {
            "kindergarten": c.kg_a1.pk,
            "held_on": timezone.localdate().isoformat(),
            "kind": "fire",
            "participants": 100,
        },
    ),
    *_api_refused("api:safety-drill-list", None, OBJ_REFUSED),
    Route("api:safety-rates", _api(403, city_viewer=200, bureau_admin=200, bureau_staff=200, supervisor=200), api=True),
    *_api_refused("api:safety-rates", None, ("post", *OBJ_REFUSED)),
]
