"""Writes to accounts. Admin, API and pages all go through these functions."""

from __future__ import annotations

import secrets
import string

from django.contrib.auth import password_validation
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from accounts.access import assignable_bureaus, assignable_kindergartens, grantable_roles, user_can
from accounts.models import User
from accounts.roles import BUREAU_ROLES, KINDERGARTEN_ROLES, Role
from kindergartens.models import Bureau, Kindergarten

_ALPHABET = string.ascii_letters + string.digits


def _temporary_password() -> str:
    # 12 characters from 62 symbols, always with a letter and a digit, so validators pass.
    while True:
        pwd = "".join(secrets.choice(_ALPHABET) for _ in range(12))
        if any(c.isdigit() for c in pwd) and any(c.isalpha() for c in pwd):
            return pwd


def _revoke_tokens(user: User) -> None:
    """API tokens outlive passwords: a reset, a change or a deactivation revokes them."""
    from rest_framework.authtoken.models import Token

    Token.objects.filter(user=user).delete()


def _check_grant(*, actor: User, role: str, bureau: Bureau | None, kindergarten: Kindergarten | None) -> None:
    if role not in grantable_roles(actor):
        raise PermissionDenied("您不能授予该角色。")
    if role in BUREAU_ROLES:
        if bureau is None or kindergarten is not None:
            raise ValidationError({"bureau": "该角色的账号必须属于一个教育局，且不能属于幼儿园。"})
        if not assignable_bureaus(actor).filter(pk=bureau.pk).exists():
            raise ValidationError({"bureau": "只能为本区县教育局创建账号。"})
    elif role in KINDERGARTEN_ROLES:
        if kindergarten is None or bureau is not None:
            raise ValidationError({"kindergarten": "该角色的账号必须属于一所幼儿园，且不能属于教育局。"})
        if not assignable_kindergartens(actor).filter(pk=kindergarten.pk).exists():
            raise ValidationError({"kindergarten": "只能为本区县的幼儿园创建账号。"})


@transaction.atomic
def user_create(
    *,
    actor: User,
    username: str,
    full_name: str,
    role: str,
    bureau: Bureau | None = None,
    kindergarten: Kindergarten | None = None,
    phone: str = "",
    email: str = "",
) -> tuple[User, str]:
    """Create an account with a one-time password the user must change at first login."""
    _check_grant(actor=actor, role=role, bureau=bureau, kindergarten=kindergarten)
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": "该用户名已被使用。"})
    password = _temporary_password()
    user = User(
        username=username,
        full_name=full_name,
        role=role,
        bureau=bureau,
        kindergarten=kindergarten,
        phone=phone,
        email=email,
        must_change_password=True,
    )
    user.set_password(password)
    user.full_clean()
    user.save()
    return user, password


@transaction.atomic
def user_update(
    *,
    actor: User,
    user: User,
    full_name: str,
    role: str,
    phone: str = "",
    email: str = "",
    bureau: Bureau | None = None,
    kindergarten: Kindergarten | None = None,
) -> User:
    if not user_can(actor, user, "manage"):
        raise PermissionDenied("您不能修改该账号。")
    _check_grant(actor=actor, role=role, bureau=bureau, kindergarten=kindergarten)
    user.full_name = full_name
    user.role = role
    user.phone = phone
    user.email = email
    user.bureau = bureau
    user.kindergarten = kindergarten
    user.full_clean()
    user.save(update_fields=["full_name", "role", "phone", "email", "bureau", "kindergarten"])
    return user


@transaction.atomic
def user_reset_password(*, actor: User, user: User) -> str:
    """Give the account a new one-time password; the old one stops working at once."""
    if not user_can(actor, user, "manage"):
        raise PermissionDenied("您不能重置该账号的密码。")
    password = _temporary_password()
    user.set_password(password)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    _revoke_tokens(user)
    return password


@transaction.atomic
def user_set_active(*, actor: User, user: User, active: bool) -> User:
    """Deactivate or reactivate an account. Accounts are never deleted (the audit trail points at them)."""
    if not user_can(actor, user, "manage"):
        raise PermissionDenied("您不能停用或启用该账号。")
    if user.is_active != active:
        user.is_active = active
        user.save(update_fields=["is_active"])
        if not active:
            _revoke_tokens(user)
    return user


@transaction.atomic
def user_change_own_password(*, user: User, new_password: str) -> User:
    """Set the user's own password; a one-time password an administrator has seen is never kept."""
    if user.check_password(new_password):
        raise ValidationError({"new_password1": "新密码不能与当前密码相同。"})
    password_validation.validate_password(new_password, user)
    user.set_password(new_password)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    _revoke_tokens(user)
    return user


def role_organisation_kind(role: str) -> str:
    return "kindergarten" if role in KINDERGARTEN_ROLES else "bureau"


__all__ = [
    "Role",
    "user_change_own_password",
    "user_create",
    "user_reset_password",
    "user_set_active",
    "user_update",
]
