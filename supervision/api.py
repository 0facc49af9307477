"""Supervision API: assignments (api_assignments), checklist templates, inspections with their
item results, and rectification orders with their timeline. Reads are scoped by supervision.access
(the same querysets as the pages); writes go through the same services as the pages."""

from __future__ import annotations

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from core.access import require
from core.api import API_PERMISSIONS, BriefSerializer, ChoiceLabelField, DetailSerializer, ScopedPrimaryKeyRelatedField
from kindergartens.access import kindergartens_visible_to
from kindergartens.models import Kindergarten
from kindergartens.services import today
from supervision.access import (
    inspection_can,
    inspection_get_for_user,
    inspections_visible_to,
    order_can,
    order_get_for_user,
    orders_visible_to,
    template_can,
    template_get_for_user,
    templates_visible_to,
)
from supervision.api_assignments import AssignmentViewSet
from supervision.api_draws import DrawViewSet
from supervision.api_selfchecks import SelfCheckViewSet
from supervision.checklists import SCORING_RULE
from supervision.models import (
    EventKind,
    InspectionKind,
    InspectionResult,
    InspectionState,
    ItemResult,
    OrderState,
    Severity,
    SpecialSubtype,
    TemplatePurpose,
)
from supervision.rectification import order_accept, order_issue, order_respond, order_return
from supervision.serializers import PersonSerializer

__all__ = [
    "AssignmentViewSet",
    "DrawViewSet",
    "InspectionViewSet",
    "OrderViewSet",
    "SelfCheckViewSet",
    "TemplateViewSet",
]
ERRORS = {403: DetailSerializer, 404: DetailSerializer}


# --- templates -------------------------------------------------------------------------------------


class ChecklistItemSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    code = serializers.CharField(read_only=True)
    text = serializers.CharField(read_only=True)
    weight = serializers.IntegerField(read_only=True)
    evidence_required = serializers.BooleanField(read_only=True)
    veto = serializers.BooleanField(read_only=True)


class ChecklistSectionSerializer(serializers.Serializer):
    position = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    items = ChecklistItemSerializer(many=True, read_only=True)


class ChecklistTemplateSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    version = serializers.IntegerField(read_only=True)
    purpose = serializers.CharField(read_only=True)
    purpose_label = ChoiceLabelField(TemplatePurpose, source="purpose")
    is_current = serializers.BooleanField(read_only=True)
    district = BriefSerializer(read_only=True, allow_null=True)


class ChecklistTemplateDetailSerializer(ChecklistTemplateSerializer):
    description = serializers.CharField(read_only=True)
    scoring_rule = serializers.SerializerMethodField()
    sections = ChecklistSectionSerializer(many=True, read_only=True)

    def get_scoring_rule(self, obj) -> str:
        return SCORING_RULE


@extend_schema_view(
    list=extend_schema(summary="检查模板列表", description=f"系统内置模板和本区县模板。{SCORING_RULE}"),
    retrieve=extend_schema(
        summary="检查模板详情（分类、检查项、权重）", responses={200: ChecklistTemplateDetailSerializer, **ERRORS}
    ),
)
class TemplateViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = API_PERMISSIONS
    serializer_class = ChecklistTemplateSerializer

    def get_queryset(self):
        qs = (
            templates_visible_to(self.request.user)
            .select_related("district")
            .order_by("purpose", "name", "-version", "id")
        )
        return qs if self.request.query_params.get("versions") == "all" else qs.filter(is_current=True)

    def get_object(self):
        from supervision.models import ChecklistItem, ChecklistSection

        template = template_get_for_user(self.request.user, self.kwargs["pk"])
        sections = ChecklistSection.objects.filter(template=template).prefetch_related(
            Prefetch("items", queryset=ChecklistItem.objects.order_by("position"))
        )
        template.sections_list = list(sections)
        return template

    def get_serializer_class(self):
        return ChecklistTemplateDetailSerializer if self.action == "retrieve" else ChecklistTemplateSerializer

    def list(self, request, *args, **kwargs):
        require(template_can(request.user, "view"))
        return super().list(request, *args, **kwargs)

    def retrieve(self, request, *args, **kwargs):
        template = self.get_object()
        data = ChecklistTemplateDetailSerializer(template).data
        data["sections"] = ChecklistSectionSerializer(template.sections_list, many=True).data
        return Response(data)


# --- inspections -----------------------------------------------------------------------------------


class InspectionSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    kindergarten = BriefSerializer(read_only=True)
    kind = serializers.CharField(read_only=True)
    kind_label = serializers.CharField(read_only=True)
    subtype = serializers.CharField(read_only=True)
    subtype_label = ChoiceLabelField(SpecialSubtype, source="subtype")
    template = BriefSerializer(read_only=True)
    template_version = serializers.IntegerField(read_only=True, source="template.version")
    planned_on = serializers.DateField(read_only=True)
    state = serializers.CharField(read_only=True)
    state_label = ChoiceLabelField(InspectionState, source="state")
    submitted_at = serializers.DateTimeField(read_only=True, allow_null=True)
    score = serializers.DecimalField(max_digits=4, decimal_places=1, read_only=True, allow_null=True)
    vetoed = serializers.BooleanField(read_only=True)
    conclusion = serializers.CharField(read_only=True)
    conclusion_label = serializers.CharField(read_only=True, source="get_conclusion_display")


class InspectionResultSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    item = ChecklistItemSerializer(read_only=True)
    result = serializers.CharField(read_only=True)
    result_label = ChoiceLabelField(ItemResult, source="result")
    note = serializers.CharField(read_only=True)
    order = serializers.IntegerField(read_only=True, source="order_id", allow_null=True)
    evidence = serializers.SerializerMethodField()

    def get_evidence(self, obj) -> list[int]:
        return [f.pk for f in obj.evidence.all()]


class InspectionDetailSerializer(InspectionSerializer):
    summary = serializers.CharField(read_only=True)
    supervisors = PersonSerializer(many=True, read_only=True)
    results = InspectionResultSerializer(many=True, read_only=True)
    scoring_rule = serializers.SerializerMethodField()

    def get_scoring_rule(self, obj) -> str:
        return SCORING_RULE


@extend_schema_view(
    list=extend_schema(summary="督导检查列表"),
    retrieve=extend_schema(
        summary="督导检查详情（各检查项结果）", responses={200: InspectionDetailSerializer, **ERRORS}
    ),
)
class InspectionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = API_PERMISSIONS
    serializer_class = InspectionSerializer

    def get_queryset(self):
        qs = inspections_visible_to(self.request.user).select_related("kindergarten", "template")
        kind = self.request.query_params.get("kind")
        if kind in InspectionKind.values:
            qs = qs.filter(kind=kind)
        return qs.order_by("-planned_on", "-id")

    def page_loader(self):
        """Ids first (core.api.Pagination): the page's rows with what the list shows."""
        from supervision.models import Inspection

        return lambda ids: Inspection.objects.filter(pk__in=ids).select_related("kindergarten", "template")

    def get_serializer_class(self):
        return InspectionDetailSerializer if self.action == "retrieve" else InspectionSerializer

    def get_object(self):
        inspection = inspection_get_for_user(self.request.user, self.kwargs["pk"])
        inspection.results_list = list(
            InspectionResult.objects.filter(inspection=inspection)
            .select_related("item", "item__section")
            .prefetch_related("evidence")
            .order_by("item__section__position", "item__position")
        )
        return inspection

    def list(self, request, *args, **kwargs):
        require(inspection_can(request.user, "view"))
        return super().list(request, *args, **kwargs)

    def retrieve(self, request, *args, **kwargs):
        inspection = self.get_object()
        data = InspectionDetailSerializer(inspection).data
        data["results"] = InspectionResultSerializer(inspection.results_list, many=True).data
        return Response(data)


# --- rectification orders --------------------------------------------------------------------------


class OrderEventSerializer(serializers.Serializer):
    kind = serializers.CharField(read_only=True)
    kind_label = ChoiceLabelField(EventKind, source="kind")
    at = serializers.DateTimeField(read_only=True)
    actor = PersonSerializer(read_only=True, allow_null=True)
    note = serializers.CharField(read_only=True)
    evidence = serializers.SerializerMethodField()

    def get_evidence(self, obj) -> list[int]:
        return [f.pk for f in obj.evidence.all()]


class OrderSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    number = serializers.CharField(read_only=True)
    kindergarten = BriefSerializer(read_only=True)
    source_kind = serializers.CharField(read_only=True)
    source_label = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)
    severity = serializers.CharField(read_only=True)
    severity_label = ChoiceLabelField(Severity, source="severity")
    deadline = serializers.DateField(read_only=True)
    state = serializers.CharField(read_only=True)
    state_label = ChoiceLabelField(OrderState, source="state")
    overdue = serializers.SerializerMethodField()
    escalation = serializers.IntegerField(read_only=True)
    escalation_label = serializers.CharField(read_only=True, source="get_escalation_display")
    return_reason = serializers.CharField(read_only=True)

    def get_overdue(self, obj) -> bool:
        return obj.is_overdue(self.context.get("today"))


class OrderDetailSerializer(OrderSerializer):
    response = serializers.CharField(read_only=True)
    events = OrderEventSerializer(many=True, read_only=True)


class OrderReturnSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class OrderAcceptSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class OrderIssueSerializer(serializers.Serializer):
    """Input of POST (the page's 下达整改通知): the kindergarten resolves only inside the caller's scope."""

    kindergarten = ScopedPrimaryKeyRelatedField(
        scope=kindergartens_visible_to, model_queryset=Kindergarten.objects.none()
    )
    description = serializers.CharField(max_length=2000, help_text="问题与整改要求")
    severity = serializers.ChoiceField(choices=Severity.choices, help_text="严重程度，决定默认整改期限")
    deadline = serializers.DateField(required=False, allow_null=True, default=None, help_text="不填则按严重程度计算")


class OrderRespondSerializer(serializers.Serializer):
    """Input of the kindergarten's answer (multipart/form-data): what was done and the evidence."""

    response = serializers.CharField(max_length=4000, help_text="整改情况")
    files = serializers.ListField(
        child=serializers.FileField(), help_text="佐证：JPG、PNG 图片或 PDF 文件（按文件内容识别，大小有上限），可多个"
    )


@extend_schema_view(
    list=extend_schema(
        summary="整改通知列表", description="?show=overdue 只列已逾期的；?kindergarten= 只列一所幼儿园的。"
    ),
    retrieve=extend_schema(summary="整改通知详情（办理记录）", responses={200: OrderDetailSerializer, **ERRORS}),
    create=extend_schema(
        summary="下达整改通知",
        description="责任督学和区县教育局向本人负责（本区县）的幼儿园下达；整改期限按严重程度计算，也可指定更晚的日期。",
        request=OrderIssueSerializer,
        responses={201: OrderDetailSerializer, 400: DetailSerializer, 403: DetailSerializer},
    ),
)
class OrderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    permission_classes = API_PERMISSIONS
    serializer_class = OrderSerializer

    def get_queryset(self):
        from supervision.models import OPEN_STATES

        qs = orders_visible_to(self.request.user).select_related("kindergarten")
        raw = self.request.query_params.get("kindergarten", "")
        if raw.isascii() and raw.isdigit() and len(raw) <= 12:
            qs = qs.filter(kindergarten_id=int(raw))  # inside the scope already
        if self.request.query_params.get("show") == "overdue":
            return qs.filter(state__in=OPEN_STATES, deadline__lt=today()).order_by("deadline", "id")
        return qs.order_by("-issued_at", "-id")

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "today": today()}

    def page_loader(self):
        from supervision.models import RectificationOrder

        return lambda ids: RectificationOrder.objects.filter(pk__in=ids).select_related("kindergarten")

    def get_serializer_class(self):
        return OrderDetailSerializer if self.action == "retrieve" else OrderSerializer

    def list(self, request, *args, **kwargs):
        require(order_can(request.user, "view"))
        return super().list(request, *args, **kwargs)

    def _detail(self, order, status_code: int = status.HTTP_200_OK):
        order.events_list = list(order.events.select_related("actor").prefetch_related("evidence"))
        data = OrderDetailSerializer(order, context=self.get_serializer_context()).data
        data["events"] = OrderEventSerializer(order.events_list, many=True).data
        return Response(data, status=status_code)

    def create(self, request, *args, **kwargs):
        require(order_can(request.user, "issue"), "您不能下达整改通知。")
        form = OrderIssueSerializer(data=request.data, context=self.get_serializer_context())
        form.is_valid(raise_exception=True)
        data = form.validated_data
        order = order_issue(
            actor=request.user,
            kindergarten=data["kindergarten"],
            source_kind="manual",
            source_label="督导发现",
            description=data["description"],
            severity=data["severity"],
            deadline=data["deadline"],
        )
        return self._detail(order_get_for_user(request.user, order.pk), status.HTTP_201_CREATED)

    @extend_schema(
        summary="提交整改情况（幼儿园园长）",
        description="multipart/form-data：response 整改情况，files 佐证文件（至少一个）。提交后等待验收。",
        request={"multipart/form-data": OrderRespondSerializer},
        responses={200: OrderDetailSerializer, 400: DetailSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser, JSONParser])
    def respond(self, request, pk=None):
        order = order_get_for_user(request.user, pk, action="respond")
        # The service checks every file (type from content, size) and reports all problems at once.
        order_respond(
            actor=request.user,
            order=order,
            response=str(request.data.get("response", "")),
            files=request.FILES.getlist("files"),
        )
        return self._detail(order)

    def retrieve(self, request, *args, **kwargs):
        return self._detail(order_get_for_user(request.user, kwargs["pk"]))

    @extend_schema(
        summary="退回重改（须填写原因）",
        request=OrderReturnSerializer,
        responses={200: OrderDetailSerializer, 400: DetailSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request, pk=None):
        order = order_get_for_user(request.user, pk, action="verify")
        form = OrderReturnSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        order_return(actor=request.user, order=order, reason=form.validated_data["reason"])
        return self._detail(order)

    @extend_schema(
        summary="验收通过",
        request=OrderAcceptSerializer,
        responses={200: OrderDetailSerializer, 400: DetailSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        order = order_get_for_user(request.user, pk, action="verify")
        form = OrderAcceptSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        order_accept(actor=request.user, order=order, note=form.validated_data["note"])
        return self._detail(order)
