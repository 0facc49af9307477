"""The API's root and its error answers: the right status code, a Chinese ``detail``, the right headers."""

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token

from accounts.services import user_set_active

ROOT = reverse("api:root")
NOT_SIGNED_IN = {"detail": "请先登录，或在请求头中携带 API 令牌（Authorization: Token <令牌>）。"}
BAD_TOKEN = {"detail": "API 令牌无效或已失效，请重新获取。"}


def test_root_lists_the_parts_of_the_api(api, cast, django_assert_max_num_queries):
    api.force_login(cast.bureau_admin)
    with django_assert_max_num_queries(3):
        response = api.get(ROOT)
    assert response.status_code == 200
    body = response.json()
    base = "http://testserver/api/v1/"
    assert body["docs"] == base + "docs/"
    assert body["schema"] == base + "schema/"
    assert body["me"] == base + "me/"
    assert body["auth-token"] == base + "auth/token/"
    for part in ("kindergartens", "bureaus", "townships", "change-filings", "users", "supervisor-assignments"):
        assert body[part] == f"{base}{part}/", part
    # Every part it names answers (classes have no list of their own, so they are not named).
    assert "classes" not in body
    for name, url in body.items():
        if name not in ("auth-token", "docs"):
            assert api.get(url, HTTP_ACCEPT="application/json").status_code == 200, name


@pytest.mark.parametrize("url_name", ["api:root", "api:me", "api:kindergarten-list", "api:user-list", "api:schema"])
def test_no_credentials_is_401_with_www_authenticate(api, cast, url_name):
    response = api.get(reverse(url_name), HTTP_ACCEPT="application/json")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json() == NOT_SIGNED_IN


def test_a_write_without_credentials_is_401_too(api, cast):
    response = api.post(reverse("api:user-list"), {"username": "x"}, format="json")
    assert response.status_code == 401 and response.json() == NOT_SIGNED_IN


@pytest.mark.parametrize(
    "header",
    [
        "Token 0123456789abcdef0123456789abcdef01234567",
        "Token",
        "Token two words",
        "Token 0123456789abcdef0123456789abcdef0123456\x00",
    ],
)
def test_a_bad_token_is_401(api, cast, header):
    api.credentials(HTTP_AUTHORIZATION=header)
    response = api.get(reverse("api:me"))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json() == BAD_TOKEN


def test_the_token_of_a_deactivated_account_is_401_in_the_same_words(api, cast):
    token = Token.objects.create(user=cast.kg_director)
    type(cast.kg_director).objects.filter(pk=cast.kg_director.pk).update(is_active=False)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = api.get(reverse("api:me"))
    assert response.status_code == 401 and response.json() == BAD_TOKEN


def test_no_right_is_403_in_chinese(api, cast):
    api.force_login(cast.kg_staff)
    response = api.get(reverse("api:user-list"))
    assert response.status_code == 403
    assert response.json() == {"detail": "您没有查看账号列表的权限。"}
    response = api.patch(reverse("api:kindergarten-detail", kwargs={"pk": cast.kg_a1.pk}), {"name": "x"}, format="json")
    assert response.status_code == 403 and "您" in response.json()["detail"]


def test_out_of_scope_and_unknown_ids_are_404_in_chinese(api, cast):
    api.force_login(cast.kg_staff)
    for pk in (cast.kg_b1.pk, 999999):
        response = api.get(reverse("api:kindergarten-detail", kwargs={"pk": pk}))
        assert (response.status_code, response.json()) == (404, {"detail": "未找到。"})


@pytest.mark.parametrize("path", ["/api/v1/no-such-thing/", "/api/v1/kindergartens/abc/", "/api/v2/"])
def test_unknown_api_urls_are_404_in_json(api, cast, path):
    api.force_login(cast.kg_staff)
    response = api.get(path)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"detail": "未找到。"}


def test_wrong_method_is_405_in_chinese_with_allow(api, cast):
    api.force_login(cast.bureau_admin)
    response = api.delete(reverse("api:user-detail", kwargs={"pk": cast.kg_staff.pk}))
    assert response.status_code == 405
    assert response.json() == {"detail": "不支持 DELETE 请求方法。"}
    assert "DELETE" not in response["Allow"]


def test_throttled_is_429_in_chinese_with_retry_after(api, cast):
    for _ in range(10):
        api.post(reverse("api:token"), {"username": "nobody", "password": "x"}, format="json")
    response = api.post(reverse("api:token"), {"username": "nobody", "password": "x"}, format="json")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert response.json() == {"detail": f"请求过于频繁，请 {response['Retry-After']} 秒后再试。"}


def test_malformed_json_is_400_in_chinese(api, cast):
    api.force_login(cast.bureau_admin)
    response = api.generic(
        "PATCH",
        reverse("api:kindergarten-detail", kwargs={"pk": cast.kg_a1.pk}),
        '{"name": ',
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json() == {"detail": "请求内容不是有效的 JSON，无法解析。"}


def test_unsupported_media_type_is_415_in_chinese(api, cast):
    api.force_login(cast.bureau_admin)
    response = api.generic(
        "PATCH", reverse("api:kindergarten-detail", kwargs={"pk": cast.kg_a1.pk}), "name=x", content_type="text/csv"
    )
    assert response.status_code == 415
    assert response.json() == {"detail": "不支持请求内容的格式“text/csv”，请使用 JSON。"}


def test_not_acceptable_is_406_in_chinese(api, cast):
    api.force_login(cast.kg_staff)
    response = api.get(reverse("api:me"), HTTP_ACCEPT="application/xml")
    assert response.status_code == 406
    assert "无法" in response.content.decode()


def test_csrf_failure_of_a_session_write_is_403_in_chinese(cast):
    from rest_framework.test import APIClient

    api = APIClient(enforce_csrf_checks=True)
    api.force_login(cast.bureau_admin)
    response = api.post(reverse("api:user-deactivate", kwargs={"pk": cast.kg_staff.pk}))
    assert response.status_code == 403
    assert response.json() == {"detail": "安全校验失败（CSRF），请刷新页面后重试。"}


def test_english_accept_language_still_gets_chinese(api, cast):
    response = api.get(reverse("api:kindergarten-list"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.json() == NOT_SIGNED_IN
    api.force_login(cast.bureau_admin)
    response = api.post(reverse("api:user-list"), {}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json()["username"] == ["该字段是必填项。"]


def test_deactivation_revokes_the_token(api, cast):
    token = Token.objects.create(user=cast.kg_director)
    user_set_active(actor=cast.bureau_admin, user=cast.kg_director, active=False)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get(reverse("api:me")).status_code == 401
