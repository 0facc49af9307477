"""Matrix entries for rectification orders and evidence files (see tests/matrix.py for the format).

- Orders follow the kindergarten's scope: whoever sees kg_a1 reads its orders (no_scope: 404);
  the list is for every role with a scope (no_scope: 403, like the assignment list).
- Issuing (from the kindergarten: obj kindergarten) and verifying (return, accept: on an order
  waiting for verification): the supervisor in charge and the district's bureau; the city viewer
  and the kindergarten's own accounts get 403.
- Answering: the kindergarten's director only (with a photo); everyone else in scope 403.
- Evidence files: whoever sees the kindergarten (GET only).
Objects are made on demand (``make_object``) in kg_a1 (own) or the role's foreign kindergarten.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone

from supervision.models import (
    ChecklistItem,
    ChecklistSection,
    ChecklistTemplate,
    EvidenceFile,
    Inspection,
    InspectionResult,
    OrderState,
    RandomDraw,
    RectificationOrder,
    SelfCheck,
    SelfCheckResult,
)
from tests.matrix import ROLES, Route, refused, statuses
from tests.supervision.files import PNG, upload

LOGIN = 302


def _inspection(kind: str, kindergarten, cast):
    template = ChecklistTemplate.objects.get(family="quality-2022", is_current=True)
    state = {"inspection": "planned", "inspection_submitted": "submitted"}.get(kind, "in_progress")
    inspection = Inspection.objects.create(
        kindergarten=kindergarten,
        kind="annual" if kind == "inspection_submitted" else "routine",
        conclusion="pass" if kind == "inspection_submitted" else "",
        template=template,
        planned_on=datetime.date(2026, 3, 1),
        state=state,
    )
    if kindergarten == cast.kg_a1:
        inspection.supervisors.set([cast.supervisor])
    if state == "in_progress":
        for item in template.items.all():
            InspectionResult.objects.create(
                inspection=inspection, item=item, result="fail" if item.code == "1.1" else ""
            )
    if kind == "inspection_result":
        return inspection.results.get(item__code="1.1")
    return inspection


def _selfcheck(kind: str, kindergarten, cast):
    """A draft self-check (its results unanswered) or a submitted one (1.1 failed, the rest passed)."""
    template = ChecklistTemplate.objects.get(family="quality-2022", is_current=True)
    submitted = kind.endswith("submitted")
    self_check = SelfCheck.objects.create(
        kindergarten=kindergarten,
        template=template,
        state="submitted" if submitted else "draft",
        submitted_at=timezone.now() if submitted else None,
        score=Decimal("95.0") if submitted else None,
    )
    for item in template.items.all():
        SelfCheckResult.objects.create(
            self_check=self_check, item=item, result=("fail" if item.code == "1.1" else "pass") if submitted else ""
        )
    if kind.startswith("selfcheck_result"):
        return self_check.results.get(item__code="1.1")
    return self_check


def make_object(kind: str, kindergarten, cast):
    if kind.startswith("selfcheck"):
        return _selfcheck(kind, kindergarten, cast)
    if kind.startswith("inspection"):
        return _inspection(kind, kindergarten, cast)
    order = RectificationOrder.objects.create(
        kindergarten=kindergarten,
        source_kind="manual",
        source_label="督导发现",
        description="消防通道堆放杂物",
        severity="minor",
        deadline=datetime.date(2099, 1, 1),
        state=OrderState.RESPONDED if kind == "order_responded" else OrderState.ISSUED,
    )
    if kind != "evidence":
        return order
    evidence = EvidenceFile(
        kindergarten=kindergarten,
        order=order,
        original_name="照片.png",
        content_type="image/png",
        size=len(PNG),
        sha256="0" * 64,
    )
    evidence.file.save("matrix", ContentFile(PNG), save=False)
    evidence.save()
    return evidence


def _sign(district):
    """A published sign with a photo, of a supervisor responsible for one of the district's kindergartens."""
    from accounts.roles import Role
    from kindergartens.models import Kindergarten
    from supervision.services import supervisor_assign
    from supervision.signs import sign_update
    from tests.factories import UserFactory

    supervisor = UserFactory(role=Role.SUPERVISOR, bureau=district)
    # a kindergarten without a responsible supervisor if there is one, so the cast's stay as they are
    kindergartens = Kindergarten.objects.filter(district=district).order_by("pk")
    kindergarten = kindergartens.exclude(supervisor_assignments__ended_at__isnull=True).first() or kindergartens[0]
    supervisor_assign(actor=None, kindergarten=kindergarten, supervisor=supervisor)
    return sign_update(actor=supervisor, published=True, work_phone="0427-1234567", photo=upload())


def make_template_object(kind: str, district):
    if kind == "sign":
        return _sign(district)
    if kind == "draw":
        return RandomDraw.objects.create(
            district=district,
            title="2026年双随机抽查",
            template=ChecklistTemplate.objects.get(family="safety", is_current=True),
            planned_on=datetime.date(2026, 5, 1),
            seed="matrix",
            kindergarten_pool=[],
            inspector_pool=[],
            requested_count=1,
            drawn_count=0,
            inspectors_per_visit=2,
        )
    template = ChecklistTemplate.objects.create(
        family=f"matrix-{district.pk}-{ChecklistTemplate.objects.count()}",
        name="本区检查",
        purpose="other",
        district=district,
    )
    section = ChecklistSection.objects.create(template=template, position=1, name="办园条件")
    items = [
        ChecklistItem.objects.create(template=template, section=section, position=n, code=f"1.{n}", text=f"检查项{n}")
        for n in (1, 2)
    ]
    return template if kind == "template" else items[0]


def _respond(cast) -> dict:
    return {"response": "已清理", "files": upload()}


def _plan(cast) -> dict:
    template = ChecklistTemplate.objects.get(family="quality-2022", is_current=True)
    return {"kind": "routine", "template": template.pk, "planned_on": "2026-03-01", "supervisors": [cast.supervisor.pk]}


def _draw(cast) -> dict:
    return {
        "title": "2026年春季双随机抽查",
        "template": ChecklistTemplate.objects.get(family="safety", is_current=True).pk,
        "planned_on": "2026-05-01",
        "count": 1,
        "inspectors_per_visit": 2,
        "kindergartens": [cast.kg_a1.pk, cast.kg_a2.pk],
        "inspectors": [cast.supervisor.pk, cast.supervisor2.pk, cast.bureau_staff.pk],
    }


VERIFIERS = {"supervisor": 302, "bureau_admin": 302, "bureau_staff": 302}

ROUTES: list[Route] = [
    Route("supervision:order-list", statuses(200, anonymous=LOGIN, no_scope=403)),
    *refused("supervision:order-list"),
    Route("supervision:order-detail", statuses(200, anonymous=LOGIN, no_scope=404), obj="order"),
    *refused("supervision:order-detail", obj="order"),
    Route(
        "supervision:order-create",
        statuses(403, anonymous=LOGIN, no_scope=404, supervisor=200, bureau_admin=200, bureau_staff=200),
        obj="kindergarten",
    ),
    Route(
        "supervision:order-create",
        statuses(403, anonymous=LOGIN, no_scope=404, **VERIFIERS),
        obj="kindergarten",
        method="post",
        data=lambda c: {"description": "围墙破损", "severity": "major"},
    ),
    *refused("supervision:order-create", obj="kindergarten", methods=("put", "patch", "delete")),
    Route("supervision:order-respond", statuses(403, anonymous=LOGIN, no_scope=404, kg_director=200), obj="order"),
    Route(
        "supervision:order-respond",
        statuses(403, anonymous=LOGIN, no_scope=404, kg_director=302),
        obj="order",
        method="post",
        data=_respond,
    ),
    *refused("supervision:order-respond", obj="order", methods=("put", "patch", "delete")),
    Route(
        "supervision:order-return",
        statuses(403, anonymous=LOGIN, no_scope=404, **VERIFIERS),
        obj="order_responded",
        method="post",
        data=lambda c: {"reason": "照片不清楚"},
    ),
    *refused("supervision:order-return", obj="order_responded", methods=("get", "put", "patch", "delete")),
    Route(
        "supervision:order-accept",
        statuses(403, anonymous=LOGIN, no_scope=404, **VERIFIERS),
        obj="order_responded",
        method="post",
    ),
    *refused("supervision:order-accept", obj="order_responded", methods=("get", "put", "patch", "delete")),
    # --- checklist templates: everyone in scope reads; the district's bureau admin copies and edits ---
    Route("supervision:template-list", statuses(200, anonymous=LOGIN, no_scope=403)),
    *refused("supervision:template-list"),
    Route("supervision:template-detail", statuses(200, anonymous=LOGIN, no_scope=404), obj="template"),
    *refused("supervision:template-detail", obj="template"),
    Route(
        "supervision:template-copy",
        statuses(403, anonymous=LOGIN, no_scope=404, bureau_admin=302),
        obj="template",
        method="post",
    ),
    *refused("supervision:template-copy", obj="template", methods=("get", "put", "patch", "delete")),
    *[
        row
        for name, data in (
            ("supervision:template-edit", lambda c: {"name": "本区检查（修订）"}),
            ("supervision:template-section-create", lambda c: {"name": "特色发展"}),
            ("supervision:template-item-create", lambda c: {"text": "园本课程", "weight": 2}),
        )
        for row in (
            Route(name, statuses(403, anonymous=LOGIN, no_scope=404, bureau_admin=200), obj="template"),
            Route(
                name,
                statuses(403, anonymous=LOGIN, no_scope=404, bureau_admin=302),
                obj="template",
                method="post",
                data=data,
            ),
            *refused(name, obj="template", methods=("put", "patch", "delete")),
        )
    ],
    Route(
        "supervision:template-item-edit",
        statuses(403, anonymous=LOGIN, no_scope=404, bureau_admin=200),
        obj="template_item",
    ),
    Route(
        "supervision:template-item-edit",
        statuses(403, anonymous=LOGIN, no_scope=404, bureau_admin=302),
        obj="template_item",
        method="post",
        data=lambda c: {"text": "持证办园", "weight": 3, "veto": "on"},
    ),
    *refused("supervision:template-item-edit", obj="template_item", methods=("put", "patch", "delete")),
    Route(
        "supervision:template-item-delete",
        statuses(403, anonymous=LOGIN, no_scope=404, bureau_admin=302),
        obj="template_item",
        method="post",
    ),
    *refused("supervision:template-item-delete", obj="template_item", methods=("get", "put", "patch", "delete")),
    # --- coverage (the bureau, the city viewer and supervisors) and supervisors' load (the bureau) ---
    Route(
        "supervision:coverage",
        statuses(403, anonymous=LOGIN, city_viewer=200, supervisor=200, bureau_admin=200, bureau_staff=200),
    ),
    *refused("supervision:coverage"),
    Route(
        "supervision:supervisor-load",
        statuses(403, anonymous=LOGIN, city_viewer=200, bureau_admin=200, bureau_staff=200),
    ),
    *refused("supervision:supervisor-load"),
    # --- inspections ---
    Route("supervision:inspection-list", statuses(200, anonymous=LOGIN, no_scope=403)),
    *refused("supervision:inspection-list"),
    # A planned visit is not shown to the kindergarten (404 for its accounts).
    Route(
        "supervision:inspection-detail",
        statuses(200, anonymous=LOGIN, no_scope=404, kg_director=404, kg_staff=404),
        obj="inspection",
    ),
    *refused("supervision:inspection-detail", obj="inspection"),
    Route(
        "supervision:inspection-create",
        statuses(403, anonymous=LOGIN, no_scope=404, supervisor=200, bureau_admin=200, bureau_staff=200),
        obj="kindergarten",
    ),
    Route(
        "supervision:inspection-create",
        statuses(403, anonymous=LOGIN, no_scope=404, **VERIFIERS),
        obj="kindergarten",
        method="post",
        data=_plan,
    ),
    *refused("supervision:inspection-create", obj="kindergarten", methods=("put", "patch", "delete")),
    *[
        row
        for name, obj, data in (
            ("supervision:inspection-start", "inspection", None),
            ("supervision:inspection-submit", "inspection_started", None),
            ("supervision:inspection-item", "inspection_result", lambda c: {"outcome": "fail", "note": "现场"}),
            (
                "supervision:inspection-item-order",
                "inspection_result",
                lambda c: {"description": "整改", "severity": "minor"},
            ),
        )
        for row in (
            Route(
                name,
                statuses(403, anonymous=LOGIN, no_scope=404, kg_director=404, kg_staff=404, **VERIFIERS),
                obj=obj,
                method="post",
                data=data,
            ),
            *refused(name, obj=obj, methods=("get", "put", "patch", "delete")),
        )
    ],
    Route(
        "supervision:inspection-publish",
        statuses(403, anonymous=LOGIN, no_scope=404, bureau_admin=302, bureau_staff=302),
        obj="inspection_submitted",
        method="post",
    ),
    *refused("supervision:inspection-publish", obj="inspection_submitted", methods=("get", "put", "patch", "delete")),
    # --- self-checks: the director fills its own; a draft is seen only by the kindergarten; once
    # submitted, everyone in scope reads it and the supervisor and the bureau issue orders from it ---
    Route("supervision:selfcheck-list", statuses(200, anonymous=LOGIN, no_scope=403)),
    *refused("supervision:selfcheck-list"),
    Route("supervision:selfcheck-detail", statuses(200, anonymous=LOGIN, no_scope=404), obj="selfcheck_submitted"),
    Route(
        "supervision:selfcheck-detail",
        statuses(404, anonymous=LOGIN, kg_director=200, kg_staff=200),
        obj="selfcheck",
    ),
    *refused("supervision:selfcheck-detail", obj="selfcheck"),
    Route(
        "supervision:selfcheck-create",
        statuses(403, anonymous=LOGIN, no_scope=404, kg_director=200),
        obj="kindergarten",
    ),
    Route(
        "supervision:selfcheck-create",
        statuses(403, anonymous=LOGIN, no_scope=404, kg_director=302),
        obj="kindergarten",
        method="post",
        data=lambda c: {"template": ChecklistTemplate.objects.get(family="safety", is_current=True).pk},
    ),
    *refused("supervision:selfcheck-create", obj="kindergarten", methods=("put", "patch", "delete")),
    Route(
        "supervision:selfcheck-item",
        statuses(404, anonymous=LOGIN, kg_director=302, kg_staff=403),
        obj="selfcheck_result",
        method="post",
        data=lambda c: {"outcome": "pass", "note": "已自查"},
    ),
    *refused("supervision:selfcheck-item", obj="selfcheck_result", methods=("get", "put", "patch", "delete")),
    Route(
        "supervision:selfcheck-submit",
        statuses(404, anonymous=LOGIN, kg_director=302, kg_staff=403),
        obj="selfcheck",
        method="post",
    ),
    *refused("supervision:selfcheck-submit", obj="selfcheck", methods=("get", "put", "patch", "delete")),
    Route(
        "supervision:selfcheck-item-order",
        statuses(403, anonymous=LOGIN, no_scope=404, **VERIFIERS),
        obj="selfcheck_result_submitted",
        method="post",
        data=lambda c: {"description": "党建工作记录不全", "severity": "minor"},
    ),
    *refused(
        "supervision:selfcheck-item-order",
        obj="selfcheck_result_submitted",
        methods=("get", "put", "patch", "delete"),
    ),
    # --- 双随机抽查: the bureau (and the city viewer, supervisors) read the district's draws; the
    # district's bureau editors run them; the public pages show every draw to everyone ---
    Route(
        "supervision:draw-list",
        statuses(403, anonymous=LOGIN, city_viewer=200, bureau_admin=200, bureau_staff=200, supervisor=200),
    ),
    *refused("supervision:draw-list"),
    Route(
        "supervision:draw-detail",
        statuses(404, anonymous=LOGIN, city_viewer=200, bureau_admin=200, bureau_staff=200, supervisor=200),
        obj="draw",
    ),
    *refused("supervision:draw-detail", obj="draw"),
    Route("supervision:draw-create", statuses(403, anonymous=LOGIN, bureau_admin=200, bureau_staff=200)),
    Route(
        "supervision:draw-create",
        statuses(403, anonymous=LOGIN, bureau_admin=302, bureau_staff=302),
        method="post",
        data=_draw,
    ),
    *refused("supervision:draw-create", methods=("put", "patch", "delete")),
    # --- 挂牌公示: each supervisor's own settings; the published photo is public (GET only) ---
    Route("supervision:sign", statuses(403, anonymous=LOGIN, supervisor=200)),
    Route(
        "supervision:sign",
        statuses(403, anonymous=LOGIN, supervisor=302),
        method="post",
        data=lambda c: {"published": "on", "work_phone": "0427-1234567"},
    ),
    *refused("supervision:sign", methods=("put", "patch", "delete")),
    Route("public_signs:photo", statuses(200), obj="sign", foreign=statuses(200)),
    Route("public_signs:photo", statuses(405), obj="sign", method="post", foreign=statuses(405)),
    Route("public_draws:list", statuses(200)),
    Route("public_draws:list", statuses(405), method="post"),
    Route("public_draws:detail", statuses(200), obj="draw", foreign=statuses(200)),
    Route("public_draws:detail", statuses(405), obj="draw", method="post", foreign=statuses(405)),
    Route("supervision:evidence-download", statuses(200, anonymous=LOGIN, no_scope=404), obj="evidence"),
    *refused("supervision:evidence-download", obj="evidence"),
]


# --- API (anonymous: 401). Lists: every role with a scope; objects as on the pages. ---
API_ANON = 401
_API_VERIFIERS = {"supervisor": 200, "bureau_admin": 200, "bureau_staff": 200}


def _api(default: int, **overrides: int) -> dict[str, int]:
    return statuses(default, anonymous=API_ANON, **overrides)


def _api_refused(name: str, obj: str | None, methods: tuple[str, ...]) -> list[Route]:
    expect = statuses(405, anonymous=API_ANON)
    return [
        Route(name, expect, obj=obj, method=m, api=True, foreign=dict.fromkeys(ROLES, 405) if obj else {})
        for m in methods
    ]


ROUTES += [
    Route("api:checklist-template-list", _api(200, no_scope=403), api=True),
    *_api_refused("api:checklist-template-list", None, ("post", "put", "patch", "delete")),
    Route("api:checklist-template-detail", _api(200, no_scope=404), obj="template", api=True),
    *_api_refused("api:checklist-template-detail", "template", ("post", "put", "patch", "delete")),
    Route("api:inspection-list", _api(200, no_scope=403), api=True),
    *_api_refused("api:inspection-list", None, ("post", "put", "patch", "delete")),
    Route("api:inspection-detail", _api(200, no_scope=404, kg_director=404, kg_staff=404), obj="inspection", api=True),
    *_api_refused("api:inspection-detail", "inspection", ("post", "put", "patch", "delete")),
    Route("api:rectification-order-list", _api(200, no_scope=403), api=True),
    # issuing: the supervisor in charge and the district's bureau (kg_a1 is in each one's scope)
    Route(
        "api:rectification-order-list",
        _api(403, supervisor=201, bureau_admin=201, bureau_staff=201),
        method="post",
        api=True,
        data=lambda c: {"kindergarten": c.kg_a1.pk, "description": "围墙破损", "severity": "major"},
    ),
    *_api_refused("api:rectification-order-list", None, ("put", "patch", "delete")),
    Route("api:rectification-order-detail", _api(200, no_scope=404), obj="order", api=True),
    *_api_refused("api:rectification-order-detail", "order", ("post", "put", "patch", "delete")),
    Route(
        "api:rectification-order-return",
        _api(403, no_scope=404, **_API_VERIFIERS),
        obj="order_responded",
        method="post",
        api=True,
        data=lambda c: {"reason": "照片不清楚"},
    ),
    Route(
        "api:rectification-order-accept",
        _api(403, no_scope=404, **_API_VERIFIERS),
        obj="order_responded",
        method="post",
        api=True,
        data=lambda c: {"note": ""},
    ),
    # The answer is multipart (tests/supervision/test_api.py); the matrix's JSON body carries no file,
    # so the director's answer is refused (400) and changes nothing; everyone else in scope 403.
    Route(
        "api:rectification-order-respond",
        _api(403, no_scope=404, kg_director=400),
        obj="order",
        method="post",
        api=True,
        data=lambda c: {"response": "已清理"},
    ),
    # --- self-checks: a draft only for the kindergarten's own accounts; submitted ones for everyone in scope
    Route("api:self-check-list", _api(200, no_scope=403), api=True),
    *_api_refused("api:self-check-list", None, ("post", "put", "patch", "delete")),
    Route("api:self-check-detail", _api(200, no_scope=404), obj="selfcheck_submitted", api=True),
    Route("api:self-check-detail", _api(404, kg_director=200, kg_staff=200), obj="selfcheck", api=True),
    *_api_refused("api:self-check-detail", "selfcheck_submitted", ("post", "put", "patch", "delete")),
    # --- 双随机抽查: read by the district's bureau, supervisors and the city viewer; run by bureau editors
    Route(
        "api:random-draw-list",
        _api(403, city_viewer=200, bureau_admin=200, bureau_staff=200, supervisor=200),
        api=True,
    ),
    Route(
        "api:random-draw-list",
        _api(403, bureau_admin=201, bureau_staff=201),
        method="post",
        api=True,
        data=_draw,
    ),
    *_api_refused("api:random-draw-list", None, ("put", "patch", "delete")),
    Route(
        "api:random-draw-detail",
        _api(404, city_viewer=200, bureau_admin=200, bureau_staff=200, supervisor=200),
        obj="draw",
        api=True,
    ),
    *_api_refused("api:random-draw-detail", "draw", ("post", "put", "patch", "delete")),
]
