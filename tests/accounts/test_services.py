"""Account management: who may grant what, one-time passwords, deactivation."""

import pytest
from django.contrib.auth import authenticate
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import RequestFactory
from django.urls import reverse
from rest_framework.authtoken.models import Token

from accounts.models import User
from accounts.roles import Role
from accounts.services import user_create, user_reset_password, user_set_active, user_update


def can_log_in(username, password) -> bool:
    request = RequestFactory().post("/accounts/login/")
    return authenticate(request=request, username=username, password=password) is not None


def test_bureau_admin_creates_a_director_with_a_one_time_password(cast):
    user, password = user_create(
        actor=cast.bureau_admin, username="wang", full_name="王园长", role=Role.KG_DIRECTOR, kindergarten=cast.kg_a2
    )
    assert user.must_change_password
    assert len(password) == 12
    assert can_log_in("wang", password)


def test_nobody_grants_a_role_above_their_own(cast):
    with pytest.raises(PermissionDenied):
        user_create(actor=cast.bureau_admin, username="x", full_name="x", role=Role.CITY_VIEWER, bureau=cast.city)
    for actor in (cast.bureau_staff, cast.supervisor, cast.kg_director, cast.city_viewer):
        with pytest.raises(PermissionDenied):
            user_create(actor=actor, username="y", full_name="y", role=Role.KG_STAFF, kindergarten=cast.kg_a1)


def test_bureau_admin_cannot_create_outside_their_district(cast):
    with pytest.raises(ValidationError) as exc:
        user_create(
            actor=cast.bureau_admin, username="z", full_name="z", role=Role.BUREAU_STAFF, bureau=cast.district_b
        )
    assert "本区县" in str(exc.value)
    with pytest.raises(ValidationError):
        user_create(actor=cast.bureau_admin, username="z", full_name="z", role=Role.KG_STAFF, kindergarten=cast.kg_b1)
    assert not User.objects.filter(username="z").exists()


def test_role_and_organisation_must_match(cast):
    with pytest.raises(ValidationError):
        user_create(actor=cast.bureau_admin, username="q", full_name="q", role=Role.KG_STAFF, bureau=cast.district_a)
    with pytest.raises(ValidationError):
        user_create(actor=cast.bureau_admin, username="q", full_name="q", role=Role.SUPERVISOR, kindergarten=cast.kg_a1)


def test_duplicate_username_is_refused_case_insensitively(cast):
    with pytest.raises(ValidationError) as exc:
        user_create(
            actor=cast.bureau_admin, username="KG_DIRECTOR", full_name="q", role=Role.KG_STAFF, kindergarten=cast.kg_a1
        )
    assert "已被使用" in str(exc.value)


def test_reset_password_invalidates_the_old_one(cast):
    new = user_reset_password(actor=cast.bureau_admin, user=cast.kg_director)
    assert not can_log_in("kg_director", "Test-pass-2026")
    assert can_log_in("kg_director", new)
    assert User.objects.get(pk=cast.kg_director.pk).must_change_password


def test_deactivated_accounts_cannot_log_in_and_lose_their_tokens(cast):
    Token.objects.create(user=cast.kg_director)
    user_set_active(actor=cast.bureau_admin, user=cast.kg_director, active=False)
    assert not can_log_in("kg_director", "Test-pass-2026")
    assert not Token.objects.filter(user=cast.kg_director).exists()
    assert User.objects.filter(pk=cast.kg_director.pk).exists()  # never deleted
    user_set_active(actor=cast.bureau_admin, user=cast.kg_director, active=True)
    assert can_log_in("kg_director", "Test-pass-2026")


def test_admin_cannot_manage_themselves_or_other_districts(cast):
    with pytest.raises(PermissionDenied):
        user_set_active(actor=cast.bureau_admin, user=cast.bureau_admin, active=False)
    with pytest.raises(PermissionDenied):
        user_update(
            actor=cast.bureau_staff,
            user=cast.kg_director,
            full_name="x",
            role=Role.KG_DIRECTOR,
            kindergarten=cast.kg_a1,
        )


def test_one_time_password_forces_a_change_before_anything_else(client, cast):
    user, password = user_create(
        actor=cast.bureau_admin, username="li", full_name="李老师", role=Role.KG_STAFF, kindergarten=cast.kg_a1
    )
    response = client.post(reverse("accounts:login"), {"username": "li", "password": password})
    assert response.status_code == 302
    response = client.get(reverse("kindergartens:list"))
    assert response.status_code == 302 and response["Location"] == reverse("accounts:password-change")
    response = client.post(
        reverse("accounts:password-change"),
        {"old_password": password, "new_password1": "Xk9#vT2!pQ7z", "new_password2": "Xk9#vT2!pQ7z"},
    )
    assert response.status_code == 302
    assert not User.objects.get(pk=user.pk).must_change_password
    assert client.get(reverse("kindergartens:list")).status_code == 200


def test_weak_passwords_are_refused_in_chinese(client, cast):
    client.force_login(cast.kg_staff)
    response = client.post(
        reverse("accounts:password-change"),
        {"old_password": "Test-pass-2026", "new_password1": "12345678", "new_password2": "12345678"},
    )
    assert response.status_code == 200
    assert "密码" in response.content.decode()
    assert can_log_in("kg_staff", "Test-pass-2026")


def test_user_create_page_shows_errors_and_saves_nothing(client, cast):
    client.force_login(cast.bureau_admin)
    count_before = User.objects.count()
    response = client.post(
        reverse("accounts:user-create"), {"username": "bad name!", "full_name": "", "role": "kg_staff"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "用户名只能包含" in html
    assert "必须选择所属幼儿园" in html
    assert not User.objects.filter(username="bad name!").exists()
    assert User.objects.count() == count_before


def test_password_reset_and_change_revoke_api_tokens(cast):
    from accounts.services import user_change_own_password

    Token.objects.create(user=cast.kg_director)
    user_reset_password(actor=cast.bureau_admin, user=cast.kg_director)
    assert not Token.objects.filter(user=cast.kg_director).exists()
    Token.objects.create(user=cast.kg_staff)
    user_change_own_password(user=cast.kg_staff, new_password="Xk9#vT2!pQ7z")
    assert not Token.objects.filter(user=cast.kg_staff).exists()
