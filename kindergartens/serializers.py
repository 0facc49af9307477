"""Plain input/output serializers for the registry API (no writes here: the services write).

Output serializers read what the views fetched through the access layer; input serializers
turn a request body into the Python values a service takes. Ids in a body resolve only
inside the caller's scope (core.api.ScopedPrimaryKeyRelatedField).
"""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api import BriefSerializer, ChoiceLabelField, FastReadMixin, ScopedPrimaryKeyRelatedField
from core.models import AuditEntry
from kindergartens.access import (
    credit_grades_visible_to,
    groups_visible_to,
    kindergartens_visible_to,
    levels_visible_to,
    townships_visible_to,
)
from kindergartens.models import (
    Bureau,
    ChangeFiling,
    ChangeFilingEvent,
    ClassType,
    CollaborationGroup,
    CreditGrade,
    Kindergarten,
    KindergartenStatusChange,
    Level,
    Nature,
    PartyOrganisation,
    Schedule,
    Sponsor,
    Status,
    Township,
    UrbanRural,
)
from kindergartens.selectors_filings import FILING_FIELDS


class BeijingDateTimeField(serializers.DateTimeField):
    """A timestamp in Beijing time (``+08:00``) whatever the request's time zone."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        super().__init__(default_timezone=timezone.get_default_timezone(), **kwargs)


def _person(user) -> str | None:
    return user.display_name if user is not None else None


class BureauSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    level = serializers.ChoiceField(choices=Bureau.Level.choices, read_only=True)
    level_label = serializers.CharField(source="get_level_display", read_only=True)
    parent = BriefSerializer(read_only=True, allow_null=True)
    division_code = serializers.CharField(read_only=True)


class TownshipBriefSerializer(FastReadMixin, serializers.Serializer):
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


# --- the kindergarten record ----------------------------------------------------------


class AsOfSerializer(serializers.Serializer):
    """Status and nature on a past day, from the dated history (``?as_of=``)."""

    date = serializers.DateField(read_only=True)
    status = serializers.ChoiceField(choices=Status.choices, read_only=True)
    status_label = serializers.CharField(read_only=True)
    nature = serializers.ChoiceField(choices=Nature.choices, read_only=True, allow_null=True)
    nature_label = serializers.CharField(read_only=True, allow_null=True)


def _label(choices, value) -> str | None:
    if value is None:
        return None
    try:
        return str(choices(value).label)
    except ValueError:
        return value


class KindergartenSerializer(FastReadMixin, serializers.Serializer):
    """A kindergarten's record as the API shows it.

    The view supplies ``active_assignments`` (a prefetch) and ``enrolled``/``class_count``
    (kindergartens.selectors.with_enrolment), and on a list with ``?as_of=`` also
    ``status_on``/``nature_on``/``as_of_date`` (kindergartens.selectors.kindergartens_as_of).
    """

    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    credit_code = serializers.CharField(read_only=True)
    licence_number = serializers.CharField(read_only=True)
    licence_valid_until = serializers.DateField(read_only=True, allow_null=True)
    address = serializers.CharField(read_only=True)
    district = BriefSerializer(read_only=True)
    township = TownshipBriefSerializer(read_only=True)
    collaboration_group = BriefSerializer(read_only=True, allow_null=True)
    sponsor = serializers.ChoiceField(choices=Sponsor.choices, read_only=True, allow_blank=True)
    sponsor_label = ChoiceLabelField(Sponsor, source="sponsor")
    sponsor_name = serializers.CharField(read_only=True)
    nature = serializers.ChoiceField(choices=Nature.choices, read_only=True)
    nature_label = ChoiceLabelField(Nature, source="nature")
    inclusive_recognised_on = serializers.DateField(read_only=True, allow_null=True)
    status = serializers.ChoiceField(choices=Status.choices, read_only=True)
    status_label = ChoiceLabelField(Status, source="status")
    schedule = serializers.ChoiceField(choices=Schedule.choices, read_only=True)
    schedule_label = ChoiceLabelField(Schedule, source="schedule")
    level = BriefSerializer(read_only=True, allow_null=True)
    capacity = serializers.IntegerField(read_only=True)
    enrolled = serializers.IntegerField(read_only=True, help_text="在用班级的在班幼儿合计")
    class_count = serializers.IntegerField(read_only=True, help_text="在用班级数")
    fee_monthly = serializers.DecimalField(max_digits=8, decimal_places=2, read_only=True, allow_null=True)
    fee_government_guided = serializers.BooleanField(read_only=True)
    principal_name = serializers.CharField(read_only=True)
    principal_since = serializers.DateField(read_only=True, allow_null=True)
    has_parent_committee = serializers.BooleanField(read_only=True)
    legal_vice_principal = serializers.CharField(read_only=True)
    medical_partner = serializers.CharField(read_only=True)
    party_organisation = serializers.ChoiceField(choices=PartyOrganisation.choices, read_only=True, allow_blank=True)
    party_organisation_label = ChoiceLabelField(PartyOrganisation, source="party_organisation")
    credit_rating = BriefSerializer(read_only=True, allow_null=True, help_text="信用等级（本区县设置的等级）")
    responsible_supervisor = serializers.SerializerMethodField()
    as_of = serializers.SerializerMethodField()

    @extend_schema_field(SupervisorBriefSerializer(allow_null=True))
    def get_responsible_supervisor(self, obj) -> dict | None:
        # ``active_assignments`` comes from a Prefetch (kindergartens.api.with_api_relations), so a
        # list page costs one query for all supervisors; at most one assignment is active.
        assignments = obj.active_assignments
        if not assignments:
            return None
        supervisor = assignments[0].supervisor  # SupervisorBriefSerializer's fields, without a serializer per row
        return {"id": supervisor.pk, "full_name": supervisor.full_name, "phone": supervisor.phone}

    @extend_schema_field(AsOfSerializer(allow_null=True))
    def get_as_of(self, obj) -> dict | None:
        """Only on a list asked with ``?as_of=``; null otherwise."""
        if getattr(obj, "as_of_date", None) is None:
            return None
        return {  # AsOfSerializer's fields, without a serializer per row
            "date": obj.as_of_date.isoformat(),
            "status": obj.status_on,
            "status_label": _label(Status, obj.status_on),
            "nature": obj.nature_on,
            "nature_label": _label(Nature, obj.nature_on),
        }


OTHER_DISTRICT_GRADE = "请选择本区县的信用等级。"


class KindergartenRecordFieldsSerializer(serializers.Serializer):
    """The record's writable fields (kindergartens.services.RECORD_FIELDS) as JSON input.

    Used for PUT/PATCH of a kindergarten and, field by field, for the values a change filing
    proposes. ``context["kindergarten"]`` (optional) is the kindergarten being changed.
    """

    name = serializers.CharField(max_length=100, error_messages={"blank": "园所名称不能为空。"})
    credit_code = serializers.CharField(max_length=30, allow_blank=True, trim_whitespace=True)
    licence_number = serializers.CharField(max_length=50, allow_blank=True)
    licence_valid_until = serializers.DateField(allow_null=True)
    address = serializers.CharField(max_length=200, allow_blank=True)
    township = ScopedPrimaryKeyRelatedField(scope=townships_visible_to, model_queryset=Township.objects.none())
    collaboration_group = ScopedPrimaryKeyRelatedField(
        scope=groups_visible_to, model_queryset=CollaborationGroup.objects.none(), allow_null=True
    )
    sponsor = serializers.ChoiceField(choices=Sponsor.choices, allow_blank=True)
    sponsor_name = serializers.CharField(max_length=100, allow_blank=True)
    nature = serializers.ChoiceField(choices=Nature.choices)
    inclusive_recognised_on = serializers.DateField(allow_null=True)
    status = serializers.ChoiceField(choices=Status.choices)
    schedule = serializers.ChoiceField(choices=Schedule.choices)
    level = ScopedPrimaryKeyRelatedField(scope=levels_visible_to, model_queryset=Level.objects.none(), allow_null=True)
    capacity = serializers.IntegerField(min_value=0, max_value=2_147_483_647)
    fee_monthly = serializers.DecimalField(max_digits=8, decimal_places=2, min_value=0, allow_null=True)
    fee_government_guided = serializers.BooleanField()
    principal_name = serializers.CharField(max_length=50, allow_blank=True)
    principal_since = serializers.DateField(allow_null=True)
    has_parent_committee = serializers.BooleanField()
    legal_vice_principal = serializers.CharField(max_length=50, allow_blank=True)
    medical_partner = serializers.CharField(max_length=100, allow_blank=True)
    party_organisation = serializers.ChoiceField(choices=PartyOrganisation.choices, allow_blank=True)
    credit_rating = ScopedPrimaryKeyRelatedField(
        scope=credit_grades_visible_to,
        model_queryset=CreditGrade.objects.none(),
        allow_null=True,
        # Unknown ids and other districts' grades read alike: a body cannot probe what exists elsewhere.
        error_messages={"does_not_exist": OTHER_DISTRICT_GRADE},
        help_text="本区县信用等级的编号（见信用等级设置）；null 为未评定",
    )

    def validate_credit_rating(self, value: CreditGrade | None) -> CreditGrade | None:
        # The kindergarten's own district's grades only (the city viewer sees every district's);
        # a retired grade may stay on a kindergarten that has it, but is not given anew.
        kindergarten = self.context.get("kindergarten")
        if value is None or kindergarten is None:
            return value
        if value.district_id != kindergarten.district_id:
            raise serializers.ValidationError(OTHER_DISTRICT_GRADE)
        if not value.is_active and value.pk != kindergarten.credit_rating_id:
            raise serializers.ValidationError("该信用等级已停用，不能再选用。")
        return value

    def validate_level(self, value: Level | None) -> Level | None:
        # A retired level may stay on a kindergarten that has it, but is not given anew.
        kindergarten = self.context.get("kindergarten")
        current = kindergarten.level_id if kindergarten is not None else None
        if value is not None and not value.is_active and value.pk != current:
            raise serializers.ValidationError("该等级已停用，不能再选用。")
        return value


class KindergartenUpdateSerializer(KindergartenRecordFieldsSerializer):
    """Input of PUT (every record field) and PATCH (any of them)."""

    effective_date = serializers.DateField(
        required=False,
        help_text="办园状态或性质变动的生效日期，默认今天；可填过去的日期补登，将来的日期到期生效。",
    )


class StatusChangeSerializer(serializers.Serializer):
    """One dated status or nature change (KindergartenStatusChange)."""

    id = serializers.IntegerField(read_only=True)
    attribute = serializers.ChoiceField(choices=KindergartenStatusChange.Attribute.choices, read_only=True)
    attribute_label = serializers.CharField(source="get_attribute_display", read_only=True)
    value = serializers.CharField(read_only=True)
    value_label = serializers.CharField(read_only=True)
    effective_date = serializers.DateField(read_only=True)
    recorded_at = BeijingDateTimeField()
    recorded_by = serializers.SerializerMethodField()
    note = serializers.CharField(read_only=True)

    def get_recorded_by(self, obj: KindergartenStatusChange) -> str | None:
        return _person(obj.recorded_by)


# --- classes --------------------------------------------------------------------------


class ClassSerializer(serializers.Serializer):
    """A class with its size limit (幼儿园工作规程 art. 11). The view sets ``size_limit``/``compliant``."""

    id = serializers.IntegerField(read_only=True)
    kindergarten = BriefSerializer(read_only=True)
    name = serializers.CharField(read_only=True)
    class_type = serializers.ChoiceField(choices=ClassType.choices, read_only=True)
    class_type_label = serializers.CharField(source="get_class_type_display", read_only=True)
    children = serializers.IntegerField(read_only=True)
    is_active = serializers.BooleanField(read_only=True)
    size_limit = serializers.IntegerField(read_only=True, help_text="班额上限（寄宿制更小）")
    compliant = serializers.BooleanField(read_only=True, help_text="在班幼儿数不超过班额上限")


class ClassInputSerializer(serializers.Serializer):
    """Input of POST (every field) and PATCH (any field) of a class."""

    name = serializers.CharField(max_length=50, error_messages={"blank": "班级名称不能为空。"})
    class_type = serializers.ChoiceField(choices=ClassType.choices)
    children = serializers.IntegerField(min_value=0, max_value=2_147_483_647)


# --- change filings (变更备案) ----------------------------------------------------------


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": {},
        "description": "字段名 → 申请变更为的值（与幼儿园接口的字段和取值格式相同）",
        "example": {"capacity": 320, "principal_name": "王丽", "principal_since": "2026-03-01"},
    }
)
class ProposedField(serializers.DictField):
    """``{"field": value}``: the values a filing proposes, in the record's JSON form."""


class FilingDiffRowSerializer(serializers.Serializer):
    """One filed field, its values as people read them (choice labels, township names, 是/否, "—" for empty)."""

    field = serializers.CharField(read_only=True)
    label = serializers.CharField(read_only=True)
    old = serializers.CharField(read_only=True, help_text="提交时档案中的值")
    new = serializers.CharField(read_only=True, help_text="申请变更为的值")
    current = serializers.CharField(read_only=True, help_text="档案当前的值")
    changed_since = serializers.BooleanField(read_only=True, help_text="提交后档案中该项已被他人修改")


class FilingEventSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    action = serializers.ChoiceField(choices=ChangeFilingEvent.Action.choices, read_only=True)
    action_label = serializers.CharField(source="get_action_display", read_only=True)
    actor = serializers.SerializerMethodField()
    at = BeijingDateTimeField()
    reason = serializers.CharField(read_only=True)
    proposed = ProposedField(read_only=True)

    def get_actor(self, obj: ChangeFilingEvent) -> str | None:
        return _person(obj.actor)


class FilingSerializer(serializers.Serializer):
    """A change filing as a list shows it. The view select_related()s the people."""

    id = serializers.IntegerField(read_only=True)
    kindergarten = BriefSerializer(read_only=True)
    state = serializers.ChoiceField(choices=ChangeFiling.State.choices, read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    proposed = ProposedField(read_only=True)
    original = ProposedField(read_only=True, help_text="提交时档案中这些项目的值")
    effective_date = serializers.DateField(read_only=True)
    explanation = serializers.CharField(read_only=True)
    late_principal_change = serializers.BooleanField(read_only=True)
    filed_by = serializers.SerializerMethodField()
    filed_at = BeijingDateTimeField()
    submitted_at = BeijingDateTimeField()
    decided_by = serializers.SerializerMethodField()
    decided_at = BeijingDateTimeField(allow_null=True)
    return_reason = serializers.CharField(read_only=True)

    def get_filed_by(self, obj: ChangeFiling) -> str:
        return obj.filed_by.display_name

    def get_decided_by(self, obj: ChangeFiling) -> str | None:
        return _person(obj.decided_by)


class FilingDetailSerializer(FilingSerializer):
    """One filing with its field-by-field comparison and its timeline.

    The view sets ``diff`` (the ``filing_diff`` selector) and prefetches ``events`` with their actors.
    """

    diff = FilingDiffRowSerializer(many=True, read_only=True)
    events = FilingEventSerializer(many=True, read_only=True)


class FilingInputSerializer(serializers.Serializer):
    """What a director files, or revises after a return: proposed values, date, explanation.

    ``proposed`` comes back as the Python values the filing services take: each value is read
    like the same field of PUT /kindergartens/{id}/ (a township id only inside the caller's
    scope, dates as YYYY-MM-DD, fees as decimals), errors keyed by field.
    ``context["kindergarten"]`` is the kindergarten the filing is for.
    """

    proposed = ProposedField()
    effective_date = serializers.DateField()
    explanation = serializers.CharField(max_length=500, allow_blank=True, required=False, default="")

    def validate_proposed(self, value: dict) -> dict:
        if not value:
            raise serializers.ValidationError("请至少填写一项变更内容。")
        errors = {name: ["该项目不能通过变更备案修改。"] for name in value if name not in FILING_FIELDS}
        if errors:
            raise serializers.ValidationError(errors)
        values = KindergartenRecordFieldsSerializer(data=value, partial=True, context=self.context)
        if not values.is_valid():
            raise serializers.ValidationError(values.errors)
        return dict(values.validated_data)


class FilingCreateSerializer(FilingInputSerializer):
    kindergarten = ScopedPrimaryKeyRelatedField(
        scope=kindergartens_visible_to, model_queryset=Kindergarten.objects.none()
    )


class FilingReturnSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=500, error_messages={"required": "退回时必须填写理由。", "blank": "退回时必须填写理由。"}
    )


# --- audit trail ----------------------------------------------------------------------


class AuditChangeSerializer(serializers.Serializer):
    """One changed field as a person reads it, with the stored values for programs."""

    field = serializers.CharField(source="label", read_only=True, help_text="字段名称，如“办园性质”")
    old = serializers.CharField(read_only=True, help_text="修改前（名称、中文含义或北京时间）")
    new = serializers.CharField(read_only=True, help_text="修改后（名称、中文含义或北京时间）")
    name = serializers.CharField(read_only=True, help_text="字段代码（程序用）")
    old_value = serializers.JSONField(read_only=True, help_text="修改前的存储值（程序用：编号、代码、UTC 时间）")
    new_value = serializers.JSONField(read_only=True, help_text="修改后的存储值（程序用）")


class AuditEntrySerializer(serializers.Serializer):
    """An audit entry as core.history renders it: pass ``core.history.entry_views(entries)``."""

    id = serializers.IntegerField(source="entry.id", read_only=True)
    at = serializers.SerializerMethodField(help_text="北京时间，ISO 8601（程序用）")
    at_display = serializers.CharField(source="at_text", read_only=True, help_text="北京时间，如 2025-03-15 08:00:05")
    actor = serializers.CharField(read_only=True, help_text="操作人姓名；无操作人时为“系统”")
    actor_label = serializers.CharField(source="entry.actor_label", read_only=True, help_text="操作人账号（程序用）")
    action = serializers.ChoiceField(source="entry.action", choices=AuditEntry.Action.choices, read_only=True)
    action_label = serializers.CharField(read_only=True)
    source = serializers.ChoiceField(source="entry.source", choices=AuditEntry.Source.choices, read_only=True)
    source_label = serializers.CharField(read_only=True)
    model_label = serializers.CharField(read_only=True, help_text="记录类型，如“幼儿园”“班级”")
    object_label = serializers.CharField(read_only=True, help_text="记录名称（修改时的名称）")
    changes = AuditChangeSerializer(many=True, read_only=True)
    request_id = serializers.CharField(source="entry.request_id", read_only=True)

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_at(self, view) -> str:
        return view.at.isoformat()
