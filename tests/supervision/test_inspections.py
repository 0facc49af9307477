"""Inspections: plan → start → record items → orders for failed items → submit (score once);
年检 conclusions written through the registry's own service; versions kept."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kindergartens.models import AnnualInspection
from supervision import checklists
from supervision.checklists import template_copy, template_item_update
from supervision.inspections import (
    inspection_issue_order,
    inspection_plan,
    inspection_publish_conclusion,
    inspection_record_item,
    inspection_start,
    inspection_submit,
    submit_problems,
)
from supervision.models import ChecklistTemplate, InspectionState, RectificationOrder
from tests.supervision.files import upload


@pytest.fixture
def quality(cast):
    """The 2022 template: 15 items, one veto (师德师风), one requiring evidence (安全防护)."""
    return ChecklistTemplate.objects.get(family="quality-2022", is_current=True)


def _plan(cast, template, *, kind="routine", actor=None, kg=None, **kw):
    return inspection_plan(
        actor=actor or cast.supervisor,
        kindergarten=kg or cast.kg_a1,
        kind=kind,
        template=template,
        planned_on=datetime.date(2026, 3, 10),
        supervisors=kw.pop("supervisors", [cast.supervisor]),
        **kw,
    )


def _fill(cast, inspection, *, fail_codes=(), na_codes=(), actor=None):
    actor = actor or cast.supervisor
    inspection_start(actor=actor, inspection=inspection)
    for result in inspection.results.select_related("item"):
        code = result.item.code
        outcome = "fail" if code in fail_codes else "na" if code in na_codes else "pass"
        files = [upload()] if result.item.evidence_required and outcome != "na" else []
        inspection_record_item(actor=actor, result=result, outcome=outcome, note=f"{code} 现场查看", files=files)


def test_the_whole_visit(cast, quality):
    inspection = _plan(cast, quality, supervisors=[cast.supervisor, cast.supervisor2])
    assert inspection.state == InspectionState.PLANNED
    assert set(inspection.supervisors.all()) == {cast.supervisor, cast.supervisor2}
    _fill(cast, inspection, fail_codes=("3.2",), na_codes=("4.1",))
    with pytest.raises(ValidationError) as exc:
        inspection_submit(actor=cast.supervisor, inspection=inspection)
    assert exc.value.messages == ["3.2 师幼互动：判定为不符合，请下达整改通知。"]
    failed = inspection.results.get(item__code="3.2")
    order = inspection_issue_order(actor=cast.supervisor, result=failed, description="师幼互动不足", severity="minor")
    assert order.source_kind == "inspection" and order.source_ref == str(inspection.pk)
    assert "3.2 师幼互动" in order.source_label
    inspection_submit(actor=cast.supervisor2, inspection=inspection, summary="总体良好")
    inspection.refresh_from_db()
    assert inspection.state == InspectionState.SUBMITTED and inspection.submitted_by == cast.supervisor2
    # weights: total 34, 人员配备 (2) not applicable, 师幼互动 (3) failed → 29 / 32
    assert inspection.score == Decimal("90.6") and not inspection.vetoed
    with pytest.raises(ValidationError):
        inspection_record_item(actor=cast.supervisor, result=failed, outcome="pass")


def test_submit_refuses_unanswered_items_and_missing_evidence(cast, quality):
    inspection = _plan(cast, quality)
    inspection_start(actor=cast.supervisor, inspection=inspection)
    safety = inspection.results.get(item__code="2.3")  # 安全防护 requires evidence
    inspection_record_item(actor=cast.supervisor, result=safety, outcome="pass")
    problems = submit_problems(inspection)
    assert "2.3 安全防护：须附佐证材料。" in problems and len(problems) == 15
    assert sum("尚未填写" in p for p in problems) == 14


def test_a_failed_veto_item_vetoes(cast, quality):
    inspection = _plan(cast, quality)
    _fill(cast, inspection, fail_codes=("5.1",))
    inspection_issue_order(
        actor=cast.supervisor, result=inspection.results.get(item__code="5.1"), description="体罚", severity="critical"
    )
    inspection_submit(actor=cast.supervisor, inspection=inspection)
    inspection.refresh_from_db()
    assert inspection.vetoed and inspection.score == Decimal("91.2")


@pytest.mark.parametrize("role", ["kg_director", "city_viewer", "supervisor2", "admin_b"])
def test_only_its_inspectors_and_the_bureau_conduct(cast, quality, role):
    inspection = _plan(cast, quality)
    with pytest.raises(PermissionDenied):
        inspection_start(actor=getattr(cast, role), inspection=inspection)
    inspection.refresh_from_db()
    assert inspection.state == InspectionState.PLANNED and not inspection.results.exists()


def test_planning_is_scoped(cast, quality):
    with pytest.raises(PermissionDenied):
        _plan(cast, quality, kg=cast.kg_a2)  # not the supervisor's kindergarten
    with pytest.raises(ValidationError):
        _plan(cast, quality, actor=cast.bureau_staff, supervisors=[cast.supervisor_b])  # another district's inspector
    with pytest.raises(ValidationError):
        _plan(cast, quality, kind="special")  # no subtype
    special = _plan(cast, quality, kind="special", subtype="ethics")
    assert special.kind_label == "专项督导（师德师风）"


def test_an_order_only_for_a_failed_item_and_once(cast, quality):
    inspection = _plan(cast, quality)
    _fill(cast, inspection, fail_codes=("1.1",))
    passed = inspection.results.get(item__code="1.2")
    with pytest.raises(ValidationError):
        inspection_issue_order(actor=cast.supervisor, result=passed, description="x", severity="minor")
    failed = inspection.results.get(item__code="1.1")
    inspection_issue_order(actor=cast.supervisor, result=failed, description="x", severity="minor")
    with pytest.raises(ValidationError):
        inspection_issue_order(actor=cast.supervisor, result=failed, description="x", severity="minor")
    assert RectificationOrder.objects.count() == 1


def test_an_inspection_keeps_its_version_when_the_template_is_edited(cast, quality):
    copy = template_copy(actor=cast.bureau_admin, template=quality)
    inspection = _plan(cast, copy)
    assert checklists.template_in_use(copy)
    item = copy.items.get(code="1.1")
    changed = template_item_update(
        actor=cast.bureau_admin, item=item, text="党建引领", weight=9, evidence_required=False, veto=False
    )
    assert changed.template.version == 2 and changed.template_id != copy.pk
    inspection.refresh_from_db()
    assert inspection.template_id == copy.pk
    _fill(cast, inspection)
    assert inspection.results.get(item__code="1.1").item.text == "党建工作"
    # a new inspection is offered the new version only
    with pytest.raises(ValidationError):
        _plan(cast, copy)


def test_annual_conclusion_by_the_bureau_writes_the_registry(cast, quality):
    inspection = _plan(cast, quality, kind="annual", actor=cast.bureau_staff, supervisors=[cast.bureau_staff])
    _fill(cast, inspection, actor=cast.bureau_staff)
    with pytest.raises(ValidationError):
        inspection_submit(actor=cast.bureau_staff, inspection=inspection)  # no conclusion
    inspection_submit(actor=cast.bureau_staff, inspection=inspection, conclusion="basic")
    record = AnnualInspection.objects.get(kindergarten=cast.kg_a1)
    assert record.result == "basic" and record.published and record.recorded_by == cast.bureau_staff
    inspection.refresh_from_db()
    assert inspection.annual_result == record


def test_a_supervisors_annual_conclusion_waits_for_the_bureau(cast, quality):
    inspection = _plan(cast, quality, kind="annual")
    _fill(cast, inspection)
    inspection_submit(actor=cast.supervisor, inspection=inspection, conclusion="pass")
    assert not AnnualInspection.objects.exists()
    with pytest.raises(PermissionDenied):
        inspection_publish_conclusion(actor=cast.supervisor, inspection=inspection)
    inspection_publish_conclusion(actor=cast.bureau_admin, inspection=inspection)
    record = AnnualInspection.objects.get()
    assert (record.kindergarten, record.result, record.recorded_by) == (cast.kg_a1, "pass", cast.bureau_admin)
    with pytest.raises(ValidationError):
        inspection_publish_conclusion(actor=cast.bureau_admin, inspection=inspection)
