"""API for monthly reports: report types, submissions with their state changes, consolidated (district)
reports. Scoped exactly like the pages (reports.access); every write goes through reports.services;
nothing is deleted or edited in place by PUT/PATCH (the actions move a submission)."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from django.db.models.query import prefetch_related_objects
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.access import require
from core.api import API_PERMISSIONS, DetailSerializer
from reports.access import (
    can,
    report_type_get_for_user,
    report_type_manage_get,
    report_types_visible_to,
    submission_get_for_user,
    submissions_visible_to,
)
from reports.models import Period, ReportType, Submission, SubmissionEvent, SubmitterLevel
from reports.services import (
    report_type_create,
    report_type_update,
    report_type_version,
    submission_approve,
    submission_reopen,
    submission_return,
    submission_save,
    submission_submit,
)

ERRORS = {403: DetailSerializer, 404: DetailSerializer}
WRITE_ERRORS = {400: DetailSerializer, **ERRORS}


class ReportTypeSerializer(serializers.ModelSerializer):
    period_label = serializers.CharField(source="get_period_display", read_only=True)
    submitter_level_label = serializers.CharField(source="get_submitter_level_display", read_only=True)
    version = serializers.SerializerMethodField()
    content = serializers.SerializerMethodField()

    class Meta:
        model = ReportType
        fields = [
            *("id", "code", "name", "due_day", "period", "period_label", "submitter_level"),
            *("submitter_level_label", "grace_days", "version", "content"),
        ]

    def _version(self, obj):
        cache = self.context.setdefault("versions", {})
        if obj.pk not in cache:
            cache[obj.pk] = report_type_version(obj)
        return cache[obj.pk]

    def get_version(self, obj) -> int:
        return self._version(obj).number

    def get_content(self, obj) -> dict:
        return self._version(obj).content


class EventSerializer(serializers.ModelSerializer):
    action_label = serializers.CharField(source="get_action_display", read_only=True)
    actor = serializers.CharField(source="actor.display_name", default=None, read_only=True)

    class Meta:
        model = SubmissionEvent
        fields = ["action", "action_label", "from_state", "to_state", "at", "actor", "note"]


class SubmissionSerializer(serializers.ModelSerializer):
    report_type = serializers.CharField(source="report_type.code", read_only=True)
    report_type_name = serializers.CharField(source="report_type.name", read_only=True)
    submitter = serializers.CharField(source="submitter_name", read_only=True)
    district = serializers.CharField(source="district.area_name", read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    month = serializers.SerializerMethodField()
    version = serializers.IntegerField(source="version.number", read_only=True)

    class Meta:
        model = Submission
        fields = [
            *("id", "report_type", "report_type_name", "month", "kindergarten", "submitter", "district"),
            *("version", "state", "state_label", "due_date", "first_submitted_at", "on_time", "submitted_at"),
            *("decided_at", "return_reason", "reopened_until"),
        ]

    def get_month(self, obj) -> str:
        return obj.month.strftime("%Y-%m")


class SubmissionDetailSerializer(SubmissionSerializer):
    events = EventSerializer(many=True, read_only=True)

    class Meta(SubmissionSerializer.Meta):
        fields = [*SubmissionSerializer.Meta.fields, "data", "explanations", "built_at", "events"]


class SubmissionInputSerializer(serializers.Serializer):
    data = serializers.DictField(required=False, help_text="字段编码 → 值；表格为行的列表。省略时使用已暂存的内容。")
    explanations = serializers.DictField(
        child=serializers.CharField(allow_blank=True), required=False, help_text="规则编码 → 情况说明"
    )


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, help_text="理由（必填）")


class ReportTypeInputSerializer(serializers.Serializer):
    """A district admin's own type: settings and content (reports/content.py). On PATCH every key is
    optional; new content on a type in use makes a new version (submissions keep theirs)."""

    name = serializers.CharField(max_length=100, required=False, help_text="报表名称")
    due_day = serializers.IntegerField(min_value=1, max_value=28, required=False, help_text="截止日（1–28）")
    period = serializers.ChoiceField(choices=Period.choices, required=False, help_text="报告月份：上月或本月")
    # A district keeps types its kindergartens or itself file: not the city's own (市报省) reports.
    submitter_level = serializers.ChoiceField(
        choices=[c for c in SubmitterLevel.choices if c[0] != SubmitterLevel.CITY],
        required=False,
        help_text="报送方（决定审核单位）：kindergarten 幼儿园报区县，district 区县报市",
    )
    grace_days = serializers.IntegerField(min_value=0, max_value=60, required=False, help_text="逾期补报期限（天）")
    is_active = serializers.BooleanField(required=False, help_text="启用")
    content = serializers.JSONField(required=False, help_text="栏目、填报项与校验规则（见 reports/content.py）")


MONTH = OpenApiParameter("month", str, description="报告月份，如 2025-02")
TYPE = OpenApiParameter("report_type", str, description="报表类型编码，如 kg-monthly")
STATE = OpenApiParameter("state", str, description="状态：open / submitted / returned / resubmitted / approved")


@extend_schema_view(
    list=extend_schema(summary="报表类型列表", description="调用者要报送或查看的报表类型及其当前版本的内容定义。"),
    retrieve=extend_schema(summary="报表类型详情", responses={200: ReportTypeSerializer, **ERRORS}),
)
class ReportTypeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = API_PERMISSIONS
    serializer_class = ReportTypeSerializer
    filter_backends: list = []
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return report_types_visible_to(self.request.user).order_by("sort_order", "pk")

    def get_object(self):
        if self.action == "partial_update":
            return report_type_manage_get(self.request.user, self.kwargs["pk"], edit=True)
        return report_type_get_for_user(self.request.user, self.kwargs["pk"])

    def _input(self, request) -> dict:
        form = ReportTypeInputSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        return dict(form.validated_data)

    @extend_schema(
        summary="新建报表类型",
        description="区县管理员新建本区县的报表类型（名称、报送方、内容必填），生成第 1 版。",
        request=ReportTypeInputSerializer,
        responses={201: ReportTypeSerializer, **WRITE_ERRORS},
    )
    def create(self, request, *args, **kwargs):
        require(can(request.user, "type_create"), "只有区县管理员可以新建报表类型。")
        body = self._input(request)
        missing = [k for k in ("name", "submitter_level", "content") if k not in body]
        if missing:
            raise DjangoValidationError(dict.fromkeys(missing, "此项为必填项。"))
        content = body.pop("content")
        report_type = report_type_create(actor=request.user, content=content, **body)
        return Response(ReportTypeSerializer(report_type, context={}).data, status=201)

    @extend_schema(
        summary="修改报表类型",
        description="维护该报表的区县管理员修改设置或内容；已有报送的报表修改内容时生成新版本，报告月份和报送方不能再改。",
        request=ReportTypeInputSerializer,
        responses={200: ReportTypeSerializer, **WRITE_ERRORS},
    )
    def partial_update(self, request, *args, **kwargs):
        report_type = self.get_object()
        body = self._input(request)
        content = body.pop("content", None)
        report_type_update(actor=request.user, report_type=report_type, content=content, **body)
        report_type.refresh_from_db()
        return Response(ReportTypeSerializer(report_type, context={}).data)


def _filtered(qs, params):
    if params.get("report_type"):
        qs = qs.filter(report_type__code=params["report_type"])
    if params.get("state"):
        qs = qs.filter(state=params["state"])
    if params.get("month"):
        try:
            qs = qs.filter(month=datetime.date.fromisoformat(params["month"] + "-01"))
        except ValueError:
            qs = qs.none()
    return qs


SUBMISSION_WRITE = {200: SubmissionDetailSerializer, **WRITE_ERRORS}


@extend_schema_view(
    list=extend_schema(
        summary="月报报送列表",
        description="调用者权限范围内的报送（幼儿园月报、区县汇总月报，以及市教育局自己的市级报表），最近月份在前。",
        parameters=[TYPE, MONTH, STATE],
    ),
    retrieve=extend_schema(
        summary="月报报送详情",
        description="含填报内容、情况说明和状态变更记录。",
        responses={200: SubmissionDetailSerializer, **ERRORS},
    ),
)
class SubmissionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = API_PERMISSIONS
    serializer_class = SubmissionSerializer
    filter_backends: list = []
    rights = {
        "retrieve": "view",
        "save": "edit",
        "submit": "submit",
        "return_": "review",
        "approve": "review",
        "reopen": "reopen",
    }
    district_only = False

    def get_queryset(self):
        qs = submissions_visible_to(self.request.user)
        if self.district_only:  # the districts' reports to the city (not the city's own reports)
            qs = qs.filter(kindergarten__isnull=True, report_type__submitter_level=SubmitterLevel.DISTRICT)
        qs = _filtered(qs, self.request.query_params)
        # The list shows no content: the reports' data and the versions' definitions stay in the database.
        return (
            qs.select_related("report_type", "version", "kindergarten", "district")
            .defer("data", "explanations", "version__content")
            .order_by("-month", "report_type__sort_order", "pk")
        )

    def get_object(self):
        submission = submission_get_for_user(self.request.user, self.kwargs["pk"], action=self.rights[self.action])
        if self.district_only and submission.report_type.submitter_level != SubmitterLevel.DISTRICT:
            from django.http import Http404

            raise Http404
        return submission

    def _detail(self, submission: Submission) -> Response:
        submission = Submission.objects.select_related("report_type", "version", "kindergarten", "district").get(
            pk=submission.pk
        )
        prefetch_related_objects(
            [submission],
            Prefetch("events", queryset=SubmissionEvent.objects.select_related("actor").order_by("at", "id")),
        )
        return Response(SubmissionDetailSerializer(submission).data)

    def retrieve(self, request, *args, **kwargs):
        return self._detail(self.get_object())


class SubmissionActionsViewSet(SubmissionViewSet):
    """Submissions with their state-changing actions (district reports are submissions too)."""

    def _input(self, request):
        form = SubmissionInputSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        return form.validated_data

    @extend_schema(
        summary="暂存",
        description="保存草稿（可不完整），仅在待填报或已退回时。",
        request=SubmissionInputSerializer,
        responses=SUBMISSION_WRITE,
    )
    @action(detail=True, methods=["post"])
    def save(self, request, pk=None):
        submission = self.get_object()
        body = self._input(request)
        submission = submission_save(
            actor=request.user, submission=submission, data=body.get("data", {}), explanations=body.get("explanations")
        )
        return self._detail(submission)

    @extend_schema(
        summary="报送",
        description="报送或重新报送。硬性规则不通过时返回 400 及提示；提示性规则和与上月相比变化较大的数字须在 explanations "
        "中说明（键为 400 响应中 explain: 之后的编码）。首次报送时间由服务器记录且不再改变。",
        request=SubmissionInputSerializer,
        responses=SUBMISSION_WRITE,
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        submission = self.get_object()
        body = self._input(request)
        submission = submission_submit(
            actor=request.user, submission=submission, data=body.get("data"), explanations=body.get("explanations")
        )
        return self._detail(submission)

    @extend_schema(
        summary="退回",
        description="接收单位退回报送单位修改，须写明理由：幼儿园月报由区县教育局退回，区县汇总月报由市教育局退回。",
        request=ReasonSerializer,
        responses=SUBMISSION_WRITE,
    )
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request, pk=None):
        submission = self.get_object()
        form = ReasonSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        return self._detail(
            submission_return(actor=request.user, submission=submission, reason=form.validated_data["reason"])
        )

    @extend_schema(
        summary="审核通过",
        description="接收单位审核通过（幼儿园月报：区县教育局；区县汇总月报：市教育局），通过后报表锁定。",
        request=None,
        responses=SUBMISSION_WRITE,
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._detail(submission_approve(actor=request.user, submission=self.get_object()))

    @extend_schema(
        summary="准予补报",
        description="超过补报期限后，由区县教育局准予补报 7 天，须写明原因。",
        request=ReasonSerializer,
        responses=SUBMISSION_WRITE,
    )
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        submission = self.get_object()
        form = ReasonSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        return self._detail(
            submission_reopen(actor=request.user, submission=submission, reason=form.validated_data["reason"])
        )


@extend_schema_view(
    list=extend_schema(
        summary="区县汇总月报列表",
        description="区县报市的汇总月报（由各园当月月报及督导、安全等模块汇总生成），最近月份在前。",
        parameters=[TYPE, MONTH, STATE],
    ),
    retrieve=extend_schema(summary="区县汇总月报详情", responses={200: SubmissionDetailSerializer, **ERRORS}),
)
class ConsolidatedReportViewSet(SubmissionViewSet):
    district_only = True
