"""/api/v1/auth/token/ and /api/v1/me/: tokens, django-axes lock-out, deactivated accounts."""

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token

from accounts.services import user_change_own_password, user_create, user_set_active
from tests.factories import TEST_PASSWORD

# The login page says the same (tests/accounts/test_login.py): nothing about which part was wrong.
LOGIN_FAILED = {"detail": "用户名或密码不正确，或账号已停用。请注意区分大小写；如仍无法登录，请联系本区县管理员。"}

TOKEN_URL = reverse("api:token")
ME_URL = reverse("api:me")


def obtain(api, username, password, address="10.0.0.1"):
    return api.post(TOKEN_URL, {"username": username, "password": password}, format="json", REMOTE_ADDR=address)


def test_token_then_me_with_token_header(api, cast):
    response = obtain(api, "bureau_staff", TEST_PASSWORD)
    assert response.status_code == 200, response.content
    assert response["Cache-Control"] == "no-store"
    key = response.json()["token"]
    assert Token.objects.get(user=cast.bureau_staff).key == key

    fresh = type(api)()
    fresh.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    me = fresh.get(ME_URL)
    assert me.status_code == 200
    assert me.json() == {
        "id": cast.bureau_staff.pk,
        "username": "bureau_staff",
        "full_name": cast.bureau_staff.full_name,
        "role": "bureau_staff",
        "role_label": "区县业务人员",
        "bureau": {"id": cast.district_a.pk, "name": "大洼区教育局"},
        "kindergarten": None,
        "must_change_password": False,
    }


def test_obtaining_twice_returns_the_same_token_and_records_the_sign_in(api, cast):
    first = obtain(api, "kg_director", TEST_PASSWORD).json()["token"]
    second = obtain(api, "kg_director", TEST_PASSWORD).json()["token"]
    assert first == second
    cast.kg_director.refresh_from_db()
    assert cast.kg_director.last_login is not None


def test_me_of_a_kindergarten_user(api, cast):
    api.force_login(cast.kg_staff)
    body = api.get(ME_URL).json()
    assert body["bureau"] is None
    assert body["kindergarten"] == {"id": cast.kg_a1.pk, "name": "大洼区第一幼儿园"}
    assert body["role_label"] == "幼儿园工作人员"


def test_wrong_password_is_400_in_chinese(api, cast):
    response = obtain(api, "bureau_staff", "wrong-password")
    assert response.status_code == 400
    assert response.json() == LOGIN_FAILED
    assert not Token.objects.filter(user=cast.bureau_staff).exists()


def test_unknown_user_gets_the_same_answer_as_a_wrong_password(api, cast):
    response = obtain(api, "nobody", TEST_PASSWORD)
    assert response.status_code == 400
    assert response.json() == LOGIN_FAILED


def test_missing_fields_are_400(api, cast):
    response = api.post(TOKEN_URL, {"username": "bureau_staff"}, format="json")
    assert response.status_code == 400
    assert "password" in response.json()


def test_inactive_account_gets_the_same_answer_as_a_wrong_password(api, cast):
    # The right password of a deactivated account reveals nothing more than a wrong one, as on the page.
    user_set_active(actor=cast.bureau_admin, user=cast.kg_director, active=False)
    response = obtain(api, "kg_director", TEST_PASSWORD)
    assert response.status_code == 400
    assert response.json() == LOGIN_FAILED
    assert obtain(api, "kg_director", "wrong-password").json() == LOGIN_FAILED


def test_locked_after_five_bad_passwords_for_that_username_and_address(api, cast):
    for _ in range(4):
        assert obtain(api, "bureau_staff", "wrong-password").status_code == 400
    fifth = obtain(api, "bureau_staff", "wrong-password")
    assert fifth.status_code == 429
    # Now even the right password is refused from that address…
    locked = obtain(api, "bureau_staff", TEST_PASSWORD)
    assert locked.status_code == 429
    assert "锁定" in locked.json()["detail"]
    assert not Token.objects.filter(user=cast.bureau_staff).exists()
    # …while another office (address) and another username on the same address still get in.
    assert obtain(api, "bureau_staff", TEST_PASSWORD, address="10.0.0.2").status_code == 200
    assert obtain(api, "bureau_admin", TEST_PASSWORD).status_code == 200


def test_token_endpoint_is_rate_limited(api, cast, settings):
    # 10/min per address (REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["token"]).
    statuses = [obtain(api, f"nobody{i}", "x", address="10.0.0.9").status_code for i in range(11)]
    assert statuses[:10] == [400] * 10
    assert statuses[10] == 429


def test_deactivated_user_cannot_use_their_token(api, cast):
    key = obtain(api, "kg_director", TEST_PASSWORD).json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get(ME_URL).status_code == 200
    user_set_active(actor=cast.bureau_admin, user=cast.kg_director, active=False)
    response = api.get(reverse("api:kindergarten-list"))
    assert response.status_code == 401


def test_an_inactive_user_whose_token_survived_is_refused(api, cast):
    # Even if a token row outlived the deactivation (e.g. a raw update), TokenAuthentication refuses it.
    token = Token.objects.create(user=cast.kg_director)
    type(cast.kg_director).objects.filter(pk=cast.kg_director.pk).update(is_active=False)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get(ME_URL).status_code == 401


def test_delete_revokes_own_token(api, cast):
    key = obtain(api, "bureau_staff", TEST_PASSWORD).json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.delete(TOKEN_URL).status_code == 204
    assert not Token.objects.filter(user=cast.bureau_staff).exists()
    assert api.get(ME_URL).status_code == 401


def test_bad_token_is_refused(api, cast):
    api.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")
    assert api.get(ME_URL).status_code == 401


@pytest.mark.parametrize("url_name", ["api:me", "api:kindergarten-list", "api:user-list"])
def test_anonymous_gets_401_with_chinese_message(api, cast, url_name):
    response = api.get(reverse(url_name))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json() == {"detail": "请先登录，或在请求头中携带 API 令牌（Authorization: Token <令牌>）。"}


def test_one_time_password_gives_no_token_until_changed(api, cast):
    user, password = user_create(
        actor=cast.bureau_admin, username="new_teacher", full_name="王老师", role="kg_staff", kindergarten=cast.kg_a1
    )
    refused = obtain(api, "new_teacher", password)
    assert refused.status_code == 403
    assert refused.json() == {"detail": "请先登录网页修改初始密码，再获取 API 令牌。"}
    assert not Token.objects.filter(user=user).exists()

    user_change_own_password(user=user, new_password="Own-secret-2026")
    assert obtain(api, "new_teacher", "Own-secret-2026").status_code == 200


def test_session_on_a_one_time_password_reads_only_me(api, cast):
    type(cast.kg_staff).objects.filter(pk=cast.kg_staff.pk).update(must_change_password=True)
    api.force_login(cast.kg_staff)
    assert api.get(ME_URL).json()["must_change_password"] is True
    response = api.get(reverse("api:kindergarten-list"))
    assert response.status_code == 403
    assert response.json() == {"detail": "请先登录网页修改初始密码。"}
