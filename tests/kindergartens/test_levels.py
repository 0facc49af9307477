"""level_create / level_update: the bureau admin keeps their province's vocabulary."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from core.models import AuditEntry
from kindergartens.models import Level
from kindergartens.services import kindergarten_update, level_create, level_update


def test_admin_adds_a_level_to_their_own_province(cast):
    level = level_create(actor=cast.bureau_admin, name=" 五星级 ", rank=5, description="省级示范园")
    assert (level.province, level.name, level.rank, level.is_active) == ("辽宁省", "五星级", 5, True)
    assert AuditEntry.objects.filter(content_type__model="level", object_id=str(level.pk), action="create").exists()


@pytest.mark.parametrize("role", ["city_viewer", "bureau_staff", "supervisor", "kg_director", "no_scope"])
def test_only_the_bureau_admin_keeps_levels(cast, role):
    with pytest.raises(PermissionDenied):
        level_create(actor=getattr(cast, role), name="五星级", rank=5)
    with pytest.raises(PermissionDenied):
        level_update(actor=getattr(cast, role), level=cast.level_ln, name="改", rank=1, description="", is_active=True)
    assert Level.objects.get(pk=cast.level_ln.pk).name == "四星级"


def test_an_admin_cannot_edit_another_provinces_level(cast):
    with pytest.raises(PermissionDenied):
        level_update(actor=cast.bureau_admin, level=cast.level_bj, name="改", rank=1, description="", is_active=True)


@pytest.mark.parametrize(
    ("name", "rank", "errors"),
    [
        ("", 1, {"name": ["请填写等级名称。"]}),
        ("四星级", 1, {"name": ["本省已有同名的等级。"]}),
        ("三星级", -1, {"rank": ["排序应为 0 到 999 之间的整数。"]}),
        ("三星级", 1000, {"rank": ["排序应为 0 到 999 之间的整数。"]}),
    ],
)
def test_bad_level_is_refused_in_chinese(cast, name, rank, errors):
    count = Level.objects.count()
    with pytest.raises(ValidationError) as exc:
        level_create(actor=cast.bureau_admin, name=name, rank=rank)
    assert exc.value.message_dict == errors
    assert Level.objects.count() == count


def test_same_name_in_another_province_is_fine(cast):
    assert level_create(actor=cast.bureau_admin, name="一级一类", rank=9).province == "辽宁省"


def test_system_setup_names_the_province(cast):
    assert level_create(actor=None, name="一级二类", rank=8, province="北京市").province == "北京市"
    with pytest.raises(ValidationError):
        level_create(actor=None, name="无省份", rank=1)


def test_deactivated_level_stays_on_kindergartens(cast):
    kindergarten_update(actor=cast.bureau_staff, kindergarten=cast.kg_a1, changes={"level": cast.level_ln})
    level_update(actor=cast.bureau_admin, level=cast.level_ln, name="四星级", rank=4, description="", is_active=False)
    cast.kg_a1.refresh_from_db()
    assert cast.kg_a1.level == cast.level_ln
    assert Level.objects.get(pk=cast.level_ln.pk).is_active is False
    # Renaming to its own name is not a duplicate.
    level_update(actor=cast.bureau_admin, level=cast.level_ln, name="四星级", rank=4, description="", is_active=True)
