"""API for the supervision workflow beyond reads: issuing and answering rectification orders,
self-checks with their gap, and random draws. The same services as the pages; scoped like them."""

import datetime

from django.urls import reverse

from core.models import AuditEntry
from supervision.draws import draw_repeat
from supervision.models import (
    ChecklistTemplate,
    EvidenceFile,
    Inspection,
    OrderState,
    RandomDraw,
    RectificationOrder,
)
from supervision.rectification import order_issue
from tests.api.helpers import assert_constant_queries, ids
from tests.matrix_supervision import make_object
from tests.supervision.files import FAKE_JPEG, PDF, upload


def _order(cast, kg=None):
    return order_issue(
        actor=cast.bureau_staff,
        kindergarten=kg or cast.kg_a1,
        source_kind="manual",
        source_label="督导发现",
        description="消防通道堆放杂物",
        severity="major",
    )


# --- issuing -----------------------------------------------------------------------------------------


def test_supervisor_issues_an_order_with_the_severity_deadline(api, cast):
    api.force_login(cast.supervisor)
    response = api.post(
        reverse("api:rectification-order-list"),
        {"kindergarten": cast.kg_a1.pk, "description": "围墙破损", "severity": "critical"},
        format="json",
    )
    assert response.status_code == 201, response.content
    order = RectificationOrder.objects.get()
    body = response.json()
    assert body["id"] == order.pk and body["state_label"] == "待整改" and body["severity_label"] == "严重"
    assert order.issued_by == cast.supervisor and order.source_label == "督导发现"
    assert body["deadline"] == order.deadline.isoformat()
    assert [e["kind_label"] for e in body["events"]] == ["下达整改通知"]
    assert AuditEntry.objects.filter(object_id=str(order.pk), content_type__model="rectificationorder").exists()


def test_issuing_reports_every_problem_and_refuses_foreign_kindergartens(api, cast):
    api.force_login(cast.supervisor)
    url = reverse("api:rectification-order-list")
    bad = api.post(url, {"kindergarten": cast.kg_a1.pk, "description": " ", "severity": "x"}, format="json")
    assert bad.status_code == 400 and set(bad.json()) == {"description", "severity"}
    # kg_a2 has another supervisor: not in this supervisor's scope, answered like a missing id
    foreign = api.post(
        url, {"kindergarten": cast.kg_a2.pk, "description": "围墙破损", "severity": "minor"}, format="json"
    )
    missing = api.post(url, {"kindergarten": 999999, "description": "围墙破损", "severity": "minor"}, format="json")
    assert foreign.status_code == missing.status_code == 400
    assert foreign.json() == missing.json()
    past = api.post(
        url,
        {"kindergarten": cast.kg_a1.pk, "description": "围墙破损", "severity": "minor", "deadline": "2000-01-01"},
        format="json",
    )
    assert past.status_code == 400 and "deadline" in past.json()
    assert not RectificationOrder.objects.exists()


# --- the kindergarten's answer (multipart) and the verification --------------------------------------


def test_director_answers_with_files_then_supervisor_returns_and_accepts(api, cast):
    order = _order(cast)
    url = reverse("api:rectification-order-respond", args=[order.pk])
    api.force_login(cast.kg_director)
    refused = api.post(url, {"response": "已清理", "files": [upload(), upload(FAKE_JPEG, "假.jpg", "image/jpeg")]})
    assert refused.status_code == 400 and "files" in refused.json()
    assert not EvidenceFile.objects.exists()
    empty = api.post(url, {"response": "", "files": []})
    assert empty.status_code == 400 and set(empty.json()) >= {"response"}
    done = api.post(url, {"response": "已清理", "files": [upload(), upload(PDF, "制度.pdf", "application/pdf")]})
    assert done.status_code == 200, done.content
    assert done.json()["state_label"] == "待验收" and len(done.json()["events"][-1]["evidence"]) == 2
    order.refresh_from_db()
    assert order.state == OrderState.RESPONDED and order.evidence.count() == 2
    # the kindergarten cannot verify its own answer; the supervisor returns it once, then accepts
    assert api.post(reverse("api:rectification-order-accept", args=[order.pk]), {}, format="json").status_code == 403
    api.force_login(cast.supervisor)
    assert api.post(url, {"response": "x", "files": [upload()]}).status_code == 403
    returned = api.post(reverse("api:rectification-order-return", args=[order.pk]), {"reason": "照片不清楚"})
    assert returned.json()["state_label"] == "已退回"
    api.force_login(cast.kg_director)
    assert api.post(url, {"response": "已重新清理", "files": [upload()]}).status_code == 200
    api.force_login(cast.supervisor)
    accepted = api.post(reverse("api:rectification-order-accept", args=[order.pk]), {"note": "已核实"})
    assert accepted.status_code == 200 and accepted.json()["state_label"] == "已验收"
    assert [e["kind_label"] for e in accepted.json()["events"]] == [
        "下达整改通知",
        "提交整改情况",
        "退回重改",
        "提交整改情况",
        "验收通过",
    ]


def test_another_kindergartens_director_cannot_answer(api, cast):
    order = _order(cast, kg=cast.kg_a2)
    api.force_login(cast.kg_director)  # kg_a1's director
    response = api.post(reverse("api:rectification-order-respond", args=[order.pk]), {"response": "x"})
    assert response.status_code == 404


def test_order_list_filters_by_kindergarten(api, cast):
    mine, other = _order(cast), _order(cast, kg=cast.kg_a2)
    api.force_login(cast.bureau_staff)
    url = reverse("api:rectification-order-list")
    assert ids(api.get(url, {"kindergarten": cast.kg_a1.pk})) == {mine.pk}
    assert ids(api.get(url, {"kindergarten": cast.kg_a2.pk})) == {other.pk}
    assert ids(api.get(url, {"kindergarten": cast.kg_c1.pk})) == set()  # outside the scope: nothing


# --- self-checks -------------------------------------------------------------------------------------


def test_self_checks_drafts_stay_in_the_kindergarten_and_the_gap_is_given(api, cast, django_assert_num_queries):
    draft = make_object("selfcheck", cast.kg_a1, cast)
    submitted = make_object("selfcheck_submitted", cast.kg_a1, cast)
    inspection = make_object("inspection_submitted", cast.kg_a1, cast)
    inspection.score, inspection.vetoed = 70, False
    inspection.save()
    inspection.results.all().delete()
    url = reverse("api:self-check-list")
    api.force_login(cast.kg_director)
    assert ids(api.get(url)) == {draft.pk, submitted.pk}
    api.force_login(cast.supervisor)
    assert ids(api.get(url)) == {submitted.pk}
    assert api.get(reverse("api:self-check-detail", args=[draft.pk])).status_code == 404
    body = api.get(reverse("api:self-check-detail", args=[submitted.pk])).json()
    assert body["state_label"] == "已提交" and len(body["results"]) == 15
    assert body["gap"]["inspection"] == inspection.pk
    assert body["gap"]["difference"] == "25.0" and body["gap"]["large"] is True
    assert "一票否决" in body["scoring_rule"]
    api.force_login(cast.admin_b)
    assert ids(api.get(url)) == set()
    assert api.get(reverse("api:self-check-detail", args=[submitted.pk])).status_code == 404
    api.force_login(cast.bureau_staff)
    assert_constant_queries(
        api,
        url,
        lambda: [make_object("selfcheck_submitted", cast.kg_a2, cast) for _ in range(20)],
        django_assert_num_queries,
        at_most=8,
    )


# --- random draws ------------------------------------------------------------------------------------


def _draw_body(cast, **extra):
    return {
        "title": "2026年春季双随机抽查",
        "template": ChecklistTemplate.objects.get(family="safety", is_current=True).pk,
        "planned_on": "2026-05-01",
        "count": 1,
        "inspectors_per_visit": 2,
        "seed": "api-seed",
        "kindergartens": [cast.kg_a1.pk, cast.kg_a2.pk],
        "inspectors": [cast.supervisor.pk, cast.supervisor2.pk, cast.bureau_staff.pk],
        **extra,
    }


def test_bureau_runs_a_draw_that_repeats_and_plans_the_visit(api, cast):
    api.force_login(cast.bureau_staff)
    response = api.post(reverse("api:random-draw-list"), _draw_body(cast), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    draw = RandomDraw.objects.get()
    assert body["seed"] == "api-seed" and body["drawn_count"] == 1 and len(body["visits"]) == 1
    visit = body["visits"][0]
    inspection = Inspection.objects.get(draw=draw)
    assert visit["inspection"] == inspection.pk and inspection.kind == "random"
    repeated = draw_repeat(draw)
    assert visit["kindergarten"]["id"] == repeated[0].kindergarten_id
    assert {p["id"] for p in visit["supervisors"]} == set(repeated[0].inspector_ids)
    # the city viewer and the district's supervisors read it; another district does not see it
    for user, status in ((cast.city_viewer, 200), (cast.supervisor, 200), (cast.admin_b, 404)):
        api.force_login(user)
        assert api.get(reverse("api:random-draw-detail", args=[draw.pk])).status_code == status


def test_a_draw_refuses_foreign_pools_and_changes_nothing(api, cast):
    api.force_login(cast.bureau_staff)
    url = reverse("api:random-draw-list")
    foreign = api.post(url, _draw_body(cast, kindergartens=[cast.kg_a1.pk, cast.kg_b1.pk]), format="json")
    assert foreign.status_code == 400 and "kindergartens" in foreign.json()
    both = api.post(url, _draw_body(cast, share_percent=10), format="json")
    assert both.status_code == 400 and "share_percent" in both.json()
    few = api.post(url, _draw_body(cast, inspectors=[cast.supervisor.pk, cast.supervisor2.pk]), format="json")
    assert few.status_code == 400 and "inspectors" in few.json()
    assert not RandomDraw.objects.exists() and not Inspection.objects.exists()
    api.force_login(cast.city_viewer)
    assert api.post(url, _draw_body(cast), format="json").status_code == 403


def test_draw_list_has_a_fixed_number_of_queries(api, cast, django_assert_num_queries):
    template = ChecklistTemplate.objects.get(family="safety", is_current=True)

    def more():
        for n in range(20):
            RandomDraw.objects.create(
                district=cast.district_a,
                title=f"抽查{n}",
                template=template,
                planned_on=datetime.date(2026, 5, 1),
                seed=str(n),
                requested_count=1,
                drawn_count=0,
                inspectors_per_visit=2,
            )

    api.force_login(cast.bureau_staff)
    more()
    assert_constant_queries(api, reverse("api:random-draw-list"), more, django_assert_num_queries, at_most=8)
