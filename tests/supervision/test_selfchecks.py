"""Self-checks: the director fills and submits; the gap to the latest inspection on the same template
version, item by item, large gaps standing out; findings become orders through the one workflow."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from supervision.checklists import template_copy, template_item_update
from supervision.inspections import inspection_issue_order, inspection_plan, inspection_submit
from supervision.models import ChecklistTemplate, OrderState, SelfCheckState
from supervision.selfchecks import (
    selfcheck_gap,
    selfcheck_issue_order,
    selfcheck_record_item,
    selfcheck_start,
    selfcheck_submit,
)
from tests.supervision.test_inspections import _fill


@pytest.fixture
def quality(cast):
    return ChecklistTemplate.objects.get(family="quality-2022", is_current=True)


def _selfcheck(cast, template, *, fail_codes=(), na_codes=(), kg=None, director=None, submit=True):
    director = director or cast.kg_director
    self_check = selfcheck_start(actor=director, kindergarten=kg or cast.kg_a1, template=template)
    for result in self_check.results.select_related("item"):
        code = result.item.code
        outcome = "fail" if code in fail_codes else "na" if code in na_codes else "pass"
        selfcheck_record_item(actor=director, result=result, outcome=outcome, note="自查")
    if submit:
        selfcheck_submit(actor=director, self_check=self_check, summary="总体良好")
    return self_check


def _inspected(cast, template, *, fail_codes=(), kg=None):
    inspection = inspection_plan(
        actor=cast.supervisor,
        kindergarten=kg or cast.kg_a1,
        kind="routine",
        template=template,
        planned_on=datetime.date(2026, 3, 10),
        supervisors=[cast.supervisor],
    )
    _fill(cast, inspection, fail_codes=fail_codes)
    for result in inspection.results.filter(result="fail"):
        inspection_issue_order(actor=cast.supervisor, result=result, description="整改", severity="minor")
    return inspection_submit(actor=cast.supervisor, inspection=inspection)


def test_director_fills_and_submits_scored_by_the_one_formula(cast, quality):
    self_check = _selfcheck(cast, quality, submit=False)
    assert self_check.state == SelfCheckState.DRAFT
    assert self_check.results.count() == quality.items.count() == 15
    first = self_check.results.first()
    first.result = ""
    first.save(update_fields=["result"])
    with pytest.raises(ValidationError) as exc:
        selfcheck_submit(actor=cast.kg_director, self_check=self_check)
    assert "尚未填写自查结果" in exc.value.messages[0]
    selfcheck_record_item(actor=cast.kg_director, result=first, outcome="fail")
    selfcheck_submit(actor=cast.kg_director, self_check=self_check)
    self_check.refresh_from_db()
    assert self_check.state == SelfCheckState.SUBMITTED
    weights = {i.code: i.weight for i in quality.items.all()}
    total = sum(weights.values())
    expected = (Decimal(total - weights[first.item.code]) * 100 / total).quantize(Decimal("0.1"))
    assert self_check.score == expected
    # Submitted: nothing changes any more.
    with pytest.raises(ValidationError):
        selfcheck_record_item(actor=cast.kg_director, result=first, outcome="pass")


@pytest.mark.parametrize("who", ["kg_staff", "supervisor", "bureau_admin", "director_a2"])
def test_only_the_own_director_fills(cast, quality, who):
    with pytest.raises(PermissionDenied):
        selfcheck_start(actor=getattr(cast, who), kindergarten=cast.kg_a1, template=quality)


def test_the_gap_item_by_item_on_the_same_version(cast, quality):
    inspection = _inspected(cast, quality, fail_codes=("1.1", "2.3"))
    self_check = _selfcheck(cast, quality, fail_codes=("3.1",))
    gap = selfcheck_gap(self_check)
    assert gap.inspection.pk == inspection.pk
    by_code = {i.code: i for i in gap.items}
    assert by_code["1.1"].label == "自评偏高" and by_code["1.1"].large
    assert by_code["2.3"].large
    assert by_code["3.1"].label == "自评偏低" and not by_code["3.1"].large
    assert by_code["1.2"].label == "" and not by_code["1.2"].large
    assert gap.large_items == 2 and len(gap.differing) == 3
    assert gap.difference == self_check.score - inspection.score


def test_a_large_score_gap_stands_out_and_a_small_one_does_not(cast, quality, settings):
    inspection = _inspected(cast, quality, fail_codes=("1.1",))
    self_check = _selfcheck(cast, quality)
    difference = self_check.score - inspection.score
    assert difference > 0
    settings.SELF_CHECK_GAP_WARNING = difference + 1
    assert not selfcheck_gap(self_check).large
    settings.SELF_CHECK_GAP_WARNING = difference
    assert selfcheck_gap(self_check).large


def test_a_vetoed_inspection_the_self_check_missed_stands_out(cast, quality, settings):
    veto = quality.items.get(veto=True)
    _inspected(cast, quality, fail_codes=(veto.code,))
    settings.SELF_CHECK_GAP_WARNING = 100
    gap = selfcheck_gap(_selfcheck(cast, quality))
    assert gap.large and gap.inspection.vetoed


def test_no_comparison_across_versions(cast, quality):
    copy = template_copy(actor=cast.bureau_admin, template=quality)
    _inspected(cast, copy, fail_codes=("1.1",))
    item = copy.items.get(code="1.2")
    new_version = template_item_update(
        actor=cast.bureau_admin, item=item, text="改过", weight=2, evidence_required=False, veto=False
    ).template
    assert new_version.pk != copy.pk
    self_check = _selfcheck(cast, new_version)
    gap = selfcheck_gap(self_check)
    assert gap.inspection is None and gap.difference is None and not gap.large
    assert all(i.label == "" for i in gap.items)


def test_a_finding_becomes_an_order_through_the_one_workflow(cast, quality, settings):
    self_check = _selfcheck(cast, quality, fail_codes=("2.1",))
    failed = self_check.results.get(item__code="2.1")
    passed = self_check.results.get(item__code="1.1")
    with pytest.raises(PermissionDenied):
        selfcheck_issue_order(actor=cast.kg_director, result=failed, description="x", severity="minor")
    with pytest.raises(ValidationError):
        selfcheck_issue_order(actor=cast.supervisor, result=passed, description="x", severity="minor")
    order = selfcheck_issue_order(actor=cast.supervisor, result=failed, description="补齐晨检记录", severity="major")
    assert order.source_kind == "selfcheck" and order.source_ref == str(self_check.pk)
    assert order.state == OrderState.ISSUED and "幼儿园自查" in order.source_label
    assert (
        order.deadline == order.issued_at.date() + datetime.timedelta(days=15)
        or order.deadline > order.issued_at.date()
    )
    failed.refresh_from_db()
    assert failed.order_id == order.pk
    with pytest.raises(ValidationError):
        selfcheck_issue_order(actor=cast.supervisor, result=failed, description="again", severity="minor")


def test_a_draft_gives_no_orders(cast, quality):
    self_check = _selfcheck(cast, quality, fail_codes=("2.1",), submit=False)
    failed = self_check.results.get(item__code="2.1")
    with pytest.raises(ValidationError):
        selfcheck_issue_order(actor=cast.supervisor, result=failed, description="x", severity="minor")


# --- pages -----------------------------------------------------------------------------------------


def test_pages_the_director_submits_and_the_bureau_sees_the_gap(client, cast, quality):
    _inspected(cast, quality, fail_codes=("1.1", "2.2"))
    client.force_login(cast.kg_director)
    response = client.post(reverse("supervision:selfcheck-create", args=[cast.kg_a1.pk]), {"template": quality.pk})
    assert response.status_code == 302
    detail = response["Location"]
    self_check_id = int(detail.rstrip("/").rsplit("/", 1)[1])
    from supervision.models import SelfCheck

    self_check = SelfCheck.objects.get(pk=self_check_id)
    for r in self_check.results.select_related("item"):
        client.post(reverse("supervision:selfcheck-item", args=[r.pk]), {"outcome": "pass"})
    # The bureau does not see a draft.
    client.force_login(cast.bureau_staff)
    assert client.get(detail).status_code == 404
    client.force_login(cast.kg_director)
    client.post(reverse("supervision:selfcheck-submit", args=[self_check.pk]), {"summary": "好"})
    self_check.refresh_from_db()
    assert self_check.state == SelfCheckState.SUBMITTED and self_check.score == Decimal("100.0")
    client.force_login(cast.bureau_staff)
    page = client.get(detail).content.decode()
    assert 'data-testid="large-item-1.1"' in page and 'data-testid="large-item-2.2"' in page
    assert "自评偏高" in page and "评分办法" in page
    listing = client.get(reverse("supervision:selfcheck-list")).content.decode()
    assert "大洼区第一幼儿园" in listing and 'data-testid="large-gap"' in listing


def test_list_queries_do_not_grow_with_rows(client, cast, quality):
    client.force_login(cast.bureau_staff)
    url = reverse("supervision:selfcheck-list")
    _inspected(cast, quality, fail_codes=("1.1",))
    _selfcheck(cast, quality)
    client.get(url)  # warm-up: the signed-in user is cached (accounts.backends)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for _ in range(4):
        _selfcheck(cast, quality)
        _selfcheck(cast, quality, kg=cast.kg_a2, director=cast.director_a2)
    client.get(url)  # warm-up again: new records may invalidate the cached user
    with CaptureQueriesContext(connection) as many:
        page = client.get(url).content.decode()
    assert page.count('data-testid="large-gap"') + page.count("<tr>") >= 9
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


def test_empty_list_and_search(client, cast):
    client.force_login(cast.supervisor)
    page = client.get(reverse("supervision:selfcheck-list")).content.decode()
    assert "暂无已提交的自查" in page
    page = client.get(reverse("supervision:selfcheck-list"), {"q": "不存在"}).content.decode()
    assert "没有符合条件的自查" in page
