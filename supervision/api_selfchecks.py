"""Self-checks (自检自查) in the API: the kindergarten's own checklist results and, once submitted,
the gap to its latest inspection on the same template version (the numbers the page shows).
Read-only here; directors fill and submit self-checks on the pages. Scoped by supervision.access:
outside the kindergarten only submitted self-checks are seen."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.response import Response

from core.access import require
from core.api import API_PERMISSIONS, BriefSerializer, ChoiceLabelField, DetailSerializer
from supervision.access import selfcheck_can, selfcheck_get_for_user, selfchecks_visible_to
from supervision.checklists import SCORING_RULE
from supervision.models import ItemResult, SelfCheck, SelfCheckResult, SelfCheckState
from supervision.selfchecks import selfcheck_gap

ERRORS = {403: DetailSerializer, 404: DetailSerializer}


class SelfCheckItemSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    code = serializers.CharField(read_only=True)
    text = serializers.CharField(read_only=True)
    weight = serializers.IntegerField(read_only=True)
    veto = serializers.BooleanField(read_only=True)


class SelfCheckResultSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    item = SelfCheckItemSerializer(read_only=True)
    result = serializers.CharField(read_only=True)
    result_label = ChoiceLabelField(ItemResult, source="result")
    note = serializers.CharField(read_only=True)
    order = serializers.IntegerField(read_only=True, source="order_id", allow_null=True)


class SelfCheckSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    kindergarten = BriefSerializer(read_only=True)
    template = BriefSerializer(read_only=True)
    template_version = serializers.IntegerField(read_only=True, source="template.version")
    state = serializers.CharField(read_only=True)
    state_label = ChoiceLabelField(SelfCheckState, source="state")
    created_at = serializers.DateTimeField(read_only=True)
    submitted_at = serializers.DateTimeField(read_only=True, allow_null=True)
    score = serializers.DecimalField(max_digits=4, decimal_places=1, read_only=True, allow_null=True)
    vetoed = serializers.BooleanField(read_only=True)


class ItemGapSerializer(serializers.Serializer):
    code = serializers.CharField(read_only=True)
    text = serializers.CharField(read_only=True)
    veto = serializers.BooleanField(read_only=True)
    self_label = serializers.CharField(read_only=True)
    inspection_label = serializers.CharField(read_only=True)
    label = serializers.CharField(read_only=True, help_text="两者不一致时的说明；一致时为空")
    large = serializers.BooleanField(read_only=True)


class GapSerializer(serializers.Serializer):
    inspection = serializers.IntegerField(read_only=True, allow_null=True, source="inspection.pk")
    self_score = serializers.DecimalField(max_digits=4, decimal_places=1, read_only=True, allow_null=True)
    inspection_score = serializers.DecimalField(max_digits=4, decimal_places=1, read_only=True, allow_null=True)
    difference = serializers.DecimalField(
        max_digits=5, decimal_places=1, read_only=True, allow_null=True, help_text="自查得分减去督导检查得分"
    )
    large = serializers.BooleanField(read_only=True, help_text="差距较大（分差达到预警值，或只有督导检查被一票否决）")
    items = ItemGapSerializer(many=True, read_only=True)


class SelfCheckDetailSerializer(SelfCheckSerializer):
    summary = serializers.CharField(read_only=True)
    results = SelfCheckResultSerializer(many=True, read_only=True)
    gap = GapSerializer(read_only=True, allow_null=True, help_text="已提交的自查与同一模板版本最近一次督导检查的对比")
    scoring_rule = serializers.CharField(read_only=True)


@extend_schema_view(
    list=extend_schema(
        summary="幼儿园自查列表",
        description="幼儿园本园可见填写中和已提交的自查；其他人只看到已提交的。?kindergarten= 只列一所幼儿园的。",
    ),
    retrieve=extend_schema(
        summary="自查详情（各检查项结果，与督导检查的差距）",
        responses={200: SelfCheckDetailSerializer, **ERRORS},
    ),
)
class SelfCheckViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = API_PERMISSIONS
    serializer_class = SelfCheckSerializer

    def get_queryset(self):
        qs = selfchecks_visible_to(self.request.user)
        raw = self.request.query_params.get("kindergarten", "")
        if raw.isascii() and raw.isdigit() and len(raw) <= 12:
            qs = qs.filter(kindergarten_id=int(raw))  # inside the scope already
        state = self.request.query_params.get("state")
        if state in SelfCheckState.values:
            qs = qs.filter(state=state)
        return qs.order_by("-created_at", "-id")

    def page_loader(self):
        return lambda ids: SelfCheck.objects.filter(pk__in=ids).select_related("kindergarten", "template")

    def list(self, request, *args, **kwargs):
        require(selfcheck_can(request.user, "view"))
        return super().list(request, *args, **kwargs)

    def retrieve(self, request, *args, **kwargs):
        self_check = selfcheck_get_for_user(request.user, kwargs["pk"])
        results = list(
            SelfCheckResult.objects.filter(self_check=self_check)
            .select_related("item", "item__section")
            .order_by("item__section__position", "item__position")
        )
        gap = selfcheck_gap(self_check) if self_check.state == SelfCheckState.SUBMITTED else None
        data = SelfCheckDetailSerializer(self_check).data
        data["results"] = SelfCheckResultSerializer(results, many=True).data
        data["gap"] = GapSerializer(gap).data if gap is not None else None
        data["scoring_rule"] = SCORING_RULE
        return Response(data)
