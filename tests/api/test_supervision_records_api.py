"""API for checklist templates, inspections and rectification orders: scoped like the pages."""

import pytest
from django.urls import reverse

from supervision.inspections import inspection_plan
from supervision.models import ChecklistTemplate, OrderState
from supervision.rectification import order_issue, order_respond
from tests.api.helpers import assert_constant_queries, ids
from tests.supervision.files import upload


def _order(cast, kg=None, actor=None):
    return order_issue(
        actor=actor or cast.bureau_staff,
        kindergarten=kg or cast.kg_a1,
        source_kind="manual",
        source_label="督导发现",
        description="围墙破损",
        severity="minor",
    )


def test_templates_list_and_detail_with_items_and_scoring_rule(api, cast):
    api.force_login(cast.kg_director)
    body = api.get(reverse("api:checklist-template-list")).json()
    assert {r["name"] for r in body["results"]} >= {"幼儿园安全专项检查"}
    assert all(r["district"] is None for r in body["results"])
    quality = ChecklistTemplate.objects.get(family="quality-2022")
    detail = api.get(reverse("api:checklist-template-detail", args=[quality.pk])).json()
    assert len(detail["sections"]) == 5 and sum(len(s["items"]) for s in detail["sections"]) == 15
    assert "一票否决" in detail["scoring_rule"] and detail["purpose_label"] == "保育教育质量评估"


def test_orders_are_scoped_and_overdue_filtered(api, cast, django_assert_num_queries):
    mine = _order(cast)
    other = _order(cast, kg=cast.kg_b1, actor=cast.admin_b)
    api.force_login(cast.supervisor)
    assert ids(api.get(reverse("api:rectification-order-list"))) == {mine.pk}
    api.force_login(cast.admin_b)
    assert ids(api.get(reverse("api:rectification-order-list"))) == {other.pk}
    assert api.get(reverse("api:rectification-order-detail", args=[mine.pk])).status_code == 404
    api.force_login(cast.bureau_staff)
    row = api.get(reverse("api:rectification-order-list")).json()["results"][0]
    assert row["state_label"] == "待整改" and row["severity_label"] == "一般" and row["overdue"] is False
    assert ids(api.get(reverse("api:rectification-order-list") + "?show=overdue")) == set()
    assert_constant_queries(
        api,
        reverse("api:rectification-order-list"),
        lambda: [_order(cast, kg=cast.kg_a2) for _ in range(20)],
        django_assert_num_queries,
        at_most=8,
    )


def test_return_needs_a_reason_and_accept_closes(api, cast):
    order = _order(cast)
    order_respond(actor=cast.kg_director, order=order, response="已修复", files=[upload()])
    api.force_login(cast.supervisor)
    url = reverse("api:rectification-order-return", args=[order.pk])
    assert api.post(url, {"reason": ""}, format="json").status_code == 400
    body = api.post(url, {"reason": "请补拍"}, format="json").json()
    assert body["state"] == OrderState.RETURNED and body["return_reason"] == "请补拍"
    assert [e["kind_label"] for e in body["events"]] == ["下达整改通知", "提交整改情况", "退回重改"]
    assert len(body["events"][1]["evidence"]) == 1
    again = api.post(reverse("api:rectification-order-accept", args=[order.pk]), {}, format="json")
    assert again.status_code == 400  # returned, not waiting for verification
    api.force_login(cast.kg_director)
    assert api.post(url, {"reason": "x"}, format="json").status_code == 403


@pytest.mark.parametrize("role", ["kg_director", "kg_staff"])
def test_a_kindergarten_sees_only_submitted_inspections(api, cast, role):
    template = ChecklistTemplate.objects.get(family="safety")
    planned = inspection_plan(
        actor=cast.supervisor,
        kindergarten=cast.kg_a1,
        kind="random",
        template=template,
        planned_on="2026-03-01",
        supervisors=[cast.supervisor],
    )
    api.force_login(getattr(cast, role))
    assert ids(api.get(reverse("api:inspection-list"))) == set()
    api.force_login(cast.supervisor)
    assert ids(api.get(reverse("api:inspection-list"))) == {planned.pk}
    detail = api.get(reverse("api:inspection-detail", args=[planned.pk])).json()
    assert detail["kind_label"] == "双随机抽查" and detail["template_version"] == 1 and detail["results"] == []
