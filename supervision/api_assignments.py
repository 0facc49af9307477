"""API for supervisor assignments (责任督学挂牌).

Reads follow supervision.access (the kindergarten's scope; a supervisor sees their own
assignments); writes go through supervision.services. Assignments are ended, never
edited or deleted: no PUT, PATCH or DELETE.
"""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.access import require
from core.api import API_PERMISSIONS, DetailSerializer
from core.filters import FilterSet
from kindergartens.access import kindergartens_visible_to
from supervision.access import assignment_can, assignment_get_for_user, assignments_visible_to
from supervision.models import SupervisorAssignment
from supervision.serializers import AssignmentCreateSerializer, AssignmentSerializer
from supervision.services import supervisor_assign, supervisor_assignment_end

ERRORS = {403: DetailSerializer, 404: DetailSerializer}


class AssignmentFilter(FilterSet):
    # Only kindergartens in the caller's scope are valid choices (no probing of foreign ids).
    kindergarten = django_filters.ModelChoiceFilter(
        label="幼儿园", queryset=lambda request: kindergartens_visible_to(getattr(request, "user", None))
    )
    active = django_filters.BooleanFilter(label="是否在任", method="filter_active")

    class Meta:
        model = SupervisorAssignment
        fields = ["kindergarten"]

    def filter_active(self, queryset, name, value):
        return queryset.filter(ended_at__isnull=value)


@extend_schema_view(
    list=extend_schema(summary="责任督学指派列表"),
    retrieve=extend_schema(summary="责任督学指派详情", responses={200: AssignmentSerializer, **ERRORS}),
    create=extend_schema(
        summary="指派责任督学",
        description="幼儿园已有在任责任督学时，原指派自动结束。",
        request=AssignmentCreateSerializer,
        responses={201: AssignmentSerializer, 403: DetailSerializer},
    ),
)
class AssignmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = API_PERMISSIONS
    serializer_class = AssignmentSerializer
    filterset_class = AssignmentFilter

    rights = {"retrieve": "view", "end": "manage"}

    def get_queryset(self):
        return assignments_visible_to(self.request.user).select_related(
            "kindergarten", "supervisor", "assigned_by", "ended_by"
        )

    def get_object(self):
        return assignment_get_for_user(self.request.user, self.kwargs["pk"], action=self.rights[self.action])

    def get_serializer_class(self):
        return AssignmentCreateSerializer if self.action == "create" else AssignmentSerializer

    def list(self, request, *args, **kwargs):
        require(assignment_can(request.user, "view"), "您没有查看责任督学指派的权限。")
        return super().list(request, *args, **kwargs)

    def create(self, request, *args, **kwargs):
        require(assignment_can(request.user, "manage"), "您没有指派责任督学的权限。")
        form = AssignmentCreateSerializer(data=request.data, context=self.get_serializer_context())
        form.is_valid(raise_exception=True)
        assignment = supervisor_assign(actor=request.user, **form.validated_data)
        return Response(AssignmentSerializer(assignment).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="结束指派", request=None, responses={200: AssignmentSerializer, 400: DetailSerializer, **ERRORS}
    )
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        assignment = self.get_object()
        supervisor_assignment_end(actor=request.user, assignment=assignment)
        return Response(AssignmentSerializer(assignment).data)
