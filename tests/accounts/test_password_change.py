"""Changing one's own password, and the forced change of an administrator-issued one-time password.

While an account is on its one-time password every page and every API endpoint (but the
password form, logout and /api/v1/me/) is closed to it, for reads and writes alike, and
nothing it sends changes anything.
"""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import User
from accounts.services import user_change_own_password, user_reset_password
from core.models import AuditEntry
from kindergartens.models import Kindergarten
from tests.factories import TEST_PASSWORD

PASSWORD_CHANGE = reverse("accounts:password-change")
NEW_PASSWORD = "Xk9#vT2!pQ7z"


@pytest.fixture
def one_time(cast, client):
    """bureau_staff, given a one-time password by the bureau admin and signed in with it."""
    password = user_reset_password(actor=cast.bureau_admin, user=cast.bureau_staff)
    response = client.post(reverse("accounts:login"), {"username": "bureau_staff", "password": password})
    assert response.status_code == 302 and response["Location"] == reverse("core:home")
    return password


def change(client, old, new1, new2=None):
    return client.post(
        PASSWORD_CHANGE, {"old_password": old, "new_password1": new1, "new_password2": new2 if new2 else new1}
    )


def test_the_one_time_password_is_refused_as_the_new_password(client, cast, one_time):
    response = change(client, one_time, one_time)
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["new_password1"] == ["新密码不能与管理员发放的初始密码相同，请设置您自己的密码。"]
    assert "new_password2" not in form.errors
    user = User.objects.get(pk=cast.bureau_staff.pk)
    assert user.must_change_password
    # Still on the one-time password: everything else still sends the user back to the form.
    assert client.get(reverse("core:home"))["Location"] == PASSWORD_CHANGE


def test_the_current_password_is_refused_as_the_new_one_in_an_ordinary_change(client, cast):
    client.force_login(cast.kg_staff)
    response = change(client, TEST_PASSWORD, TEST_PASSWORD)
    assert response.context["form"].errors["new_password1"] == ["新密码不能与当前密码相同。"]


def test_a_new_password_of_ones_own_ends_the_forced_change(client, cast, one_time):
    response = change(client, one_time, NEW_PASSWORD)
    assert response.status_code == 302
    user = User.objects.get(pk=cast.bureau_staff.pk)
    assert not user.must_change_password and user.check_password(NEW_PASSWORD)
    assert client.get(reverse("core:home")).status_code == 200


@pytest.mark.parametrize("new_password", ["Ab1", "12345678901234", "password123", "kg_staff2026"])
def test_validator_messages_appear_under_the_new_password_field(client, cast, new_password):
    client.force_login(cast.kg_staff)
    response = change(client, TEST_PASSWORD, new_password)
    errors = response.context["form"].errors
    assert errors["new_password1"]
    assert "new_password2" not in errors  # the confirmation matched: nothing is wrong with it


def test_a_mismatch_is_shown_under_the_confirmation(client, cast):
    client.force_login(cast.kg_staff)
    response = change(client, TEST_PASSWORD, NEW_PASSWORD, "Other#pass-2026")
    errors = response.context["form"].errors
    assert errors["new_password2"] == ["两次输入的新密码不一致。"]
    assert "new_password1" not in errors


def test_a_wrong_old_password_is_shown_under_the_old_password(client, cast):
    client.force_login(cast.kg_staff)
    response = change(client, "wrong-password", NEW_PASSWORD)
    assert response.context["form"].errors == {"old_password": ["原密码不正确，请重新输入。"]}


# --- a one-time-password session can neither read nor write ------------------------------


def _kindergarten_form(cast) -> dict:
    return {
        "name": "改名的幼儿园",
        "township": cast.town_a.pk,
        "nature": "private",
        "status": "operating",
        "schedule": "full_day",
        "capacity": 0,
    }


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_page_writes_on_a_one_time_password_are_sent_to_the_password_form(client, cast, one_time, method):
    entries = AuditEntry.objects.count()
    url = reverse("kindergartens:edit", kwargs={"pk": cast.kg_a1.pk})
    response = getattr(client, method)(url, _kindergarten_form(cast))
    assert response.status_code == 302 and response["Location"] == PASSWORD_CHANGE
    assert Kindergarten.objects.get(pk=cast.kg_a1.pk).name == "大洼区第一幼儿园"
    assert AuditEntry.objects.count() == entries


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("accounts:user-create", "post"),
        ("accounts:profile", "post"),
        ("kindergartens:list", "get"),
        ("supervision:assignment-list", "get"),
    ],
)
def test_other_pages_are_closed_too(client, cast, one_time, name, method):
    users = User.objects.count()
    data = {"username": "sneaky", "full_name": "某人", "role": "kg_staff", "kindergarten": cast.kg_a1.pk}
    response = getattr(client, method)(reverse(name), data)
    assert response.status_code == 302 and response["Location"] == PASSWORD_CHANGE
    assert User.objects.count() == users


def _api_writes(cast):
    kg = reverse("api:kindergarten-detail", kwargs={"pk": cast.kg_a1.pk})
    return [
        ("patch", kg, {"name": "改名的幼儿园"}),
        ("put", kg, {"name": "改名的幼儿园"}),
        ("delete", kg, {}),
        ("post", reverse("api:kindergarten-classes", kwargs={"pk": cast.kg_a1.pk}), {"name": "大一班"}),
        ("post", reverse("api:user-list"), {"username": "sneaky", "full_name": "某人", "role": "kg_staff"}),
        ("post", reverse("api:user-reset-password", kwargs={"pk": cast.kg_staff.pk}), {}),
        ("delete", reverse("api:token"), {}),
    ]


def test_api_writes_on_a_one_time_password_are_refused(client, cast, one_time):
    entries, users = AuditEntry.objects.count(), User.objects.count()
    staff_password = User.objects.get(pk=cast.kg_staff.pk).password
    for method, url, body in _api_writes(cast):
        response = getattr(client, method)(url, body, content_type="application/json")
        assert response.status_code == 403, (method, url, response.status_code)
        assert response.json() == {"detail": "请先登录网页修改初始密码。"}, (method, url)
    assert Kindergarten.objects.get(pk=cast.kg_a1.pk).name == "大洼区第一幼儿园"
    assert User.objects.count() == users
    assert User.objects.get(pk=cast.kg_staff.pk).password == staff_password
    assert AuditEntry.objects.count() == entries


def test_api_reads_on_a_one_time_password_are_refused_but_me(client, cast, one_time):
    for name in ("api:kindergarten-list", "api:user-list", "api:schema"):
        response = client.get(reverse(name), HTTP_ACCEPT="application/json")
        assert response.status_code == 403, name
        assert response.json() == {"detail": "请先登录网页修改初始密码。"}, name
    assert client.get(reverse("api:me")).json()["must_change_password"] is True


def test_api_docs_send_a_one_time_password_to_the_password_form(client, cast, one_time):
    response = client.get(reverse("api:docs"))
    assert response.status_code == 302 and response["Location"] == PASSWORD_CHANGE
    response = client.get(reverse("api:docs"), {"script": ""})
    assert response.status_code == 302 and response["Location"] == PASSWORD_CHANGE


def test_the_service_refuses_the_current_password_and_weak_ones(cast):
    with pytest.raises(ValidationError):
        user_change_own_password(user=cast.kg_staff, new_password=TEST_PASSWORD)
    with pytest.raises(ValidationError):
        user_change_own_password(user=cast.kg_staff, new_password="12345")
    assert User.objects.get(pk=cast.kg_staff.pk).check_password(TEST_PASSWORD)
