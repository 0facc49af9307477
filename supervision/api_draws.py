"""双随机抽查 in the API: the district's draws with their recorded seed, pools and the visits they
planned; a district's bureau editors run one through the same service as the page
(``supervision.draws.draw_run``), which also plans the inspections. Scoped by supervision.access."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from accounts.models import User
from core.access import require
from core.api import API_PERMISSIONS, BriefSerializer, ChoiceLabelField, DetailSerializer, ScopedPrimaryKeyRelatedField
from kindergartens.access import kindergartens_visible_to
from kindergartens.models import Kindergarten
from supervision.access import draw_can, draw_get_for_user, draw_run_district, draws_visible_to, templates_visible_to
from supervision.draws import INSPECTOR_ROLES, draw_run
from supervision.models import ChecklistTemplate, Inspection, InspectionState, RandomDraw
from supervision.serializers import PersonSerializer

ERRORS = {403: DetailSerializer, 404: DetailSerializer}


class VisitSerializer(serializers.Serializer):
    inspection = serializers.IntegerField(read_only=True, source="pk")
    kindergarten = BriefSerializer(read_only=True)
    supervisors = PersonSerializer(many=True, read_only=True)
    state = serializers.CharField(read_only=True)
    state_label = ChoiceLabelField(InspectionState, source="state")
    score = serializers.DecimalField(max_digits=4, decimal_places=1, read_only=True, allow_null=True)
    vetoed = serializers.BooleanField(read_only=True)


class DrawSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    title = serializers.CharField(read_only=True)
    district = BriefSerializer(read_only=True)
    template = BriefSerializer(read_only=True)
    template_version = serializers.IntegerField(read_only=True, source="template.version")
    planned_on = serializers.DateField(read_only=True)
    seed = serializers.CharField(read_only=True)
    method_label = serializers.CharField(read_only=True, source="get_method_display")
    share_percent = serializers.IntegerField(read_only=True, allow_null=True)
    requested_count = serializers.IntegerField(read_only=True, allow_null=True)
    drawn_count = serializers.IntegerField(read_only=True)
    inspectors_per_visit = serializers.IntegerField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)


class DrawDetailSerializer(DrawSerializer):
    kindergarten_pool = serializers.ListField(child=serializers.IntegerField(), read_only=True)
    inspector_pool = serializers.ListField(child=serializers.IntegerField(), read_only=True)
    created_by = PersonSerializer(read_only=True, allow_null=True)
    visits = VisitSerializer(many=True, read_only=True)


def _district_inspectors(user):
    """The people a draw may send: the caller's district's supervisors and bureau staff."""
    district = draw_run_district(user)
    if district is None:
        return User.objects.none()
    return User.objects.filter(bureau_id=district.pk, is_active=True, role__in=INSPECTOR_ROLES)


def _district_kindergartens(user):
    district = draw_run_district(user)
    if district is None:
        return Kindergarten.objects.none()
    return kindergartens_visible_to(user).filter(district_id=district.pk)


class DrawCreateSerializer(serializers.Serializer):
    """Input of POST: the pools (ids inside the caller's district, else 400), the share or the number."""

    title = serializers.CharField(max_length=100)
    template = ScopedPrimaryKeyRelatedField(scope=templates_visible_to, model_queryset=ChecklistTemplate.objects.none())
    planned_on = serializers.DateField()
    share_percent = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=100)
    count = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    inspectors_per_visit = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=10)
    seed = serializers.CharField(required=False, allow_blank=True, max_length=64, help_text="不填则系统随机生成")
    kindergartens = ScopedPrimaryKeyRelatedField(
        scope=_district_kindergartens, model_queryset=Kindergarten.objects.none(), many=True
    )
    inspectors = ScopedPrimaryKeyRelatedField(scope=_district_inspectors, model_queryset=User.objects.none(), many=True)

    def validate(self, attrs):
        if attrs.get("share_percent") is not None and attrs.get("count") is not None:
            raise serializers.ValidationError({"share_percent": ["抽取比例和抽取数量请只填一项。"]})
        return attrs


@extend_schema_view(
    list=extend_schema(summary="双随机抽查列表"),
    retrieve=extend_schema(
        summary="双随机抽查详情（随机种子、名单、抽中的检查）", responses={200: DrawDetailSerializer, **ERRORS}
    ),
    create=extend_schema(
        summary="组织双随机抽查",
        description="按随机种子从幼儿园名单和检查人员名单中抽取，并为抽中的幼儿园安排检查；结果在信息公开页面公布。",
        request=DrawCreateSerializer,
        responses={201: DrawDetailSerializer, 400: DetailSerializer, 403: DetailSerializer},
    ),
)
class DrawViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    permission_classes = API_PERMISSIONS
    serializer_class = DrawSerializer

    def get_queryset(self):
        return draws_visible_to(self.request.user).order_by("-created_at", "-id")

    def page_loader(self):
        return lambda ids: RandomDraw.objects.filter(pk__in=ids).select_related("district", "template")

    def list(self, request, *args, **kwargs):
        require(draw_can(request.user, "view"))
        return super().list(request, *args, **kwargs)

    def _detail(self, draw: RandomDraw, status_code: int = status.HTTP_200_OK) -> Response:
        visits = list(
            Inspection.objects.filter(draw=draw)
            .select_related("kindergarten")
            .prefetch_related("supervisors")
            .order_by("kindergarten__name", "id")
        )
        data = DrawDetailSerializer(draw).data
        data["visits"] = VisitSerializer(visits, many=True).data
        return Response(data, status=status_code)

    def retrieve(self, request, *args, **kwargs):
        draw = draw_get_for_user(request.user, kwargs["pk"])
        return self._detail(draw)

    def create(self, request, *args, **kwargs):
        require(draw_run_district(request.user) is not None, "只有区县教育局可以组织双随机抽查。")
        form = DrawCreateSerializer(data=request.data, context=self.get_serializer_context())
        form.is_valid(raise_exception=True)
        draw = draw_run(actor=request.user, **form.validated_data)
        return self._detail(draw_get_for_user(request.user, draw.pk), status.HTTP_201_CREATED)
