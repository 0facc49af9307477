"""Plain input/output serializers for bureaus, townships and kindergartens (no writes here)."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api import BriefSerializer, ScopedPrimaryKeyRelatedField
from core.models import AuditEntry
from kindergartens.access import groups_visible_to, townships_visible_to
from kindergartens.models import Bureau, CollaborationGroup, Nature, Township, UrbanRural


class BureauSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    level = serializers.ChoiceField(choices=Bureau.Level.choices, read_only=True)
    level_label = serializers.CharField(source="get_level_display", read_only=True)
    parent = BriefSerializer(read_only=True, allow_null=True)
    division_code = serializers.CharField(read_only=True)


class TownshipBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    urban_rural_code = serializers.ChoiceField(choices=UrbanRural.choices, read_only=True)
    is_rural = serializers.BooleanField(read_only=True)


class TownshipSerializer(TownshipBriefSerializer):
    code = serializers.CharField(read_only=True)
    urban_rural_label = serializers.CharField(source="get_urban_rural_code_display", read_only=True)
    district = BriefSerializer(read_only=True)


class SupervisorBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    full_name = serializers.CharField(read_only=True)
    phone = serializers.CharField(read_only=True)


class KindergartenSerializer(serializers.Serializer):
    """A kindergarten as the API shows it. The view prefetches ``active_assignments``."""

    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    district = BriefSerializer(read_only=True)
    township = TownshipBriefSerializer(read_only=True)
    nature = serializers.ChoiceField(choices=Nature.choices, read_only=True)
    nature_label = serializers.CharField(source="get_nature_display", read_only=True)
    collaboration_group = BriefSerializer(read_only=True, allow_null=True)
    responsible_supervisor = serializers.SerializerMethodField()

    @extend_schema_field(SupervisorBriefSerializer(allow_null=True))
    def get_responsible_supervisor(self, obj) -> dict | None:
        # ``active_assignments`` comes from a Prefetch (kindergartens.api.with_api_relations), so a
        # list page costs one query for all supervisors; at most one assignment is active.
        assignments = obj.active_assignments
        if not assignments:
            return None
        return SupervisorBriefSerializer(assignments[0].supervisor).data


class KindergartenUpdateSerializer(serializers.Serializer):
    """Input of PUT/PATCH. Township and group ids resolve only inside the caller's scope."""

    name = serializers.CharField(max_length=100)
    township = ScopedPrimaryKeyRelatedField(scope=townships_visible_to, model_queryset=Township.objects.none())
    nature = serializers.ChoiceField(choices=Nature.choices)
    collaboration_group = ScopedPrimaryKeyRelatedField(
        scope=groups_visible_to, model_queryset=CollaborationGroup.objects.none(), allow_null=True
    )

    def validate_name(self, value: str) -> str:
        value = value.strip()
        if not value:
            raise serializers.ValidationError("园所名称不能为空。")
        return value


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": {"type": "array", "items": {}, "minItems": 2, "maxItems": 2},
        "description": "字段名 → [修改前, 修改后]",
    }
)
class ChangesField(serializers.DictField):
    """``{"field": [old, new]}``: the values before and after the change."""


class AuditEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    at = serializers.SerializerMethodField()
    actor_label = serializers.CharField(read_only=True)
    action = serializers.ChoiceField(choices=AuditEntry.Action.choices, read_only=True)
    action_label = serializers.CharField(source="get_action_display", read_only=True)
    source = serializers.ChoiceField(choices=AuditEntry.Source.choices, read_only=True)
    source_label = serializers.CharField(source="get_source_display", read_only=True)
    changes = ChangesField(read_only=True)
    request_id = serializers.CharField(read_only=True)

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_at(self, obj: AuditEntry) -> str:
        # Always Beijing time, whatever the request's time zone.
        return timezone.localtime(obj.at, timezone.get_default_timezone()).isoformat()
