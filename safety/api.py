"""Safety API: incidents (report, timeline entries, forwarding), monthly zero reports and hazards.
Reads are scoped by safety.access (the same querysets as the pages); writes go through the same
services. Nothing is changed or deleted: there is no PUT, PATCH or DELETE anywhere here."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from core.access import account_has_scope, require
from core.api import API_PERMISSIONS, BriefSerializer, ChoiceLabelField, DetailSerializer, ScopedPrimaryKeyRelatedField
from kindergartens.access import kindergarten_get_for_user, kindergartens_visible_to
from kindergartens.models import Kindergarten
from safety.access import (
    draft_get_for_user,
    drafts_visible_to,
    hazard_get_for_user,
    hazards_visible_to,
    incident_get_for_user,
    incidents_visible_to,
    safety_can,
    zero_reports_visible_to,
)
from safety.models import (
    KINDERGARTEN_ENTRY_CHOICES,
    Drill,
    DrillKind,
    EntryKind,
    FacilityRecord,
    Grade,
    Hazard,
    HazardCategory,
    HazardSource,
    Incident,
    IncidentEntry,
    IncidentKind,
    LetterLevel,
    ResponsibilityLetter,
    SchoolBus,
    VideoCheck,
)
from safety.selectors import incident_list
from safety.services import (
    bus_add,
    bus_inspect,
    bus_retire,
    draft_save,
    draft_submit,
    drill_record,
    facility_record_change,
    hazard_issue_order,
    hazard_record,
    incident_add_entry,
    incident_forward,
    incident_report,
    letter_record,
    video_check_record,
    zero_report_confirm,
)

ERRORS = {400: DetailSerializer, 403: DetailSerializer, 404: DetailSerializer}


class EntrySerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    kind = serializers.CharField(read_only=True)
    kind_label = ChoiceLabelField(EntryKind, source="kind")
    at = serializers.DateTimeField(read_only=True)
    author = serializers.CharField(read_only=True, source="author.username")
    text = serializers.CharField(read_only=True)
    corrects = serializers.IntegerField(read_only=True, source="corrects_id")
    grade_stated = serializers.CharField(read_only=True)
    kind_stated = serializers.CharField(read_only=True)
    children_stated = serializers.IntegerField(read_only=True)
    staff_stated = serializers.IntegerField(read_only=True)


class IncidentSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    number = serializers.CharField(read_only=True)
    kindergarten = BriefSerializer(read_only=True)
    kind = serializers.CharField(read_only=True)
    kind_label = ChoiceLabelField(IncidentKind, source="kind")
    grade = serializers.CharField(read_only=True)
    grade_label = ChoiceLabelField(Grade, source="grade")
    occurred_at = serializers.DateTimeField(read_only=True)
    reported_at = serializers.DateTimeField(read_only=True)
    late = serializers.BooleanField(read_only=True)
    initial_deadline = serializers.DateTimeField(read_only=True)
    written_deadline = serializers.DateTimeField(read_only=True)
    health_deadline = serializers.DateTimeField(read_only=True)
    children_affected = serializers.IntegerField(read_only=True)
    staff_affected = serializers.IntegerField(read_only=True)
    written_at = serializers.DateTimeField(read_only=True)
    health_reported_at = serializers.DateTimeField(read_only=True)
    final_at = serializers.DateTimeField(read_only=True)
    forwarded_city_at = serializers.DateTimeField(read_only=True)
    forwarded_government_at = serializers.DateTimeField(read_only=True)


class IncidentDetailSerializer(IncidentSerializer):
    entries = EntrySerializer(many=True, read_only=True, source="entries_list")


class IncidentReportSerializer(serializers.Serializer):
    occurred_at = serializers.DateTimeField()
    kind = serializers.ChoiceField(choices=IncidentKind.choices)
    grade = serializers.ChoiceField(choices=Grade.choices)
    children_affected = serializers.IntegerField(min_value=0, max_value=100000)
    staff_affected = serializers.IntegerField(min_value=0, max_value=100000)
    text = serializers.CharField(max_length=5000)
    written = serializers.BooleanField(default=False)


class EntryAddSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=KINDERGARTEN_ENTRY_CHOICES)
    text = serializers.CharField(max_length=5000)
    corrects = serializers.IntegerField(required=False, allow_null=True, default=None)
    grade = serializers.ChoiceField(choices=Grade.choices, required=False, default="")
    kind_stated = serializers.ChoiceField(choices=IncidentKind.choices, required=False, default="")
    children_affected = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=0)
    staff_affected = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=0)


class ForwardSerializer(serializers.Serializer):
    to = serializers.ChoiceField(
        choices=[("city", "市教育局"), ("government", "区县政府"), ("health", "卫生健康部门")],
        help_text="health：仅疾病、食物中毒、传染病等公共卫生事件",
    )
    note = serializers.CharField(max_length=2000, required=False, default="", allow_blank=True)


def _incident_response(incident: Incident, code=status.HTTP_200_OK) -> Response:
    incident.entries_list = list(incident.entries.select_related("author").order_by("at", "id"))
    return Response(IncidentDetailSerializer(incident).data, status=code)


class IncidentViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Incidents in the caller's scope; filters ``grade``, ``kind``, ``show=late|open``."""

    permission_classes = API_PERMISSIONS
    serializer_class = IncidentSerializer

    def get_queryset(self):
        params = self.request.query_params
        return incident_list(
            incidents_visible_to(self.request.user),
            grade=params.get("grade", ""),
            kind=params.get("kind", ""),
            show=params.get("show", ""),
        )

    def page_loader(self):
        return lambda ids: Incident.objects.filter(pk__in=ids).select_related("kindergarten")

    def list(self, request, *args, **kwargs):
        require(safety_can(request.user, "view"))
        return super().list(request, *args, **kwargs)

    @extend_schema(responses={200: IncidentDetailSerializer, **ERRORS})
    def retrieve(self, request, pk=None):
        return _incident_response(incident_get_for_user(request.user, pk))

    @extend_schema(
        summary="报告安全事故（首报）",
        request=IncidentReportSerializer,
        responses={201: IncidentDetailSerializer, **ERRORS},
    )
    def create(self, request):
        require(
            safety_can(request.user, "report") and bool(request.user.kindergarten_id),
            "只有幼儿园园长可以提交事故报告；工作人员请保存草稿（safety/incident-drafts/），由园长提交。",
        )
        kindergarten = kindergarten_get_for_user(request.user, request.user.kindergarten_id)
        form = IncidentReportSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        incident = incident_report(actor=request.user, kindergarten=kindergarten, **form.validated_data)
        return _incident_response(incident, status.HTTP_201_CREATED)

    @extend_schema(
        summary="续报、终报、书面报告或更正（只增不改）",
        request=EntryAddSerializer,
        responses={201: IncidentDetailSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def entries(self, request, pk=None):
        incident = incident_get_for_user(request.user, pk, action="add_entry")
        form = EntryAddSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        corrects_id = data.pop("corrects")
        corrects = None
        if corrects_id is not None:
            corrects = IncidentEntry.objects.filter(incident=incident, pk=corrects_id).first()
            if corrects is None:
                raise serializers.ValidationError({"corrects": ["只能更正本事故中的记录。"]})
        incident_add_entry(actor=request.user, incident=incident, corrects=corrects, **data)
        return _incident_response(incident, status.HTTP_201_CREATED)

    @extend_schema(
        summary="记录已上报市教育局、区县政府或卫生健康部门",
        request=ForwardSerializer,
        responses={200: IncidentDetailSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def forward(self, request, pk=None):
        incident = incident_get_for_user(request.user, pk, action="forward")
        form = ForwardSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        incident_forward(actor=request.user, incident=incident, **form.validated_data)
        return _incident_response(incident)


# --- drafts ------------------------------------------------------------------------------------------


class DraftSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    drafted_by = serializers.CharField(read_only=True, source="drafted_by.display_name")
    saved_at = serializers.DateTimeField(read_only=True)
    occurred_at = serializers.DateTimeField(allow_null=True, required=False, default=None)
    kind = serializers.ChoiceField(choices=IncidentKind.choices, allow_blank=True, required=False, default="")
    grade = serializers.ChoiceField(choices=Grade.choices, allow_blank=True, required=False, default="")
    children_affected = serializers.IntegerField(
        min_value=0, max_value=100000, allow_null=True, required=False, default=None
    )
    staff_affected = serializers.IntegerField(
        min_value=0, max_value=100000, allow_null=True, required=False, default=None
    )
    text = serializers.CharField(max_length=5000, allow_blank=True, required=False, default="")
    written = serializers.BooleanField(required=False, default=False)


class DraftViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The kindergarten's unsubmitted incident report drafts (its own accounts only; others: 404).
    A draft is not an incident: nobody is told, no deadline runs, until the director submits it."""

    permission_classes = API_PERMISSIONS
    serializer_class = DraftSerializer

    def get_queryset(self):
        return drafts_visible_to(self.request.user).select_related("drafted_by").order_by("-saved_at", "-id")

    def list(self, request, *args, **kwargs):
        require(safety_can(request.user, "view"))
        return super().list(request, *args, **kwargs)

    @extend_schema(responses={200: DraftSerializer, **ERRORS})
    def retrieve(self, request, pk=None):
        return Response(DraftSerializer(draft_get_for_user(request.user, pk)).data)

    @extend_schema(summary="保存事故报告草稿", request=DraftSerializer, responses={201: DraftSerializer, **ERRORS})
    def create(self, request):
        user = request.user
        require(safety_can(user, "draft") and bool(user.kindergarten_id), "只有幼儿园园长或工作人员可以起草事故报告。")
        kindergarten = kindergarten_get_for_user(user, user.kindergarten_id)
        form = DraftSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        draft = draft_save(actor=user, kindergarten=kindergarten, **form.validated_data)
        return Response(DraftSerializer(draft).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="园长提交草稿（即首报，报告时间为提交时间）",
        request=None,
        responses={201: IncidentDetailSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        draft = draft_get_for_user(request.user, pk)
        require(safety_can(request.user, "report"), "只有园长可以提交事故报告。")
        incident = draft_submit(actor=request.user, draft=draft)
        return _incident_response(incident, status.HTTP_201_CREATED)


# --- zero reports --------------------------------------------------------------------------------------


class ZeroReportSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    kindergarten = BriefSerializer(read_only=True)
    month = serializers.DateField(read_only=True)
    confirmed_at = serializers.DateTimeField(read_only=True)


class ZeroReportConfirmSerializer(serializers.Serializer):
    month = serializers.DateField(help_text="该月任意一天，如 2026-02-01")


class ZeroReportViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    permission_classes = API_PERMISSIONS
    serializer_class = ZeroReportSerializer

    def get_queryset(self):
        return zero_reports_visible_to(self.request.user).select_related("kindergarten").order_by("-month", "id")

    def list(self, request, *args, **kwargs):
        require(safety_can(request.user, "view"))
        return super().list(request, *args, **kwargs)

    @extend_schema(
        summary="确认本月无安全事故（零报告）",
        request=ZeroReportConfirmSerializer,
        responses={201: ZeroReportSerializer, **ERRORS},
    )
    def create(self, request):
        require(
            safety_can(request.user, "zero_report") and bool(request.user.kindergarten_id), "只有园长可以确认零报告。"
        )
        kindergarten = kindergarten_get_for_user(request.user, request.user.kindergarten_id)
        form = ZeroReportConfirmSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        report = zero_report_confirm(actor=request.user, kindergarten=kindergarten, month=form.validated_data["month"])
        return Response(ZeroReportSerializer(report).data, status=status.HTTP_201_CREATED)


# --- hazards -------------------------------------------------------------------------------------------


class HazardSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    kindergarten = BriefSerializer(read_only=True)
    category = serializers.CharField(read_only=True)
    category_label = ChoiceLabelField(HazardCategory, source="category")
    source = serializers.CharField(read_only=True)
    source_label = ChoiceLabelField(HazardSource, source="source")
    found_on = serializers.DateField(read_only=True)
    description = serializers.CharField(read_only=True)
    recorded_at = serializers.DateTimeField(read_only=True)
    order = serializers.IntegerField(read_only=True, source="order_id")


def _severities():
    from supervision.models import Severity

    return Severity.choices


class HazardRecordSerializer(serializers.Serializer):
    kindergarten = ScopedPrimaryKeyRelatedField(
        scope=kindergartens_visible_to, model_queryset=Kindergarten.objects.none()
    )
    category = serializers.ChoiceField(choices=HazardCategory.choices)
    source = serializers.ChoiceField(choices=HazardSource.choices)
    found_on = serializers.DateField()
    description = serializers.CharField(max_length=5000)
    severity = serializers.ChoiceField(choices=_severities(), required=False, default="")


class HazardIssueSerializer(serializers.Serializer):
    severity = serializers.ChoiceField(choices=_severities())


class HazardViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    permission_classes = API_PERMISSIONS
    serializer_class = HazardSerializer

    def get_queryset(self):
        return hazards_visible_to(self.request.user).order_by("-found_on", "-id")

    def page_loader(self):
        return lambda ids: Hazard.objects.filter(pk__in=ids).select_related("kindergarten")

    def list(self, request, *args, **kwargs):
        require(safety_can(request.user, "view"))
        return super().list(request, *args, **kwargs)

    @extend_schema(responses={200: HazardSerializer, **ERRORS})
    def retrieve(self, request, pk=None):
        return Response(HazardSerializer(hazard_get_for_user(request.user, pk)).data)

    @extend_schema(
        summary="登记安全隐患（督学、教育局登记时同时下达整改通知）",
        request=HazardRecordSerializer,
        responses={201: HazardSerializer, **ERRORS},
    )
    def create(self, request):
        require(safety_can(request.user, "hazard_record"), "您不能登记安全隐患。")
        form = HazardRecordSerializer(data=request.data, context={"request": request})
        form.is_valid(raise_exception=True)
        hazard = hazard_record(actor=request.user, **form.validated_data)
        return Response(HazardSerializer(hazard).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="对隐患下达整改通知", request=HazardIssueSerializer, responses={200: HazardSerializer, **ERRORS}
    )
    @action(detail=True, methods=["post"])
    def issue(self, request, pk=None):
        hazard = hazard_get_for_user(request.user, pk, action="hazard_issue")
        form = HazardIssueSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        hazard_issue_order(actor=request.user, hazard=hazard, severity=form.validated_data["severity"])
        return Response(HazardSerializer(hazard).data)


# --- facilities and duties ------------------------------------------------------------------------------


def _kindergarten_field():
    return ScopedPrimaryKeyRelatedField(scope=kindergartens_visible_to, model_queryset=Kindergarten.objects.none())


class FacilityRecordSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    kindergarten = BriefSerializer(read_only=True)
    effective_on = serializers.DateField(read_only=True)
    video_public_areas = serializers.BooleanField(read_only=True)
    video_retention_days = serializers.IntegerField(read_only=True)
    video_networked = serializers.BooleanField(read_only=True)
    video_person = serializers.CharField(read_only=True)
    alarm_linked = serializers.BooleanField(read_only=True)
    full_time_guards = serializers.IntegerField(read_only=True)
    closed_campus = serializers.BooleanField(read_only=True)
    guard_post = serializers.BooleanField(read_only=True)
    four_full = serializers.BooleanField(read_only=True)
    clinic = serializers.BooleanField(read_only=True)
    medical_pairing = serializers.CharField(read_only=True)
    safety_officer = serializers.CharField(read_only=True)
    safety_officer_trained = serializers.BooleanField(read_only=True)
    safety_officer_certified = serializers.BooleanField(read_only=True)
    note = serializers.CharField(read_only=True)
    recorded_at = serializers.DateTimeField(read_only=True)


class FacilityChangeSerializer(serializers.Serializer):
    kindergarten = _kindergarten_field()
    effective_on = serializers.DateField()
    video_public_areas = serializers.BooleanField(default=False)
    video_retention_days = serializers.IntegerField(min_value=0, max_value=3650)
    video_networked = serializers.BooleanField(default=False)
    video_person = serializers.CharField(max_length=50, required=False, default="", allow_blank=True)
    alarm_linked = serializers.BooleanField(default=False)
    full_time_guards = serializers.IntegerField(min_value=0, max_value=1000)
    closed_campus = serializers.BooleanField(default=False)
    guard_post = serializers.BooleanField(default=False)
    clinic = serializers.BooleanField(default=False)
    medical_pairing = serializers.CharField(max_length=100, required=False, default="", allow_blank=True)
    safety_officer = serializers.CharField(max_length=50, required=False, default="", allow_blank=True)
    safety_officer_trained = serializers.BooleanField(default=False)
    safety_officer_certified = serializers.BooleanField(default=False)
    note = serializers.CharField(max_length=500, required=False, default="", allow_blank=True)


class BusSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    kindergarten = BriefSerializer(read_only=True)
    plate = serializers.CharField(read_only=True)
    seats = serializers.IntegerField(read_only=True)
    inspected_on = serializers.DateField(read_only=True)
    valid_until = serializers.DateField(read_only=True)
    retired_on = serializers.DateField(read_only=True)


class BusAddSerializer(serializers.Serializer):
    kindergarten = _kindergarten_field()
    plate = serializers.CharField(max_length=20)
    seats = serializers.IntegerField(min_value=1, max_value=100)
    inspected_on = serializers.DateField(required=False, allow_null=True, default=None)
    valid_until = serializers.DateField(required=False, allow_null=True, default=None)


class BusInspectSerializer(serializers.Serializer):
    inspected_on = serializers.DateField()
    valid_until = serializers.DateField()


class BusRetireSerializer(serializers.Serializer):
    retired_on = serializers.DateField(label="停用日期")


class VideoCheckSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    kindergarten = BriefSerializer(read_only=True)
    month = serializers.DateField(read_only=True)
    cameras_total = serializers.IntegerField(read_only=True)
    cameras_working = serializers.IntegerField(read_only=True)
    retention_days = serializers.IntegerField(read_only=True)
    retention_verified = serializers.BooleanField(read_only=True)
    faults = serializers.CharField(read_only=True)
    checked_at = serializers.DateTimeField(read_only=True)


class VideoCheckAddSerializer(serializers.Serializer):
    kindergarten = _kindergarten_field()
    month = serializers.DateField(help_text="该月任意一天")
    cameras_total = serializers.IntegerField(min_value=0)
    cameras_working = serializers.IntegerField(min_value=0)
    retention_days = serializers.IntegerField(min_value=0)
    retention_verified = serializers.BooleanField(default=False)
    faults = serializers.CharField(max_length=5000, required=False, default="", allow_blank=True)


class LetterSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    kindergarten = BriefSerializer(read_only=True)
    level = serializers.CharField(read_only=True)
    level_label = ChoiceLabelField(LetterLevel, source="level")
    year = serializers.IntegerField(read_only=True)
    parties = serializers.CharField(read_only=True)
    signed_on = serializers.DateField(read_only=True)
    file = serializers.IntegerField(read_only=True, source="file_id")


class LetterAddSerializer(serializers.Serializer):
    kindergarten = _kindergarten_field()
    level = serializers.ChoiceField(choices=LetterLevel.choices)
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    parties = serializers.CharField(max_length=200)
    signed_on = serializers.DateField()
    file = serializers.FileField(help_text="签字文件：照片（JPEG/PNG）或 PDF")


class DrillSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    kindergarten = BriefSerializer(read_only=True)
    held_on = serializers.DateField(read_only=True)
    kind = serializers.CharField(read_only=True)
    kind_label = ChoiceLabelField(DrillKind, source="kind")
    participants = serializers.IntegerField(read_only=True)
    notes = serializers.CharField(read_only=True)


class DrillAddSerializer(serializers.Serializer):
    kindergarten = _kindergarten_field()
    held_on = serializers.DateField()
    kind = serializers.ChoiceField(choices=DrillKind.choices)
    participants = serializers.IntegerField(min_value=0)
    notes = serializers.CharField(max_length=5000, required=False, default="", allow_blank=True)
    files = serializers.ListField(
        child=serializers.FileField(), required=False, default=list, help_text="照片（JPEG/PNG），可多张"
    )


class _KeptList(mixins.ListModelMixin, viewsets.GenericViewSet):
    """A list of one kind of kindergarten safety record in the caller's scope; POST records one
    through its service (the kindergarten's own accounts and the district bureau)."""

    permission_classes = API_PERMISSIONS
    model = None
    ordering: tuple[str, ...] = ()
    add_serializer = None
    service = None

    def get_queryset(self):
        from safety.access import _kg_scope

        if not account_has_scope(self.request.user):
            return self.model.objects.none()
        return self.model.objects.filter(kindergarten_id__in=_kg_scope(self.request.user)).order_by(*self.ordering)

    def page_loader(self):
        return lambda ids: self.model.objects.filter(pk__in=ids).select_related("kindergarten")

    def list(self, request, *args, **kwargs):
        require(safety_can(request.user, "view"))
        return super().list(request, *args, **kwargs)

    def _add(self, request):
        require(safety_can(request.user, "facility_record"), "您不能登记安全设施、检查或演练。")
        form = self.add_serializer(data=request.data, context={"request": request})
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        if "file" in data:  # one signed file; the service checks its content like the page does
            data["files"] = [data.pop("file")]
        obj = type(self).service(actor=request.user, **data)
        return Response(self.serializer_class(obj).data, status=status.HTTP_201_CREATED)


class FacilityRecordViewSet(_KeptList):
    serializer_class = FacilityRecordSerializer
    model = FacilityRecord
    ordering = ("kindergarten_id", "-effective_on", "-id")
    add_serializer = FacilityChangeSerializer
    service = facility_record_change

    @extend_schema(
        summary="登记安全设施与人员的变化（按生效日期）",
        request=FacilityChangeSerializer,
        responses={201: FacilityRecordSerializer, **ERRORS},
    )
    def create(self, request):
        return self._add(request)


class BusViewSet(_KeptList):
    serializer_class = BusSerializer
    model = SchoolBus
    ordering = ("kindergarten_id", "plate", "id")
    add_serializer = BusAddSerializer
    service = bus_add

    @extend_schema(summary="登记校车", request=BusAddSerializer, responses={201: BusSerializer, **ERRORS})
    def create(self, request):
        return self._add(request)

    @extend_schema(summary="登记校车检验", request=BusInspectSerializer, responses={200: BusSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def inspection(self, request, pk=None):
        from safety.access import bus_get_for_user

        bus = bus_get_for_user(request.user, pk)
        form = BusInspectSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        bus_inspect(actor=request.user, bus=bus, **form.validated_data)
        return Response(BusSerializer(bus).data)

    @extend_schema(
        summary="停用校车",
        description="自停用日期起不再计入校车检验率；记录保留。只能停用一次，日期不晚于今天。",
        request=BusRetireSerializer,
        responses={200: BusSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def retire(self, request, pk=None):
        from safety.access import bus_get_for_user

        bus = bus_get_for_user(request.user, pk)
        form = BusRetireSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        return Response(BusSerializer(bus_retire(actor=request.user, bus=bus, **form.validated_data)).data)


class VideoCheckViewSet(_KeptList):
    serializer_class = VideoCheckSerializer
    model = VideoCheck
    ordering = ("-month", "kindergarten_id", "id")
    add_serializer = VideoCheckAddSerializer
    service = video_check_record

    @extend_schema(
        summary="登记视频监控月度检查", request=VideoCheckAddSerializer, responses={201: VideoCheckSerializer, **ERRORS}
    )
    def create(self, request):
        return self._add(request)


class LetterViewSet(_KeptList):
    """Letters with their signed file (multipart/form-data; the file is checked like the page's)."""

    serializer_class = LetterSerializer
    model = ResponsibilityLetter
    ordering = ("-year", "kindergarten_id", "id")
    add_serializer = LetterAddSerializer
    service = letter_record
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        summary="登记安全责任书（multipart/form-data，file 为签字文件）",
        request={"multipart/form-data": LetterAddSerializer},
        responses={201: LetterSerializer, **ERRORS},
    )
    def create(self, request):
        return self._add(request)


class DrillViewSet(_KeptList):
    serializer_class = DrillSerializer
    model = Drill
    ordering = ("-held_on", "-id")
    add_serializer = DrillAddSerializer
    service = drill_record
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(
        summary="登记安全演练（multipart/form-data 时 files 为照片，可多张；也接受 JSON）",
        request={"multipart/form-data": DrillAddSerializer, "application/json": DrillAddSerializer},
        responses={201: DrillSerializer, **ERRORS},
    )
    def create(self, request):
        return self._add(request)


class RateSerializer(serializers.Serializer):
    district = serializers.CharField()
    kindergartens = serializers.IntegerField()
    four = serializers.FloatField(allow_null=True, help_text="4 个 100% 全部达标的比例（%）")
    guards = serializers.FloatField(allow_null=True)
    alarm = serializers.FloatField(allow_null=True)
    closed = serializers.FloatField(allow_null=True)
    guard_post = serializers.FloatField(allow_null=True)
    footage30 = serializers.FloatField(allow_null=True)
    networked = serializers.FloatField(allow_null=True)
    certified = serializers.FloatField(allow_null=True)
    buses = serializers.IntegerField()
    buses_inspected = serializers.FloatField(allow_null=True)
    video_checked = serializers.FloatField(allow_null=True)
    video_verified = serializers.FloatField(allow_null=True)
    last_month = serializers.DateField()


class RatesView(APIView):
    """Per-district facility rates today (the overview page's table)."""

    permission_classes = API_PERMISSIONS

    @extend_schema(summary="各区县安全设施达标率", responses={200: RateSerializer(many=True), **ERRORS})
    def get(self, request):
        from kindergartens.services import today
        from safety.selectors import facility_rates

        require(safety_can(request.user, "overview"), "安全设施统计仅供教育局和责任督学查看。")
        rows = facility_rates(kindergartens_visible_to(request.user), on=today())
        return Response(RateSerializer(rows, many=True).data)
