"""Login throttling by username and address together, and the login page itself."""

from django.urls import reverse

from tests.factories import TEST_PASSWORD


def attempt(client, username, password, ip="10.0.0.1"):
    return client.post(reverse("accounts:login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_wrong_password_shows_a_chinese_error(client, cast):
    response = attempt(client, "bureau_staff", "wrong")
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()


def test_five_failures_lock_that_username_at_that_address_only(client, cast):
    for _ in range(5):
        attempt(client, "bureau_staff", "wrong")
    locked = attempt(client, "bureau_staff", TEST_PASSWORD)
    assert locked.status_code == 429
    assert "锁定" in locked.content.decode()
    # The same office address can still sign in other people…
    assert attempt(client, "bureau_admin", TEST_PASSWORD).status_code == 302
    client.logout()
    # …and the same person from another address.
    assert attempt(client, "bureau_staff", TEST_PASSWORD, ip="10.0.0.2").status_code == 302


def test_login_redirects_to_home_and_logout_needs_post(client, cast):
    response = attempt(client, "kg_director", TEST_PASSWORD)
    assert response.status_code == 302 and response["Location"] == reverse("core:home")
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert client.get(reverse("core:home")).status_code == 302


LOGIN_FAILED = "用户名或密码不正确，或账号已停用。请注意区分大小写；如仍无法登录，请联系本区县管理员。"


def test_inactive_account_cannot_log_in_and_is_told_what_a_wrong_password_is_told(client, cast):
    cast.kg_staff.is_active = False
    cast.kg_staff.save()
    for password in (TEST_PASSWORD, "wrong-password"):
        response = attempt(client, "kg_staff", password)
        assert response.status_code == 200
        assert response.context["form"].non_field_errors() == [LOGIN_FAILED]
        assert "_auth_user_id" not in client.session
    # The API answers the same words (tests/api/test_auth_api.py).
