"""Plain input/output serializers for accounts and tokens. Writes happen in accounts.services."""

from __future__ import annotations

from django.contrib.auth.validators import UnicodeUsernameValidator
from rest_framework import serializers

from accounts.roles import Role
from core.api import BriefSerializer, ScopedPrimaryKeyRelatedField
from kindergartens.access import bureaus_visible_to, kindergartens_visible_to
from kindergartens.models import Bureau, Kindergarten


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(read_only=True)
    full_name = serializers.CharField(read_only=True)
    role = serializers.ChoiceField(choices=Role.choices, allow_blank=True, read_only=True)
    role_label = serializers.CharField(source="get_role_display", read_only=True)
    bureau = BriefSerializer(read_only=True, allow_null=True)
    kindergarten = BriefSerializer(read_only=True, allow_null=True)
    must_change_password = serializers.BooleanField(read_only=True)


class UserSerializer(MeSerializer):
    """An account as the API shows it; never the password hash."""

    phone = serializers.CharField(read_only=True)
    email = serializers.EmailField(read_only=True)
    is_active = serializers.BooleanField(read_only=True)
    last_login = serializers.DateTimeField(read_only=True, allow_null=True)
    date_joined = serializers.DateTimeField(read_only=True)


class UserCreatedSerializer(UserSerializer):
    temporary_password = serializers.CharField(read_only=True, help_text="一次性密码，仅在此响应中出现一次。")


class TemporaryPasswordSerializer(serializers.Serializer):
    temporary_password = serializers.CharField(read_only=True, help_text="一次性密码，仅在此响应中出现一次。")


def _bureau_field(**kwargs):
    return ScopedPrimaryKeyRelatedField(
        scope=bureaus_visible_to, model_queryset=Bureau.objects.none(), allow_null=True, **kwargs
    )


def _kindergarten_field(**kwargs):
    return ScopedPrimaryKeyRelatedField(
        scope=kindergartens_visible_to, model_queryset=Kindergarten.objects.none(), allow_null=True, **kwargs
    )


class UserUpdateSerializer(serializers.Serializer):
    """Input of PATCH. Bureau and kindergarten ids resolve only inside the caller's scope;
    whether the caller may grant that role there is the service's decision."""

    full_name = serializers.CharField(max_length=50)
    role = serializers.ChoiceField(choices=Role.choices)
    phone = serializers.CharField(max_length=20, allow_blank=True)
    email = serializers.EmailField(allow_blank=True)
    bureau = _bureau_field()
    kindergarten = _kindergarten_field()


class UserCreateSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150, validators=[UnicodeUsernameValidator()])
    full_name = serializers.CharField(max_length=50)
    role = serializers.ChoiceField(choices=Role.choices)
    phone = serializers.CharField(max_length=20, allow_blank=True, required=False, default="")
    email = serializers.EmailField(allow_blank=True, required=False, default="")
    bureau = _bureau_field(required=False, default=None)
    kindergarten = _kindergarten_field(required=False, default=None)


class TokenObtainSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150, write_only=True)
    password = serializers.CharField(max_length=128, write_only=True, trim_whitespace=False)


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(read_only=True)
