"""/api/v1/kindergartens/{id}/status-history/, /kindergartens/{id}/classes/ and /classes/{id}/: scope, rights,
writes through the services (audited as "api"), bad input, query counts."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEntry
from kindergartens.models import Kindergarten, KindergartenClass
from kindergartens.services import kindergarten_update
from tests.api.helpers import assert_constant_queries, ids


def audit_entries(obj):
    return AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk))


def status_history(kg) -> str:
    return reverse("api:kindergarten-status-history", kwargs={"pk": kg.pk})


def classes(kg) -> str:
    return reverse("api:kindergarten-classes", kwargs={"pk": kg.pk})


def klass(c) -> str:
    return reverse("api:class-detail", kwargs={"pk": c.pk})


def deactivate(c) -> str:
    return reverse("api:class-deactivate", kwargs={"pk": c.pk})


ALL_IN_SCOPE = ["city_viewer", "bureau_admin", "bureau_staff", "supervisor", "kg_director", "kg_staff"]
CLASS_MANAGERS = ["bureau_admin", "bureau_staff", "kg_director"]


# --- status history -------------------------------------------------------------------


def test_status_history_lists_dated_changes_newest_first(api, cast):
    api.force_login(cast.bureau_staff)
    day = timezone.localdate() + datetime.timedelta(days=10)
    kindergarten_update(
        actor=cast.bureau_staff,
        kindergarten=cast.kg_a1,
        changes={"status": "suspended"},
        effective_date=day,
        note="园舍改造",
    )
    body = api.get(status_history(cast.kg_a1)).json()
    assert body["count"] == 3
    newest = body["results"][0]
    recorded_at = newest.pop("recorded_at")
    assert newest == {
        "id": newest["id"],
        "attribute": "status",
        "attribute_label": "办园状态",
        "value": "suspended",
        "value_label": "停办",
        "effective_date": day.isoformat(),
        "recorded_by": cast.bureau_staff.display_name,
        "note": "园舍改造",
    }
    assert recorded_at.endswith("+08:00")
    registration = body["results"][1:]
    assert {(r["attribute"], r["value_label"], r["recorded_by"], r["note"]) for r in registration} == {
        ("status", "在办", None, "初始登记"),
        ("nature", "公办", None, "初始登记"),
    }


@pytest.mark.parametrize("role", ALL_IN_SCOPE)
def test_status_history_is_open_to_everyone_in_scope(api, cast, role):
    api.force_login(getattr(cast, role))
    assert api.get(status_history(cast.kg_a1)).status_code == 200


def test_status_history_of_foreign_or_missing_kindergarten_is_404(api, cast):
    api.force_login(cast.supervisor)
    foreign = api.get(status_history(cast.kg_a2))
    missing = api.get(reverse("api:kindergarten-status-history", kwargs={"pk": 999999}))
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json() == missing.json() == {"detail": "未找到。"}


def test_status_history_queries_do_not_grow(api, cast, django_assert_num_queries):
    def more():
        for i in range(9):
            for status in ("rectifying", "operating"):
                kindergarten_update(
                    actor=cast.bureau_admin,
                    kindergarten=cast.kg_a1,
                    changes={"status": status},
                    effective_date=timezone.localdate(),
                    note=f"第 {i} 次",
                )

    api.force_login(cast.bureau_admin)
    assert_constant_queries(api, status_history(cast.kg_a1), more, django_assert_num_queries, at_most=6)


# --- class list -----------------------------------------------------------------------


def test_class_list_shows_size_limits_and_compliance(api, cast):
    KindergartenClass.objects.create(kindergarten=cast.kg_a1, name="大一班", class_type="large", children=36)
    KindergartenClass.objects.create(kindergarten=cast.kg_a1, name="中一班", class_type="middle", children=30)
    KindergartenClass.objects.create(
        kindergarten=cast.kg_a1, name="旧大班", class_type="large", children=30, is_active=False
    )
    api.force_login(cast.kg_staff)
    body = api.get(classes(cast.kg_a1)).json()
    assert body["count"] == 3
    rows = [(r["name"], r["class_type_label"], r["children"], r["size_limit"], r["compliant"]) for r in body["results"]]
    assert rows == [  # 小班, 中班, 大班 order
        ("小一班", "小班（3–4 岁）", 20, 25, True),
        ("中一班", "中班（4–5 岁）", 30, 30, True),
        ("大一班", "大班（5–6 岁）", 36, 35, False),
    ]
    assert body["results"][0]["kindergarten"] == {"id": cast.kg_a1.pk, "name": "大洼区第一幼儿园"}
    everything = api.get(classes(cast.kg_a1), {"include_inactive": "true"}).json()
    assert everything["count"] == 4
    assert everything["results"][-1]["name"] == "旧大班" and everything["results"][-1]["is_active"] is False


def test_boarding_kindergartens_have_smaller_classes(api, cast):
    Kindergarten.objects.filter(pk=cast.kg_a1.pk).update(schedule="boarding")
    api.force_login(cast.bureau_admin)
    row = api.get(classes(cast.kg_a1)).json()["results"][0]
    assert (row["children"], row["size_limit"], row["compliant"]) == (20, 20, True)
    assert api.get(klass(cast.class_a1)).json()["size_limit"] == 20


def test_class_list_bad_flag_is_400(api, cast):
    api.force_login(cast.bureau_admin)
    response = api.get(classes(cast.kg_a1), {"include_inactive": "perhaps"})
    assert response.status_code == 400
    assert response.json() == {"include_inactive": ["必须是有效的布尔值。"]}


@pytest.mark.parametrize(
    ("role", "kindergarten", "expected"),
    [
        ("city_viewer", "kg_b1", {"class_b1"}),
        ("bureau_admin", "kg_a2", {"class_a2"}),
        ("supervisor", "kg_a1", {"class_a1"}),
        ("kg_director", "kg_a1", {"class_a1"}),
        ("kg_staff", "kg_a1", {"class_a1"}),
    ],
)
def test_class_list_is_exactly_the_kindergartens_classes(api, cast, role, kindergarten, expected):
    api.force_login(getattr(cast, role))
    assert ids(api.get(classes(getattr(cast, kindergarten)))) == {getattr(cast, name).pk for name in expected}


@pytest.mark.parametrize(
    ("role", "foreign"),
    [
        ("city_viewer", "kg_c1"),
        ("bureau_admin", "kg_b1"),
        ("supervisor", "kg_a2"),
        ("kg_director", "kg_a2"),
        ("no_scope", "kg_a1"),
    ],
)
def test_classes_of_foreign_kindergarten_are_404(api, cast, role, foreign):
    api.force_login(getattr(cast, role))
    kg = getattr(cast, foreign)
    assert api.get(classes(kg)).status_code == 404
    response = api.post(classes(kg), {"name": "大二班", "class_type": "large", "children": 30}, format="json")
    assert response.status_code == 404
    assert not KindergartenClass.objects.filter(name="大二班").exists()


def test_class_list_queries_do_not_grow(api, cast, django_assert_num_queries):
    def more():
        for i in range(18):
            KindergartenClass.objects.create(
                kindergarten=cast.kg_a1, name=f"混合{i}班", class_type="mixed", children=20 + i
            )

    api.force_login(cast.kg_director)
    assert_constant_queries(api, classes(cast.kg_a1), more, django_assert_num_queries, at_most=5)


# --- class create ---------------------------------------------------------------------


@pytest.mark.parametrize("role", CLASS_MANAGERS)
def test_class_managers_create_classes_audited_as_api(api, cast, role):
    user = getattr(cast, role)
    api.force_login(user)
    response = api.post(classes(cast.kg_a1), {"name": " 大一班 ", "class_type": "large", "children": 36}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["name"], body["class_type"], body["children"], body["size_limit"], body["compliant"]) == (
        "大一班",
        "large",
        36,
        35,
        False,
    )
    created = KindergartenClass.objects.get(pk=body["id"])
    assert created.kindergarten_id == cast.kg_a1.pk
    entry = audit_entries(created).get(action="create")
    assert (entry.source, entry.actor_id) == ("api", user.pk)


@pytest.mark.parametrize("role", ["city_viewer", "supervisor", "kg_staff"])
def test_read_only_roles_cannot_create_classes_even_with_a_bad_body(api, cast, role):
    api.force_login(getattr(cast, role))
    response = api.post(classes(cast.kg_a1), {"children": "x"}, format="json")
    assert response.status_code == 403
    assert response.json()["detail"]


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"name": "小一班", "class_type": "small", "children": 10}, {"name": ["本园已有同名的在用班级。"]}),
        ({"name": "  ", "class_type": "small", "children": 10}, {"name": ["班级名称不能为空。"]}),
        ({"name": "大一班", "class_type": "huge", "children": 10}, {"class_type": ["“huge” 不是合法选项。"]}),
        ({"name": "大一班", "class_type": "large", "children": -1}, {"children": ["请确保该值大于或者等于 0。"]}),
        ({"name": "大一班", "class_type": "large"}, {"children": ["该字段是必填项。"]}),
    ],
)
def test_bad_class_input_is_400_in_chinese_and_creates_nothing(api, cast, body, errors):
    before = KindergartenClass.objects.count()
    api.force_login(cast.kg_director)
    response = api.post(classes(cast.kg_a1), body, format="json")
    assert response.status_code == 400
    assert response.json() == errors
    assert KindergartenClass.objects.count() == before


def test_closed_kindergarten_gets_no_new_class(api, cast):
    Kindergarten.objects.filter(pk=cast.kg_a1.pk).update(status="closed")
    api.force_login(cast.bureau_admin)
    response = api.post(classes(cast.kg_a1), {"name": "大一班", "class_type": "large", "children": 30}, format="json")
    assert response.status_code == 400
    assert response.json() == {"detail": "已注销的幼儿园不能新增班级。"}


# --- one class ------------------------------------------------------------------------


def test_class_detail(api, cast):
    api.force_login(cast.supervisor)
    assert api.get(klass(cast.class_a1)).json() == {
        "id": cast.class_a1.pk,
        "kindergarten": {"id": cast.kg_a1.pk, "name": "大洼区第一幼儿园"},
        "name": "小一班",
        "class_type": "small",
        "class_type_label": "小班（3–4 岁）",
        "children": 20,
        "is_active": True,
        "size_limit": 25,
        "compliant": True,
    }


@pytest.mark.parametrize(
    ("role", "foreign"),
    [("city_viewer", "class_c1"), ("bureau_staff", "class_b1"), ("supervisor", "class_a2"), ("kg_staff", "class_a2")],
)
def test_foreign_class_is_404_like_a_missing_one(api, cast, role, foreign):
    api.force_login(getattr(cast, role))
    target = getattr(cast, foreign)
    response = api.get(klass(target))
    missing = api.get(reverse("api:class-detail", kwargs={"pk": 999999}))
    assert response.status_code == missing.status_code == 404
    assert response.json() == missing.json()
    assert api.patch(klass(target), {"children": 1}, format="json").status_code == 404
    assert api.post(deactivate(target)).status_code == 404
    target.refresh_from_db()
    assert (target.children, target.is_active) == (20, True)


@pytest.mark.parametrize("role", CLASS_MANAGERS)
def test_patch_class_changes_only_what_is_sent(api, cast, role):
    api.force_login(getattr(cast, role))
    response = api.patch(klass(cast.class_a1), {"children": 27}, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["children"], response.json()["compliant"]) == (27, False)
    cast.class_a1.refresh_from_db()
    assert (cast.class_a1.name, cast.class_a1.class_type, cast.class_a1.children) == ("小一班", "small", 27)
    entry = audit_entries(cast.class_a1).filter(action="update").latest("at")
    assert entry.source == "api"
    assert entry.changes["children"] == [20, 27]


@pytest.mark.parametrize("role", ["city_viewer", "supervisor", "kg_staff"])
def test_read_only_roles_cannot_change_or_deactivate_a_class(api, cast, role):
    api.force_login(getattr(cast, role))
    assert api.patch(klass(cast.class_a1), {"children": 1}, format="json").status_code == 403
    assert api.post(deactivate(cast.class_a1)).status_code == 403
    cast.class_a1.refresh_from_db()
    assert (cast.class_a1.children, cast.class_a1.is_active) == (20, True)


def test_bad_class_patch_is_400_and_changes_nothing(api, cast):
    KindergartenClass.objects.create(kindergarten=cast.kg_a1, name="中一班", class_type="middle", children=28)
    api.force_login(cast.kg_director)
    response = api.patch(klass(cast.class_a1), {"name": "中一班", "children": 10}, format="json")
    assert response.status_code == 400
    assert response.json() == {"name": ["本园已有同名的在用班级。"]}
    response = api.patch(klass(cast.class_a1), {"children": "二十"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"children": ["请填写合法的整数值。"]}
    cast.class_a1.refresh_from_db()
    assert (cast.class_a1.name, cast.class_a1.children) == ("小一班", 20)


def test_deactivate_class(api, cast):
    api.force_login(cast.kg_director)
    response = api.post(deactivate(cast.class_a1))
    assert response.status_code == 200, response.content
    assert response.json()["is_active"] is False
    cast.class_a1.refresh_from_db()
    assert cast.class_a1.is_active is False
    entry = audit_entries(cast.class_a1).filter(action="update").latest("at")
    assert (entry.source, entry.changes["is_active"]) == ("api", [True, False])
    assert api.get(classes(cast.kg_a1)).json()["count"] == 0
    body = api.get(reverse("api:kindergarten-detail", kwargs={"pk": cast.kg_a1.pk})).json()
    assert (body["enrolled"], body["class_count"]) == (0, 0)
    # Once stopped, a class stays as it is.
    assert api.post(deactivate(cast.class_a1)).json() == {"detail": "该班级已经停用。"}
    response = api.patch(klass(cast.class_a1), {"children": 3}, format="json")
    assert response.status_code == 400
    assert response.json() == {"detail": "该班级已停用，不能修改。"}


def test_classes_are_never_put_or_deleted(api, cast):
    api.force_login(cast.bureau_admin)
    assert (
        api.put(klass(cast.class_a1), {"name": "x", "class_type": "small", "children": 1}, format="json").status_code
        == 405
    )
    assert api.delete(klass(cast.class_a1)).status_code == 405
    assert api.delete(classes(cast.kg_a1)).status_code == 405
    assert KindergartenClass.objects.filter(pk=cast.class_a1.pk, is_active=True).exists()
