"""/api/v1/users/: scope, the account writes, one-time passwords, no deletes, query counts."""

import pytest
from django.contrib.auth import authenticate
from django.test import RequestFactory
from django.urls import reverse
from rest_framework.authtoken.models import Token

from accounts.models import User
from accounts.roles import Role
from core.models import AuditEntry
from tests.api.helpers import assert_constant_queries, ids
from tests.factories import TEST_PASSWORD, UserFactory

LIST = reverse("api:user-list")


def detail(user) -> str:
    return reverse("api:user-detail", kwargs={"pk": user.pk})


def password_works(username: str, password: str) -> bool:
    request = RequestFactory().post("/accounts/login/", REMOTE_ADDR="10.1.1.1")
    return authenticate(request=request, username=username, password=password) is not None


# --- list -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (
            "city_viewer",
            {
                "city_viewer",
                "bureau_admin",
                "bureau_staff",
                "supervisor",
                "supervisor2",
                "kg_director",
                "kg_staff",
                "director_a2",
                "admin_b",
                "director_b1",
                "supervisor_b",
            },
        ),
        (
            "bureau_admin",
            {"bureau_admin", "bureau_staff", "supervisor", "supervisor2", "kg_director", "kg_staff", "director_a2"},
        ),
        ("kg_director", {"kg_director", "kg_staff"}),
    ],
)
def test_list_is_exactly_the_scope(api, cast, role, expected):
    api.force_login(getattr(cast, role))
    assert ids(api.get(LIST, {"page_size": 200})) == {getattr(cast, name).pk for name in expected}


@pytest.mark.parametrize("role", ["supervisor", "kg_staff", "no_scope"])
def test_list_without_the_right_is_403(api, cast, role):
    api.force_login(getattr(cast, role))
    response = api.get(LIST)
    assert response.status_code == 403
    assert response.json() == {"detail": "您没有查看账号列表的权限。"}


def test_output_never_contains_the_password(api, cast):
    api.force_login(cast.bureau_admin)
    row = api.get(detail(cast.kg_director)).json()
    assert "password" not in row
    assert row["role"] == "kg_director" and row["role_label"] == "园长"
    assert row["kindergarten"] == {"id": cast.kg_a1.pk, "name": "大洼区第一幼儿园"}
    assert row["bureau"] is None
    assert row["is_active"] is True


def test_filters(api, cast):
    User.objects.filter(pk=cast.supervisor2.pk).update(is_active=False)
    api.force_login(cast.bureau_admin)
    assert ids(api.get(LIST, {"role": "supervisor"})) == {cast.supervisor.pk, cast.supervisor2.pk}
    assert ids(api.get(LIST, {"is_active": "false"})) == {cast.supervisor2.pk}
    assert ids(api.get(LIST, {"search": "director"})) == {cast.kg_director.pk, cast.director_a2.pk}
    assert ids(api.get(LIST, {"search": cast.kg_staff.full_name})) == {cast.kg_staff.pk}
    assert api.get(LIST, {"role": "emperor"}).status_code == 400


def test_foreign_account_is_404(api, cast):
    api.force_login(cast.bureau_admin)
    assert api.get(detail(cast.director_b1)).json() == {"detail": "未找到。"}
    assert api.get(detail(cast.director_b1)).status_code == 404


def test_user_list_queries_do_not_grow(api, cast, django_assert_num_queries):
    api.force_login(cast.bureau_admin)
    assert_constant_queries(
        api,
        LIST,
        lambda: (
            UserFactory.create_batch(9, role=Role.KG_STAFF, kindergarten=cast.kg_a2),
            UserFactory.create_batch(9, role=Role.BUREAU_STAFF, bureau=cast.district_a),
        ),
        django_assert_num_queries,
        at_most=4,
    )


# --- create ---------------------------------------------------------------------------


def test_bureau_admin_creates_an_account_with_a_one_time_password_that_works(api, cast):
    api.force_login(cast.bureau_admin)
    response = api.post(
        LIST,
        {"username": "new_teacher", "full_name": "王老师", "role": "kg_staff", "kindergarten": cast.kg_a2.pk},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    password = body["temporary_password"]
    assert len(password) >= 10
    assert body["must_change_password"] is True
    assert body["kindergarten"] == {"id": cast.kg_a2.pk, "name": cast.kg_a2.name}
    assert "password" not in body
    created = User.objects.get(username="new_teacher")
    assert created.role == Role.KG_STAFF and created.must_change_password
    assert password_works("new_teacher", password)
    # The password is shown once: reading the account again does not show it.
    assert "temporary_password" not in api.get(detail(created)).json()
    entry = AuditEntry.objects.get(object_id=str(created.pk), action="create", content_type__model="user")
    assert (entry.source, entry.actor_id) == ("api", cast.bureau_admin.pk)
    assert entry.changes["password"] == [None, "***"]


def test_create_bureau_account(api, cast):
    api.force_login(cast.bureau_admin)
    response = api.post(
        LIST,
        {"username": "new_staff", "full_name": "李四", "role": "bureau_staff", "bureau": cast.district_a.pk},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["bureau"]["id"] == cast.district_a.pk


def test_cannot_grant_a_role_above_own(api, cast):
    api.force_login(cast.bureau_admin)
    response = api.post(
        LIST,
        {"username": "boss", "full_name": "市局", "role": "city_viewer", "bureau": cast.district_a.pk},
        format="json",
    )
    assert response.status_code == 403
    assert response.json() == {"detail": "您不能授予该角色。"}
    assert not User.objects.filter(username="boss").exists()


@pytest.mark.parametrize(
    ("field", "obj", "role"),
    [("bureau", "district_b", "bureau_staff"), ("kindergarten", "kg_b1", "kg_staff"), ("bureau", "city", "supervisor")],
)
def test_cannot_create_outside_own_district(api, cast, field, obj, role):
    api.force_login(cast.bureau_admin)
    response = api.post(
        LIST, {"username": "intruder", "full_name": "外区", "role": role, field: getattr(cast, obj).pk}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {field: ["无效的编号：对象不存在或不在您的权限范围内。"]}
    assert not User.objects.filter(username="intruder").exists()


def test_kindergarten_role_needs_a_kindergarten(api, cast):
    api.force_login(cast.bureau_admin)
    response = api.post(
        LIST,
        {"username": "x_staff", "full_name": "某", "role": "kg_staff", "bureau": cast.district_a.pk},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"kindergarten": ["该角色的账号必须属于一所幼儿园，且不能属于教育局。"]}


def test_username_taken_and_invalid(api, cast):
    api.force_login(cast.bureau_admin)
    body = {"full_name": "某", "role": "kg_staff", "kindergarten": cast.kg_a1.pk}
    taken = api.post(LIST, {**body, "username": "KG_STAFF"}, format="json")
    assert taken.status_code == 400
    assert taken.json() == {"username": ["该用户名已被使用。"]}
    assert api.post(LIST, {**body, "username": "has space"}, format="json").status_code == 400


@pytest.mark.parametrize("role", ["city_viewer", "bureau_staff", "kg_director"])
def test_only_bureau_admins_create_accounts(api, cast, role):
    api.force_login(getattr(cast, role))
    response = api.post(
        LIST, {"username": "x", "full_name": "x", "role": "kg_staff", "kindergarten": cast.kg_a1.pk}, format="json"
    )
    assert response.status_code == 403
    assert response.json() == {"detail": "您没有创建账号的权限。"}


# --- update, password, (de)activation ----------------------------------------------------


def test_patch_changes_only_what_is_sent(api, cast):
    api.force_login(cast.bureau_admin)
    response = api.patch(detail(cast.kg_director), {"full_name": "新园长", "role": "kg_staff"}, format="json")
    assert response.status_code == 200, response.content
    cast.kg_director.refresh_from_db()
    assert (cast.kg_director.full_name, cast.kg_director.role) == ("新园长", Role.KG_STAFF)
    assert cast.kg_director.kindergarten_id == cast.kg_a1.pk
    entry = AuditEntry.objects.filter(object_id=str(cast.kg_director.pk), content_type__model="user").latest("at")
    assert (entry.source, entry.actor_id, entry.action) == ("api", cast.bureau_admin.pk, "update")


def test_patch_to_a_foreign_kindergarten_is_400(api, cast):
    api.force_login(cast.bureau_admin)
    response = api.patch(detail(cast.kg_director), {"kindergarten": cast.kg_b1.pk}, format="json")
    assert response.status_code == 400
    cast.kg_director.refresh_from_db()
    assert cast.kg_director.kindergarten_id == cast.kg_a1.pk


def test_admin_cannot_manage_self(api, cast):
    api.force_login(cast.bureau_admin)
    assert api.patch(detail(cast.bureau_admin), {"full_name": "我"}, format="json").status_code == 403
    url = reverse("api:user-deactivate", kwargs={"pk": cast.bureau_admin.pk})
    assert api.post(url).status_code == 403


def test_reset_password(api, cast):
    api.force_login(cast.bureau_admin)
    response = api.post(reverse("api:user-reset-password", kwargs={"pk": cast.kg_staff.pk}))
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    password = response.json()["temporary_password"]
    assert password_works("kg_staff", password)
    assert not password_works("kg_staff", TEST_PASSWORD)
    cast.kg_staff.refresh_from_db()
    assert cast.kg_staff.must_change_password


def test_deactivate_revokes_tokens_and_activate_restores(api, cast):
    token = Token.objects.create(user=cast.kg_staff)
    api.force_login(cast.bureau_admin)
    response = api.post(reverse("api:user-deactivate", kwargs={"pk": cast.kg_staff.pk}))
    assert response.status_code == 200
    assert response.json()["is_active"] is False
    assert not Token.objects.filter(pk=token.pk).exists()
    assert not password_works("kg_staff", TEST_PASSWORD)

    response = api.post(reverse("api:user-activate", kwargs={"pk": cast.kg_staff.pk}))
    assert response.status_code == 200
    assert response.json()["is_active"] is True
    assert password_works("kg_staff", TEST_PASSWORD)


def test_accounts_are_never_deleted_and_never_replaced(api, cast):
    api.force_login(cast.bureau_admin)
    assert api.delete(detail(cast.kg_staff)).status_code == 405
    assert api.delete(detail(cast.director_b1)).status_code == 405  # no 404 either: nothing to learn
    assert api.put(detail(cast.kg_staff), {"full_name": "x"}, format="json").status_code == 405
    assert User.objects.filter(pk=cast.kg_staff.pk).exists()


@pytest.mark.parametrize("action", ["api:user-reset-password", "api:user-deactivate", "api:user-activate"])
def test_actions_on_foreign_accounts_are_404(api, cast, action):
    api.force_login(cast.bureau_admin)
    assert api.post(reverse(action, kwargs={"pk": cast.director_b1.pk})).status_code == 404
