"""Checklist templates: the shipped defaults, the one scoring formula, copies and versioned edits."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from core.models import AuditEntry
from supervision import checklists
from supervision.checklist_defaults import DEFAULT_TEMPLATES
from supervision.checklists import (
    ItemResult,
    checklists_ensure_defaults,
    score,
    template_copy,
    template_item_add,
    template_item_remove,
    template_item_update,
    template_section_add,
    template_update,
)
from supervision.models import ChecklistItem, ChecklistTemplate

P, F, NA = ItemResult.PASS, ItemResult.FAIL, ItemResult.NA


# --- scoring ---------------------------------------------------------------------------------------


def test_score_is_the_weighted_share_of_applicable_items_passed():
    result = score([(3, False, P), (1, False, F), (2, False, NA), (4, False, P)])
    assert result.percent == Decimal("87.5")  # (3 + 4) / (3 + 1 + 4)
    assert (result.passed_weight, result.applicable_weight, result.vetoed) == (7, 8, False)
    assert result.text == "87.5 分"


def test_a_failed_veto_item_fails_whatever_the_score():
    result = score([(10, False, P), (10, False, P), (1, True, F)])
    assert result.percent == Decimal("95.2")
    assert result.vetoed
    assert result.text == "一票否决（得分 95.2 分）"


def test_a_passed_or_not_applicable_veto_item_does_not_veto():
    assert not score([(1, True, P), (1, False, F)]).vetoed
    assert not score([(1, True, NA), (1, False, P)]).vetoed


def test_unanswered_items_are_counted_apart_and_nothing_applicable_has_no_score():
    result = score([(2, False, None), (1, False, NA)])
    assert result.percent is None and result.unanswered == 1 and result.text == "—"


def test_score_rounds_half_up_to_one_decimal():
    assert score([(1, False, P), (1, False, P), (1, False, F)]).percent == Decimal("66.7")
    assert score([(1, False, P)] * 7 + [(1, False, F)]).percent == Decimal("87.5")


def test_an_unknown_result_is_an_error_not_a_silent_zero():
    with pytest.raises(ValueError):
        score([(1, False, "maybe")])


# --- defaults --------------------------------------------------------------------------------------


def test_the_data_migration_writes_and_removes_the_defaults(db):
    """Migration 0003 (run here on the current models; a transactional test elsewhere may have
    flushed what it wrote when the test database was built)."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("supervision.migrations.0003_default_checklist_templates")
    ChecklistTemplate.objects.all().delete()
    migration.forwards(apps, None)
    assert set(ChecklistTemplate.objects.values_list("family", flat=True)) == {"conduct-2017", "quality-2022", "safety"}
    migration.forwards(apps, None)  # idempotent
    assert ChecklistTemplate.objects.count() == 3
    migration.backwards(apps, None)
    assert not ChecklistTemplate.objects.exists() and not ChecklistItem.objects.exists()


def test_the_shipped_defaults(db):
    """2017 (5 areas), 2022 (5 areas, 15 key indicators), safety (DOMAIN.md §6)."""
    checklists_ensure_defaults()
    by_family = {t.family: t for t in ChecklistTemplate.objects.filter(district__isnull=True)}
    assert set(by_family) == {"conduct-2017", "quality-2022", "safety"}
    conduct = by_family["conduct-2017"]
    assert [s.name for s in conduct.sections.all()] == ["办园条件", "安全卫生", "保育教育", "教职工队伍", "内部管理"]
    quality = by_family["quality-2022"]
    assert quality.sections.count() == 5 and quality.items.count() == 15
    assert {i.text for i in quality.items.all()} >= {"党建工作", "师幼互动", "激励机制"}
    assert conduct.items.filter(veto=True).exists()
    assert any("小学化" in i.text for i in conduct.items.all())
    assert any("商业广告" in i.text for i in conduct.items.all())
    safety_texts = " ".join(by_family["safety"].items.values_list("text", flat=True))
    for word in ("视频监控", "30 天", "保安", "一键报警", "封闭", "护学岗", "消防", "食品", "校车", "演练"):
        assert word in safety_texts, word


def test_ensure_defaults_is_idempotent(db):
    checklists_ensure_defaults()
    before = ChecklistItem.objects.count()
    assert checklists_ensure_defaults() == []
    assert ChecklistItem.objects.count() == before
    ChecklistTemplate.objects.filter(family="safety").delete()
    created = checklists_ensure_defaults()
    assert [t.family for t in created] == ["safety"]
    assert ChecklistItem.objects.count() == before
    safety_spec = next(t for t in DEFAULT_TEMPLATES if t[0] == "safety")
    assert created[0].items.count() == sum(len(items) for _name, items in safety_spec[4])


# --- copies and edits ------------------------------------------------------------------------------


@pytest.fixture
def conduct(db):
    checklists_ensure_defaults()
    return ChecklistTemplate.objects.get(family="conduct-2017", is_current=True)


def test_a_bureau_admin_copies_a_default_into_the_district(cast, conduct):
    copy = template_copy(actor=cast.bureau_admin, template=conduct)
    assert copy.district == cast.district_a and copy.copied_from == conduct and copy.version == 1
    assert copy.family != conduct.family and copy.is_current
    assert list(copy.items.values_list("code", "text", "weight", "veto")) == list(
        conduct.items.values_list("code", "text", "weight", "veto")
    )
    assert AuditEntry.objects.filter(object_id=str(copy.pk), action="create").exists()


@pytest.mark.parametrize("role", ["bureau_staff", "supervisor", "kg_director", "city_viewer", "no_scope"])
def test_only_a_bureau_admin_copies(cast, conduct, role):
    with pytest.raises(PermissionDenied):
        template_copy(actor=getattr(cast, role), template=conduct)
    assert ChecklistTemplate.objects.count() == 3


def test_shipped_templates_and_other_districts_templates_are_not_editable(cast, conduct):
    item = conduct.items.first()
    with pytest.raises(PermissionDenied):
        template_item_update(
            actor=cast.bureau_admin, item=item, text="改", weight=1, evidence_required=False, veto=False
        )
    copy = template_copy(actor=cast.bureau_admin, template=conduct)
    with pytest.raises(PermissionDenied):
        template_update(actor=cast.admin_b, template=copy, name="别人的")
    copy.refresh_from_db()
    assert copy.name != "别人的"


def test_editing_an_unused_version_changes_it_in_place(cast, conduct):
    copy = template_copy(actor=cast.bureau_admin, template=conduct)
    item = copy.items.get(code="1.1")
    changed = template_item_update(
        actor=cast.bureau_admin, item=item, text="持证办园", weight=6, evidence_required=True, veto=True
    )
    assert changed.pk == item.pk and changed.template_id == copy.pk
    assert ChecklistTemplate.objects.filter(family=copy.family).count() == 1
    item.refresh_from_db()
    assert (item.text, item.weight, item.veto) == ("持证办园", 6, True)


def test_editing_a_version_in_use_creates_the_next_version(cast, conduct, monkeypatch):
    copy = template_copy(actor=cast.bureau_admin, template=conduct)
    item = copy.items.get(code="2.2")
    monkeypatch.setattr(checklists, "template_in_use", lambda template: template.pk == copy.pk)
    changed = template_item_update(
        actor=cast.bureau_admin, item=item, text="视频监控保存 90 天", weight=5, evidence_required=True, veto=False
    )
    new = changed.template
    assert new.pk != copy.pk and new.family == copy.family and new.version == 2 and new.is_current
    copy.refresh_from_db()
    item.refresh_from_db()
    assert not copy.is_current
    assert item.text.startswith("公共活动区域视频监控")  # the used version keeps its item
    assert changed.code == "2.2" and changed.text == "视频监控保存 90 天"
    assert new.items.count() == copy.items.count()
    # An old version is history: it cannot be edited any more.
    with pytest.raises(ValidationError):
        template_update(actor=cast.bureau_admin, template=copy, name="旧版")


def test_items_and_sections_are_added_and_removed(cast, conduct):
    copy = template_copy(actor=cast.bureau_admin, template=conduct)
    section = copy.sections.get(name="内部管理")
    item = template_item_add(actor=cast.bureau_admin, section=section, text="膳食委员会运转", weight=2)
    assert item.code == "5.5" and item.position == 5
    template_item_remove(actor=cast.bureau_admin, item=item)
    again = template_item_add(actor=cast.bureau_admin, section=section, text="伙食费公示", weight=2)
    assert again.code == "5.5"
    new_section = template_section_add(actor=cast.bureau_admin, template=copy, name="特色发展")
    assert new_section.position == 6
    first = template_item_add(actor=cast.bureau_admin, section=new_section, text="园本课程", weight=1)
    assert first.code == "6.1"


@pytest.mark.parametrize(
    ("weight", "text", "field"),
    [(0, "内容", "weight"), (101, "内容", "weight"), ("x", "内容", "weight"), (1, " ", "text")],
)
def test_item_fields_are_validated(cast, conduct, weight, text, field):
    copy = template_copy(actor=cast.bureau_admin, template=conduct)
    item = copy.items.get(code="1.1")
    with pytest.raises(ValidationError) as exc:
        template_item_update(
            actor=cast.bureau_admin, item=item, text=text, weight=weight, evidence_required=False, veto=False
        )
    assert field in exc.value.message_dict
    item.refresh_from_db()
    assert item.weight == 4
