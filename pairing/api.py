"""API for pairing: agreements with their parties and confirmations, their steps (submit, confirm,
return, complete, end early) and activities; the districts' yearly plans. Scoped exactly like the
pages (pairing.access); every write goes through pairing.services; nothing is edited in place by
PUT/PATCH or deleted."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api import API_PERMISSIONS, DetailSerializer, RecordIdField
from pairing import services
from pairing.access import (
    activities_visible_to,
    agreement_get_for_user,
    agreements_visible_to,
    can,
    partner_candidates,
    plan_district,
    plan_get_for_user,
    plans_visible_to,
)
from pairing.models import Activity, Agreement, AgreementParty, Confirmation, Form, Mode, YearPlan
from pairing.selectors_pages import agreement_search

ERRORS = {403: DetailSerializer, 404: DetailSerializer}
WRITE_ERRORS = {400: DetailSerializer, **ERRORS}


class PartySerializer(serializers.ModelSerializer):
    kindergarten_name = serializers.CharField(source="kindergarten.name", read_only=True)
    district = serializers.CharField(source="kindergarten.district.area_name", read_only=True)
    side_label = serializers.CharField(source="get_side_display", read_only=True)

    class Meta:
        model = AgreementParty
        fields = ["kindergarten", "kindergarten_name", "district", "side", "side_label"]


class ConfirmationSerializer(serializers.ModelSerializer):
    district_name = serializers.CharField(source="district.name", read_only=True)
    confirmed_by = serializers.CharField(source="confirmed_by.display_name", read_only=True)

    class Meta:
        model = Confirmation
        fields = ["district", "district_name", "confirmed_by", "confirmed_at"]


class AgreementSerializer(serializers.ModelSerializer):
    state = serializers.CharField(read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    mode = serializers.CharField(read_only=True)
    mode_label = serializers.CharField(source="get_mode_display", read_only=True)
    form_labels = serializers.ListField(child=serializers.CharField(), read_only=True)
    forms = serializers.ListField(child=serializers.CharField(), read_only=True)
    parties = PartySerializer(many=True, read_only=True)

    class Meta:
        model = Agreement
        fields = [
            "id", "title", "mode", "mode_label", "state", "state_label", "start_date", "end_date", "forms",
            "form_labels", "parties", "submitted_at", "filed_at", "ended_at", "end_reason", "last_activity_on",
        ]  # fmt: skip


class AgreementDetailSerializer(AgreementSerializer):
    confirmations = ConfirmationSerializer(many=True, read_only=True)

    class Meta(AgreementSerializer.Meta):
        fields = [
            *AgreementSerializer.Meta.fields, "rights_obligations", "content", "goals", "return_reason",
            "confirmations",
        ]  # fmt: skip


class AgreementInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    mode = serializers.ChoiceField(choices=Mode.choices)
    helping = serializers.ListField(child=RecordIdField(), min_length=1, max_length=50)
    helped = serializers.ListField(child=RecordIdField(), min_length=1, max_length=50)
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    forms = serializers.ListField(child=serializers.ChoiceField(choices=Form.choices), min_length=1)
    rights_obligations = serializers.CharField()
    content = serializers.CharField()
    goals = serializers.CharField()


class PairingReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class ActivitySerializer(serializers.ModelSerializer):
    form = serializers.CharField(read_only=True)
    form_label = serializers.CharField(source="get_form_display", read_only=True)
    kindergarten_name = serializers.CharField(source="kindergarten.name", read_only=True)

    class Meta:
        model = Activity
        fields = [
            "id", "agreement", "date", "form", "form_label", "helping_people", "helped_people", "hours", "content",
            "kindergarten", "kindergarten_name", "logged_at",
        ]  # fmt: skip


class ActivityInputSerializer(serializers.Serializer):
    date = serializers.DateField()
    form = serializers.ChoiceField(choices=Form.choices)
    helping_people = serializers.IntegerField(min_value=0, max_value=10000)
    helped_people = serializers.IntegerField(min_value=0, max_value=10000)
    hours = serializers.DecimalField(max_digits=5, decimal_places=1, min_value=Decimal("0.5"), max_value=Decimal("240"))
    content = serializers.CharField()


class PlanSerializer(serializers.ModelSerializer):
    district_name = serializers.CharField(source="district.name", read_only=True)
    state = serializers.CharField(read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    helping = serializers.SerializerMethodField()
    helped = serializers.SerializerMethodField()

    class Meta:
        model = YearPlan
        fields = [
            "id", "district", "district_name", "year", "helping_count", "helped_count", "helping", "helped",
            "note", "state", "state_label", "submitted_at",
        ]  # fmt: skip

    def _names(self, obj, side) -> list[str]:
        return [e.kindergarten.name for e in obj.entries.all() if e.side == side]

    def get_helping(self, obj) -> list[str]:
        return self._names(obj, "helping")

    def get_helped(self, obj) -> list[str]:
        return self._names(obj, "helped")


def _parties():
    # Helping first ("helping" sorts after "helped"), then by name.
    return Prefetch(
        "parties",
        queryset=AgreementParty.objects.select_related("kindergarten__district").order_by(
            "-side", "kindergarten__name", "pk"
        ),
    )


AGREEMENT_WRITE = {200: AgreementDetailSerializer, **WRITE_ERRORS}


@extend_schema_view(
    list=extend_schema(
        summary="帮扶协议列表", description="本人权限范围内的帮扶协议（结对任一方在范围内），最新在前。"
    ),
    retrieve=extend_schema(summary="帮扶协议详情", responses={200: AgreementDetailSerializer, **ERRORS}),
)
class AgreementViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = API_PERMISSIONS
    serializer_class = AgreementSerializer
    filter_backends: list = []
    rights = {
        "retrieve": "view",
        "submit": "submit",
        "confirm": "confirm",
        "return_": "confirm",
        "complete": "close",
        "end": "close",
        "activities": "view",
        "log_activity": "log_activity",
    }

    def get_queryset(self):
        params = self.request.query_params
        return agreement_search(
            agreements_visible_to(self.request.user),
            q=params.get("q", "")[:100],
            state=params.get("state", "")[:20],
            mode=params.get("mode", "")[:20],
        ).order_by("-created_at", "-id")

    def page_loader(self):
        return lambda ids: Agreement.objects.filter(pk__in=ids).prefetch_related(_parties())

    def get_object(self):
        return agreement_get_for_user(self.request.user, self.kwargs["pk"], action=self.rights[self.action])

    def _detail(self, agreement: Agreement, status: int = 200) -> Response:
        agreement = Agreement.objects.prefetch_related(
            _parties(),
            Prefetch("confirmations", queryset=Confirmation.objects.select_related("district", "confirmed_by")),
        ).get(pk=agreement.pk)
        return Response(AgreementDetailSerializer(agreement).data, status=status)

    def retrieve(self, request, *args, **kwargs):
        return self._detail(self.get_object())

    @extend_schema(
        summary="起草帮扶协议",
        description="园长起草本园参与的协议（草稿）。规则不符时返回 400 并说明全部原因：帮扶不少于两年、“一对多”或“多对一”、"
        "三种方式的条件（镇内公办帮扶村民办、四五星级帮扶薄弱园、跨区域），文本不得出现“品牌费”“挂钩费”。",
        request=AgreementInputSerializer,
        responses={201: AgreementDetailSerializer, **WRITE_ERRORS},
    )
    def create(self, request, *args, **kwargs):
        from django.core.exceptions import PermissionDenied

        if not can(request.user, "create_agreement"):
            raise PermissionDenied
        form = AgreementInputSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        known = set(
            partner_candidates(request.user)
            .filter(pk__in=[*data["helping"], *data["helped"]])
            .values_list("pk", flat=True)
        )
        if not set(data["helping"]) | set(data["helped"]) <= known:
            from django.core.exceptions import ValidationError

            raise ValidationError("所选幼儿园不存在或不在本市。")
        helping, helped = data.pop("helping"), data.pop("helped")
        agreement = services.agreement_create(actor=request.user, fields=data, helping_ids=helping, helped_ids=helped)
        return self._detail(agreement, status=201)

    @extend_schema(summary="提交教育局确认", request=None, responses=AGREEMENT_WRITE)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self._detail(services.agreement_submit(actor=request.user, agreement=self.get_object()))

    @extend_schema(
        summary="教育局确认",
        description="结对方所在区县教育局各自确认；跨区域协议须双方教育局都确认后生效并报市。",
        request=None,
        responses=AGREEMENT_WRITE,
    )
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        return self._detail(services.agreement_confirm(actor=request.user, agreement=self.get_object()))

    @extend_schema(summary="退回修改", request=PairingReasonSerializer, responses=AGREEMENT_WRITE)
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request, pk=None):
        agreement = self.get_object()
        form = PairingReasonSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        return self._detail(
            services.agreement_return(actor=request.user, agreement=agreement, reason=form.validated_data["reason"])
        )

    @extend_schema(
        summary="标记为已完成", description="协议到期后由教育局标记。", request=None, responses=AGREEMENT_WRITE
    )
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        return self._detail(services.agreement_complete(actor=request.user, agreement=self.get_object()))

    @extend_schema(
        summary="提前终止", description="须写明原因。", request=PairingReasonSerializer, responses=AGREEMENT_WRITE
    )
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        agreement = self.get_object()
        form = PairingReasonSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        return self._detail(
            services.agreement_end_early(actor=request.user, agreement=agreement, reason=form.validated_data["reason"])
        )

    @extend_schema(
        summary="登记帮扶活动", request=ActivityInputSerializer, responses={201: ActivitySerializer, **WRITE_ERRORS}
    )
    @action(detail=True, methods=["post"], url_path="activities", url_name="log-activity")
    def log_activity(self, request, pk=None):
        agreement = self.get_object()
        form = ActivityInputSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        activity = services.activity_log(actor=request.user, agreement=agreement, fields=dict(form.validated_data))
        activity = Activity.objects.select_related("kindergarten").get(pk=activity.pk)
        return Response(ActivitySerializer(activity).data, status=201)


@extend_schema_view(
    list=extend_schema(
        summary="帮扶活动列表", description="本人权限范围内协议的帮扶活动，最近在前；?agreement= 按协议筛选。"
    ),
)
class ActivityViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    permission_classes = API_PERMISSIONS
    serializer_class = ActivitySerializer
    filter_backends: list = []

    def get_queryset(self):
        qs = activities_visible_to(self.request.user)
        agreement = self.request.query_params.get("agreement", "")
        if agreement.isdigit():
            qs = qs.filter(agreement_id=int(agreement))
        return qs.order_by("-date", "-id")

    def page_loader(self):
        return lambda ids: Activity.objects.filter(pk__in=ids).select_related("kindergarten")


class PlanInputSerializer(serializers.Serializer):
    year = serializers.IntegerField(label="年度", min_value=2020, max_value=2100)
    helping_count = serializers.IntegerField(label="参与帮扶园数", min_value=0, max_value=10000)
    helped_count = serializers.IntegerField(label="被帮扶园数", min_value=0, max_value=10000)
    helping = serializers.ListField(
        label="帮扶园名单", child=RecordIdField(), required=False, default=list, max_length=2000
    )
    helped = serializers.ListField(
        label="被帮扶园名单", child=RecordIdField(), required=False, default=list, max_length=2000
    )
    note = serializers.CharField(label="说明", required=False, allow_blank=True, max_length=500, default="")


@extend_schema_view(
    list=extend_schema(summary="年度帮扶计划列表", description="区县教育局：本区县；市教育局：所辖各区县。"),
    retrieve=extend_schema(summary="年度帮扶计划详情", responses={200: PlanSerializer, **ERRORS}),
)
class PlanViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The district bureau files its year's plan (create or change it until submitted, then submit it to the
    city); the city reads every district's. The counts are kept as the district states them."""

    permission_classes = API_PERMISSIONS
    serializer_class = PlanSerializer
    filter_backends: list = []

    @extend_schema(
        summary="填报年度帮扶计划",
        description="区县教育局填报本区县某年度的帮扶计划（已有则修改，上报后不能再改）。名单须是本区县的幼儿园；"
        "名单与数字不符时照常保存，计划页并列显示两者。",
        request=PlanInputSerializer,
        responses={200: PlanSerializer, **WRITE_ERRORS},
    )
    def create(self, request, *args, **kwargs):
        from django.core.exceptions import PermissionDenied

        district = plan_district(request.user)
        if district is None:
            raise PermissionDenied
        form = PlanInputSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        plan = services.plan_save(
            actor=request.user,
            district=district,
            year=data["year"],
            helping_count=data["helping_count"],
            helped_count=data["helped_count"],
            helping_ids=data["helping"],
            helped_ids=data["helped"],
            note=data["note"],
        )
        return Response(PlanSerializer(self._loaded(plan)).data)

    @extend_schema(summary="上报市教育局", request=None, responses={200: PlanSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        plan = plan_get_for_user(request.user, pk, action="manage")
        return Response(PlanSerializer(self._loaded(services.plan_submit(actor=request.user, plan=plan))).data)

    def _loaded(self, plan):
        return (
            YearPlan.objects.select_related("district")
            .prefetch_related(Prefetch("entries", queryset=_entries()))
            .get(pk=plan.pk)
        )

    def get_queryset(self):
        return plans_visible_to(self.request.user).order_by("-year", "district__name", "id")

    def page_loader(self):
        return lambda ids: (
            YearPlan.objects.filter(pk__in=ids)
            .select_related("district")
            .prefetch_related(Prefetch("entries", queryset=_entries()))
        )

    def get_object(self):
        plan = plan_get_for_user(self.request.user, self.kwargs["pk"])
        return (
            YearPlan.objects.select_related("district")
            .prefetch_related(Prefetch("entries", queryset=_entries()))
            .get(pk=plan.pk)
        )


def _entries():
    from pairing.models import PlanEntry

    return PlanEntry.objects.select_related("kindergarten").order_by("kindergarten__name")
