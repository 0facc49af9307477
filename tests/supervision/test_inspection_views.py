"""The inspection pages: plan, fill item by item (as on a phone), order for a failure, submit."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from supervision.models import ChecklistTemplate, Inspection, InspectionState
from tests.supervision.files import FAKE_JPEG, upload


@pytest.fixture
def safety(cast):
    return ChecklistTemplate.objects.get(family="safety", is_current=True)


def _plan(client, cast, template, kind="routine"):
    client.force_login(cast.supervisor)
    url = reverse("supervision:inspection-create", kwargs={"pk": cast.kg_a1.pk})
    response = client.post(
        url, {"kind": kind, "template": template.pk, "planned_on": "2026-03-10", "supervisors": [cast.supervisor.pk]}
    )
    assert response.status_code == 302, response.content.decode()
    return Inspection.objects.latest("id")


def test_plan_fill_order_submit(client, cast, safety):
    inspection = _plan(client, cast, safety)
    detail = reverse("supervision:inspection-detail", args=[inspection.pk])
    page = client.get(detail).content.decode()
    assert "开始检查" in page and "评分办法" in page
    client.post(reverse("supervision:inspection-start", args=[inspection.pk]))
    results = list(inspection.results.select_related("item"))
    assert len(results) == safety.items.count()
    # A fake photo on an item: the item is not saved, nothing is stored.
    first = results[0]
    client.post(
        reverse("supervision:inspection-item", args=[first.pk]),
        {"outcome": "pass", "files": [upload(FAKE_JPEG, "a.jpg")]},
    )
    first.refresh_from_db()
    assert first.result == "" and not first.evidence.exists()
    for r in results:
        outcome = "fail" if r.item.code == "4.2" else "pass"
        data = {"outcome": outcome, "note": "现场查看"}
        if r.item.evidence_required:
            data["files"] = [upload()]
        response = client.post(reverse("supervision:inspection-item", args=[r.pk]), data)
        assert response["Location"].endswith(f"#item-{r.pk}")
    refused = client.post(reverse("supervision:inspection-submit", args=[inspection.pk]), {"summary": "x"}, follow=True)
    assert "判定为不符合，请下达整改通知" in refused.content.decode()
    inspection.refresh_from_db()
    assert inspection.state == InspectionState.IN_PROGRESS
    failed = inspection.results.get(item__code="4.2")
    client.post(
        reverse("supervision:inspection-item-order", args=[failed.pk]),
        {"description": "消防通道堆物", "severity": "critical"},
    )
    failed.refresh_from_db()
    assert failed.order is not None and failed.order.severity == "critical"
    done = client.post(
        reverse("supervision:inspection-submit", args=[inspection.pk]), {"summary": "整改消防"}, follow=True
    )
    inspection.refresh_from_db()
    assert inspection.state == InspectionState.SUBMITTED and inspection.vetoed  # 4.2 消防 is a veto item
    html = done.content.decode()
    assert "一票否决" in html and "检查已提交" in html and failed.order.number in html
    # The kindergarten now sees the submitted inspection, read-only.
    client.force_login(cast.kg_director)
    page = client.get(detail).content.decode()
    assert "保存此项" not in page and "一票否决" in page


def test_the_list_is_scoped_searchable_and_costs_fixed_queries(client, cast, safety):
    for _ in range(3):
        _plan(client, cast, safety)
    url = reverse("supervision:inspection-list")
    client.force_login(cast.bureau_staff)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(12):
        _plan(client, cast, safety)
    client.force_login(cast.bureau_staff)
    client.get(url)  # warm-up: the new records invalidated the cached signed-in user (accounts.backends)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(response.context["page"].object_list) == 15
    assert len(many.captured_queries) == len(few.captured_queries)
    assert "没有符合条件的督导检查" in client.get(url, {"q": "不存在"}).content.decode()
    client.force_login(cast.kg_director)  # planned visits are not shown to the kindergarten
    assert client.get(url).context["page"].object_list == []
    client.force_login(cast.admin_b)
    assert client.get(url).context["page"].object_list == []
