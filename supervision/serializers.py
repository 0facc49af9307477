"""Plain input/output serializers for supervisor assignments. Writes happen in supervision.services."""

from __future__ import annotations

from rest_framework import serializers

from accounts.access import users_visible_to
from accounts.models import User
from accounts.roles import Role
from core.api import BriefSerializer, ScopedPrimaryKeyRelatedField
from kindergartens.access import kindergartens_visible_to
from kindergartens.models import Kindergarten


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    full_name = serializers.CharField(read_only=True)


class SupervisorSerializer(PersonSerializer):
    phone = serializers.CharField(read_only=True)


class AssignmentSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    kindergarten = BriefSerializer(read_only=True)
    supervisor = SupervisorSerializer(read_only=True)
    started_at = serializers.DateTimeField(read_only=True)
    ended_at = serializers.DateTimeField(read_only=True, allow_null=True)
    is_active = serializers.BooleanField(read_only=True)
    assigned_by = PersonSerializer(read_only=True, allow_null=True)
    ended_by = PersonSerializer(read_only=True, allow_null=True)
    note = serializers.CharField(read_only=True)


def _supervisors_visible_to(user):
    return users_visible_to(user).filter(role=Role.SUPERVISOR)


class AssignmentCreateSerializer(serializers.Serializer):
    """Input of POST. Both ids resolve only inside the caller's scope (else 400, never 404)."""

    kindergarten = ScopedPrimaryKeyRelatedField(
        scope=kindergartens_visible_to, model_queryset=Kindergarten.objects.none()
    )
    supervisor = ScopedPrimaryKeyRelatedField(scope=_supervisors_visible_to, model_queryset=User.objects.none())
    note = serializers.CharField(max_length=200, allow_blank=True, required=False, default="")
