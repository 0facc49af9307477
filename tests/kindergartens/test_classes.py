"""class_create / class_update / class_deactivate: rights, Chinese validation, nothing deleted, audited."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from core.models import AuditEntry
from kindergartens.models import ClassType, KindergartenClass, Status
from kindergartens.services import class_create, class_deactivate, class_update, kindergarten_update


def test_director_and_bureau_create_classes_and_it_is_audited(cast):
    for actor in (cast.kg_director, cast.bureau_staff, cast.bureau_admin):
        klass = class_create(
            actor=actor, kindergarten=cast.kg_a1, name=f" 中{actor.pk}班 ", class_type=ClassType.MIDDLE, children=28
        )
        assert klass.name == f"中{actor.pk}班"
        entry = AuditEntry.objects.get(content_type__model="kindergartenclass", object_id=str(klass.pk))
        assert (entry.action, entry.actor_id, entry.district_id) == ("create", None, cast.district_a.pk)


@pytest.mark.parametrize("role", ["city_viewer", "supervisor", "kg_staff", "director_a2", "admin_b"])
def test_others_may_not_manage_classes(cast, role):
    with pytest.raises(PermissionDenied):
        class_create(actor=getattr(cast, role), kindergarten=cast.kg_a1, name="大二班", class_type="large", children=1)
    with pytest.raises(PermissionDenied):
        class_update(actor=getattr(cast, role), klass=cast.class_a1, name="改名", class_type="small", children=1)
    with pytest.raises(PermissionDenied):
        class_deactivate(actor=getattr(cast, role), klass=cast.class_a1)
    assert KindergartenClass.objects.filter(kindergarten=cast.kg_a1).count() == 1


@pytest.mark.parametrize(
    ("args", "errors"),
    [
        ({"name": "  "}, {"name": ["请填写班级名称。"]}),
        ({"name": "小一班"}, {"name": ["本园已有同名的在用班级。"]}),
        ({"class_type": "huge"}, {"class_type": ["请选择班级类型。"]}),
        ({"children": -1}, {"children": ["在班幼儿数应为不小于 0 的整数。"]}),
        ({"children": "12"}, {"children": ["在班幼儿数应为不小于 0 的整数。"]}),
    ],
)
def test_bad_input_is_refused_in_chinese(cast, args, errors):
    entries = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as exc:
        class_create(
            actor=cast.kg_director,
            kindergarten=cast.kg_a1,
            **{"name": "大一班", "class_type": ClassType.LARGE, "children": 30, **args},
        )
    assert exc.value.message_dict == errors
    assert AuditEntry.objects.count() == entries
    assert KindergartenClass.objects.filter(kindergarten=cast.kg_a1).count() == 1


def test_an_oversized_class_is_recorded_not_refused(cast):
    klass = class_create(
        actor=cast.kg_director, kindergarten=cast.kg_a1, name="大一班", class_type="large", children=48
    )
    assert klass.children == 48


def test_closed_kindergarten_gets_no_new_class(cast):
    for status in (Status.SUSPENDED, Status.CLOSED):  # 注销 only after 停办
        kindergarten_update(actor=cast.bureau_staff, kindergarten=cast.kg_a1, changes={"status": status})
    with pytest.raises(ValidationError) as exc:
        class_create(actor=cast.bureau_staff, kindergarten=cast.kg_a1, name="大一班", class_type="large", children=1)
    assert exc.value.messages == ["已注销的幼儿园不能新增班级。"]


def test_update_keeps_its_own_name_and_refuses_a_sibling_name(cast):
    other = class_create(
        actor=cast.kg_director, kindergarten=cast.kg_a1, name="中一班", class_type="middle", children=5
    )
    class_update(actor=cast.kg_director, klass=cast.class_a1, name="小一班", class_type="small", children=24)
    assert KindergartenClass.objects.get(pk=cast.class_a1.pk).children == 24
    with pytest.raises(ValidationError) as exc:
        class_update(actor=cast.kg_director, klass=other, name="小一班", class_type="middle", children=5)
    assert exc.value.message_dict == {"name": ["本园已有同名的在用班级。"]}
    assert KindergartenClass.objects.get(pk=other.pk).name == "中一班"


def test_deactivate_keeps_the_row_and_frees_the_name(cast):
    class_deactivate(actor=cast.kg_director, klass=cast.class_a1)
    row = KindergartenClass.objects.get(pk=cast.class_a1.pk)
    assert row.is_active is False
    entry = AuditEntry.objects.filter(content_type__model="kindergartenclass", object_id=str(row.pk)).latest("id")
    assert entry.changes == {"is_active": [True, False]}
    with pytest.raises(ValidationError) as exc:
        class_deactivate(actor=cast.kg_director, klass=row)
    assert exc.value.messages == ["该班级已经停用。"]
    with pytest.raises(ValidationError) as exc:
        class_update(actor=cast.kg_director, klass=row, name="小一班", class_type="small", children=1)
    assert exc.value.messages == ["该班级已停用，不能修改。"]
    # A new class may take the name of a stopped one.
    class_create(actor=cast.kg_director, kindergarten=cast.kg_a1, name="小一班", class_type="small", children=20)
    assert KindergartenClass.objects.filter(kindergarten=cast.kg_a1, name="小一班").count() == 2
