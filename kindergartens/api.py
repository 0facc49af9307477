"""API for bureaus, townships and kindergartens.

Lists are the access layer's querysets; single objects come from its ``*_get_for_user``
functions (404 outside the scope, 403 without the right); the one write goes through
``kindergarten_update``.
"""

from __future__ import annotations

import django_filters
from django.db.models import Prefetch, QuerySet
from django.db.models.query import prefetch_related_objects
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter
from rest_framework.response import Response

from core.access import get_in_scope_or_404
from core.api import API_PERMISSIONS, DetailSerializer
from core.audit import history_for
from kindergartens.access import (
    bureaus_visible_to,
    groups_visible_to,
    kindergarten_get_for_user,
    kindergartens_visible_to,
    townships_visible_to,
)
from kindergartens.models import Kindergarten, Nature
from kindergartens.serializers import (
    AuditEntrySerializer,
    BureauSerializer,
    KindergartenSerializer,
    KindergartenUpdateSerializer,
    TownshipSerializer,
)
from kindergartens.services import kindergarten_update
from supervision.models import SupervisorAssignment

ERRORS = {403: DetailSerializer, 404: DetailSerializer}


def _user(request):
    # django-filter may build a filter form without a request (schema generation): scope is then empty.
    return getattr(request, "user", None)


def with_api_relations(queryset: QuerySet[Kindergarten]) -> QuerySet[Kindergarten]:
    """What KindergartenSerializer reads, fetched in a fixed number of queries for any page size."""
    return queryset.select_related("district", "township", "collaboration_group").prefetch_related(
        _active_assignments()
    )


def _active_assignments() -> Prefetch:
    return Prefetch(
        "supervisor_assignments",
        queryset=SupervisorAssignment.objects.filter(ended_at__isnull=True).select_related("supervisor"),
        to_attr="active_assignments",
    )


# --- bureaus and townships ------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="教育局列表", description="调用者可见的教育局：本局及下属区县。"),
    retrieve=extend_schema(summary="教育局详情", responses={200: BureauSerializer, **ERRORS}),
)
class BureauViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = API_PERMISSIONS
    serializer_class = BureauSerializer
    filter_backends: list = []

    def get_queryset(self):
        return bureaus_visible_to(self.request.user).select_related("parent").order_by("level", "name", "id")

    def get_object(self):
        return get_in_scope_or_404(self.get_queryset(), pk=self.kwargs["pk"])


class TownshipFilter(django_filters.FilterSet):
    district = django_filters.ModelChoiceFilter(
        label="区县", queryset=lambda request: bureaus_visible_to(_user(request))
    )


@extend_schema_view(
    list=extend_schema(summary="街道/乡镇列表"),
    retrieve=extend_schema(summary="街道/乡镇详情", responses={200: TownshipSerializer, **ERRORS}),
)
class TownshipViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = API_PERMISSIONS
    serializer_class = TownshipSerializer
    filterset_class = TownshipFilter

    def get_queryset(self):
        return townships_visible_to(self.request.user).select_related("district").order_by("district", "name", "id")

    def get_object(self):
        return get_in_scope_or_404(self.get_queryset(), pk=self.kwargs["pk"])


# --- kindergartens --------------------------------------------------------------------


class KindergartenFilter(django_filters.FilterSet):
    # Every choice list is the caller's scope: an id from another district is "not a valid
    # choice", exactly like an id that does not exist.
    district = django_filters.ModelChoiceFilter(
        label="区县", queryset=lambda request: bureaus_visible_to(_user(request))
    )
    township = django_filters.ModelChoiceFilter(
        label="街道/乡镇", queryset=lambda request: townships_visible_to(_user(request))
    )
    collaboration_group = django_filters.ModelChoiceFilter(
        label="协作组", queryset=lambda request: groups_visible_to(_user(request))
    )
    nature = django_filters.ChoiceFilter(label="办园性质", choices=Nature.choices)
    search = django_filters.CharFilter(label="园所名称包含", method="filter_search")

    class Meta:
        model = Kindergarten
        fields = ["district", "township", "collaboration_group", "nature"]

    def filter_search(self, queryset, name, value):
        return queryset.filter(name__icontains=value.strip()) if value.strip() else queryset


@extend_schema_view(
    list=extend_schema(summary="幼儿园列表", description="调用者权限范围内的幼儿园。"),
    retrieve=extend_schema(summary="幼儿园详情", responses={200: KindergartenSerializer, **ERRORS}),
    update=extend_schema(
        summary="修改幼儿园",
        request=KindergartenUpdateSerializer,
        responses={200: KindergartenSerializer, **ERRORS},
    ),
    partial_update=extend_schema(
        summary="修改幼儿园（部分字段）",
        request=KindergartenUpdateSerializer,
        responses={200: KindergartenSerializer, **ERRORS},
    ),
)
class KindergartenViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin, viewsets.GenericViewSet
):
    permission_classes = API_PERMISSIONS
    serializer_class = KindergartenSerializer
    filterset_class = KindergartenFilter
    filter_backends = [DjangoFilterBackend, OrderingFilter]
    ordering_fields = ["name", "id"]
    ordering = ["name", "id"]

    # The right each action needs on a kindergarten already in scope (kindergartens.access).
    rights = {"retrieve": "view", "update": "change", "partial_update": "change", "history": "view_history"}

    def get_queryset(self):
        return with_api_relations(kindergartens_visible_to(self.request.user))

    def get_object(self):
        kindergarten = kindergarten_get_for_user(self.request.user, self.kwargs["pk"], action=self.rights[self.action])
        if self.action != "history":  # the history page does not show the supervisor
            prefetch_related_objects([kindergarten], _active_assignments())
        return kindergarten

    def get_serializer_class(self):
        if self.action in ("update", "partial_update"):
            return KindergartenUpdateSerializer
        if self.action == "history":
            return AuditEntrySerializer
        return KindergartenSerializer

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        kindergarten = self.get_object()
        form = KindergartenUpdateSerializer(data=request.data, partial=partial, context=self.get_serializer_context())
        form.is_valid(raise_exception=True)
        kindergarten_update(actor=request.user, kindergarten=kindergarten, changes=dict(form.validated_data))
        return Response(KindergartenSerializer(kindergarten, context=self.get_serializer_context()).data)

    @extend_schema(
        summary="幼儿园修改记录",
        description="该幼儿园的审计记录，最新的在前；时间为北京时间。",
        responses={200: AuditEntrySerializer(many=True), **ERRORS},
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def history(self, request, pk=None):
        """The audit trail of this kindergarten, newest first."""
        kindergarten = self.get_object()
        page = self.paginate_queryset(history_for(kindergarten))
        return self.get_paginated_response(AuditEntrySerializer(page, many=True).data)
