"""API for bureaus, townships, kindergartens, their classes and change filings (变更备案).

Lists are the access layer's querysets; single objects come from its ``*_get_for_user``
functions (404 outside the scope, 403 without the right, always checked before the body);
every write goes through a service: ``kindergarten_update``, ``class_create``/``class_update``/
``class_deactivate`` and ``filing_submit``/``filing_resubmit``/``filing_return``/``filing_approve``.
Nothing here deletes: DELETE answers 405.
"""

from __future__ import annotations

import django_filters
from django.db.models import DateField, Prefetch, QuerySet, Value
from django.db.models.query import prefetch_related_objects
from django.utils.dateparse import parse_date
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter
from rest_framework.response import Response

from core.access import get_in_scope_or_404, require
from core.api import API_PERMISSIONS, DetailSerializer
from core.audit import history_for
from core.filters import FilterBackend, FilterSet
from core.history import entry_views
from kindergartens.access import (
    bureaus_visible_to,
    can,
    class_get_for_user,
    classes_visible_to,
    filing_get_for_user,
    filings_visible_to,
    groups_visible_to,
    kindergarten_can,
    kindergarten_get_for_user,
    kindergartens_visible_to,
    levels_visible_to,
    townships_visible_to,
)
from kindergartens.models import (
    ChangeFiling,
    ChangeFilingEvent,
    Kindergarten,
    KindergartenClass,
    Nature,
    Status,
)
from kindergartens.selectors import (
    class_size_limit,
    class_sort_key,
    kindergarten_api_rows,
    kindergartens_on,
    name_search,
    with_enrolment,
)
from kindergartens.selectors_filings import filing_diff
from kindergartens.serializers import (
    AuditEntrySerializer,
    BureauSerializer,
    ClassInputSerializer,
    ClassSerializer,
    FilingCreateSerializer,
    FilingDetailSerializer,
    FilingInputSerializer,
    FilingReturnSerializer,
    FilingSerializer,
    KindergartenSerializer,
    KindergartenUpdateSerializer,
    StatusChangeSerializer,
    TownshipSerializer,
)
from kindergartens.services import (
    class_create,
    class_deactivate,
    class_update,
    filing_approve,
    filing_resubmit,
    filing_return,
    filing_submit,
    kindergarten_update,
)
from supervision.models import SupervisorAssignment

ERRORS = {403: DetailSerializer, 404: DetailSerializer}
WRITE_ERRORS = {400: DetailSerializer, **ERRORS}


def _user(request):
    # django-filter may build a filter form without a request (schema generation): scope is then empty.
    return getattr(request, "user", None)


def with_api_relations(queryset: QuerySet[Kindergarten]) -> QuerySet[Kindergarten]:
    """What KindergartenSerializer reads, fetched in a fixed number of queries for any page size."""
    return queryset.select_related(
        "district", "township", "collaboration_group", "level", "credit_rating"
    ).prefetch_related(_active_assignments())


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


class TownshipFilter(FilterSet):
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


class KindergartenFilter(FilterSet):
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
    level = django_filters.ModelChoiceFilter(label="等级", queryset=lambda request: levels_visible_to(_user(request)))
    nature = django_filters.ChoiceFilter(
        label="办园性质（指定 as_of 时为当日的性质）", choices=Nature.choices, method="filter_dated"
    )
    status = django_filters.ChoiceFilter(
        label="办园状态（指定 as_of 时为当日的状态）", choices=Status.choices, method="filter_dated"
    )
    search = django_filters.CharFilter(label="园所名称或统一社会信用代码包含", method="filter_search")
    as_of = django_filters.DateFilter(
        label="历史日期（YYYY-MM-DD）：只列出当日已登记的幼儿园，并返回当日的状态与性质", method="filter_as_of"
    )

    class Meta:
        model = Kindergarten
        fields = ["district", "township", "collaboration_group", "level"]

    def filter_queryset(self, queryset):
        # "As of" first: the status/nature filters then read the values of that day.
        day = self.form.cleaned_data.get("as_of")
        if day:
            status, nature = self.form.cleaned_data.get("status"), self.form.cleaned_data.get("nature")
            queryset = kindergartens_on(
                queryset, day, statuses=[status] if status else None, natures=[nature] if nature else None
            ).annotate(as_of_date=Value(day, output_field=DateField()))
        return super().filter_queryset(queryset)

    def filter_as_of(self, queryset, name, value):
        return queryset  # applied in filter_queryset, before the filters that depend on it

    def filter_dated(self, queryset, name, value):
        if self.form.cleaned_data.get("as_of"):
            return queryset  # applied set-based in filter_queryset (kindergartens_on)
        return queryset.filter(**{name: value})

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(name_search(value))


def _with_size_limit(klass: KindergartenClass, kindergarten: Kindergarten) -> KindergartenClass:
    klass.size_limit = class_size_limit(klass.class_type, kindergarten.schedule)
    klass.compliant = klass.children <= klass.size_limit
    return klass


class ClassListQuery(serializers.Serializer):
    include_inactive = serializers.BooleanField(required=False, default=False)


KINDERGARTEN_WRITE = {
    200: KindergartenSerializer,
    400: DetailSerializer,
    403: DetailSerializer,
    404: DetailSerializer,
}


@extend_schema_view(
    list=extend_schema(
        summary="幼儿园列表",
        description="调用者权限范围内的幼儿园及完整档案、在园幼儿数与班级数。"
        "指定 as_of 时按状态与性质的变动记录返回当日的值（as_of 字段）。",
    ),
    retrieve=extend_schema(summary="幼儿园详情", responses={200: KindergartenSerializer, **ERRORS}),
    update=extend_schema(
        summary="修改幼儿园",
        description="须提交全部档案字段。办园状态或性质变动时可用 effective_date 指定生效日期。",
        request=KindergartenUpdateSerializer,
        responses=KINDERGARTEN_WRITE,
    ),
    partial_update=extend_schema(
        summary="修改幼儿园（部分字段）",
        description="只修改提交的字段。办园状态或性质变动时可用 effective_date 指定生效日期。",
        request=KindergartenUpdateSerializer,
        responses=KINDERGARTEN_WRITE,
    ),
)
class KindergartenViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin, viewsets.GenericViewSet
):
    permission_classes = API_PERMISSIONS
    serializer_class = KindergartenSerializer
    filterset_class = KindergartenFilter
    filter_backends = [FilterBackend, OrderingFilter]
    ordering_fields = ["name", "id", "capacity"]
    ordering = ["name", "id"]

    # The right each action needs on a kindergarten already in scope (kindergartens.access).
    rights = {
        "retrieve": "view",
        "update": "change",
        "partial_update": "change",
        "history": "view_history",
        "status_history": "view",
    }

    def get_queryset(self):
        return kindergartens_visible_to(self.request.user)

    def page_loader(self):
        return self.load_page if self.action == "list" else None

    def load_page(self, ids: list[int]) -> list:
        """The rows of one list page (core.api.Pagination pages ids first): what the serializer reads."""
        # The filter has already validated ?as_of= (a bad date answered 400 before the page was read).
        return kindergarten_api_rows(ids, as_of=parse_date(self.request.query_params.get("as_of") or ""))

    def get_object(self, right: str | None = None):
        return kindergarten_get_for_user(self.request.user, self.kwargs["pk"], action=right or self.rights[self.action])

    def _record(self, kindergarten: Kindergarten) -> Kindergarten:
        """One kindergarten with what KindergartenSerializer reads beyond the row itself."""
        prefetch_related_objects([kindergarten], _active_assignments())
        counts = (
            with_enrolment(kindergartens_visible_to(self.request.user).filter(pk=kindergarten.pk))
            .values("enrolled", "class_count")
            .get()
        )
        kindergarten.enrolled, kindergarten.class_count = counts["enrolled"], counts["class_count"]
        return kindergarten

    def get_serializer_class(self):
        if self.action in ("update", "partial_update"):
            return KindergartenUpdateSerializer
        if self.action == "history":
            return AuditEntrySerializer
        if self.action == "status_history":
            return StatusChangeSerializer
        if self.action == "classes":
            return ClassSerializer
        return KindergartenSerializer

    def retrieve(self, request, *args, **kwargs):
        kindergarten = self._record(self.get_object())
        return Response(KindergartenSerializer(kindergarten, context=self.get_serializer_context()).data)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        kindergarten = self.get_object()
        form = KindergartenUpdateSerializer(
            data=request.data, partial=partial, context={**self.get_serializer_context(), "kindergarten": kindergarten}
        )
        form.is_valid(raise_exception=True)
        changes = dict(form.validated_data)
        effective_date = changes.pop("effective_date", None)
        kindergarten_update(
            actor=request.user, kindergarten=kindergarten, changes=changes, effective_date=effective_date
        )
        kindergarten = self._record(kindergarten)
        return Response(KindergartenSerializer(kindergarten, context=self.get_serializer_context()).data)

    @extend_schema(
        summary="幼儿园修改记录",
        description=(
            "该幼儿园的审计记录，最新的在前；时间为北京时间。每项变更给出字段名称和修改前后的可读内容"
            "（名称、中文含义、北京时间），存储值另列于 old_value / new_value。"
        ),
        responses={200: AuditEntrySerializer(many=True), **ERRORS},
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def history(self, request, pk=None):
        """The audit trail of this kindergarten, newest first, as people read it (core.history)."""
        kindergarten = self.get_object()
        page = self.paginate_queryset(history_for(kindergarten))
        return self.get_paginated_response(AuditEntrySerializer(entry_views(page), many=True).data)

    @extend_schema(
        summary="办园状态与性质变动记录",
        description="按生效日期排列的状态与性质变动，最新的在前；登记时间为北京时间。",
        responses={200: StatusChangeSerializer(many=True), **ERRORS},
    )
    @action(detail=True, methods=["get"], url_path="status-history", url_name="status-history", filter_backends=[])
    def status_history(self, request, pk=None):
        kindergarten = self.get_object()
        changes = kindergarten.status_changes.select_related("recorded_by").order_by(
            "-effective_date", "-recorded_at", "-id"
        )
        page = self.paginate_queryset(changes)
        return self.get_paginated_response(StatusChangeSerializer(page, many=True).data)

    @extend_schema(
        methods=["GET"],
        summary="班级列表",
        description="该幼儿园的班级及班额是否达标（幼儿园工作规程第十一条）。默认只列出在用班级。",
        parameters=[OpenApiParameter("include_inactive", OpenApiTypes.BOOL, description="同时列出已停用的班级")],
        responses={200: ClassSerializer(many=True), **ERRORS},
    )
    @extend_schema(
        methods=["POST"],
        summary="新增班级",
        request=ClassInputSerializer,
        responses={201: ClassSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["get", "post"], filter_backends=[])
    def classes(self, request, pk=None):
        if request.method == "POST":
            return self._class_create(request)
        kindergarten = self.get_object(right="view")
        query = ClassListQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        classes = kindergarten.classes.all()  # the related manager sets each class's kindergarten: no query per row
        if not query.validated_data["include_inactive"]:
            classes = classes.filter(is_active=True)
        page = self.paginate_queryset(sorted(classes, key=class_sort_key))  # a few dozen at most
        page = [_with_size_limit(klass, kindergarten) for klass in page]
        return self.get_paginated_response(ClassSerializer(page, many=True).data)

    def _class_create(self, request):
        kindergarten = self.get_object(right="manage_classes")
        form = ClassInputSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        klass = class_create(actor=request.user, kindergarten=kindergarten, **form.validated_data)
        return Response(ClassSerializer(_with_size_limit(klass, kindergarten)).data, status=status.HTTP_201_CREATED)


# --- classes --------------------------------------------------------------------------


@extend_schema_view(
    retrieve=extend_schema(summary="班级详情", responses={200: ClassSerializer, **ERRORS}),
    partial_update=extend_schema(
        summary="修改班级",
        description="只修改提交的字段；已停用的班级不能修改。",
        request=ClassInputSerializer,
        responses={200: ClassSerializer, **WRITE_ERRORS},
    ),
)
class ClassViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """One class: read, change (PATCH), deactivate. Classes are listed and created under their kindergarten."""

    permission_classes = API_PERMISSIONS
    serializer_class = ClassSerializer
    filter_backends: list = []

    rights = {"retrieve": "view", "partial_update": "change", "deactivate": "change"}

    def get_queryset(self):
        return classes_visible_to(self.request.user)

    def get_object(self):
        klass = class_get_for_user(self.request.user, self.kwargs["pk"], action=self.rights[self.action])
        return _with_size_limit(klass, klass.kindergarten)

    def partial_update(self, request, *args, **kwargs):
        klass = self.get_object()
        form = ClassInputSerializer(data=request.data, partial=True)
        form.is_valid(raise_exception=True)
        values = {"name": klass.name, "class_type": klass.class_type, "children": klass.children}
        class_update(actor=request.user, klass=klass, **{**values, **form.validated_data})
        return Response(ClassSerializer(_with_size_limit(klass, klass.kindergarten)).data)

    @extend_schema(
        summary="停用班级",
        description="班级毕业或合并后停用：不再计入在园人数与班额统计，记录保留。",
        request=None,
        responses={200: ClassSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def deactivate(self, request, pk=None):
        klass = self.get_object()
        class_deactivate(actor=request.user, klass=klass)
        return Response(ClassSerializer(klass).data)


# --- change filings (变更备案) ----------------------------------------------------------


class FilingFilter(FilterSet):
    state = django_filters.ChoiceFilter(label="状态", choices=ChangeFiling.State.choices)
    kindergarten = django_filters.ModelChoiceFilter(
        label="幼儿园", queryset=lambda request: kindergartens_visible_to(_user(request))
    )

    class Meta:
        model = ChangeFiling
        fields = ["state", "kindergarten"]

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if self.form.cleaned_data.get("state") == ChangeFiling.State.SUBMITTED:
            return queryset.order_by("submitted_at", "id")  # the review queue: longest waiting first
        return queryset.order_by("-submitted_at", "-id")


FILING_WRITE = {200: FilingDetailSerializer, **WRITE_ERRORS}


@extend_schema_view(
    list=extend_schema(
        summary="变更备案列表",
        description="调用者权限范围内幼儿园的变更备案。state=submitted 时按提交时间先后排列（审核队列），"
        "否则最新提交的在前。幼儿园工作人员无权查看。",
        responses={200: FilingSerializer(many=True), 403: DetailSerializer},
    ),
    retrieve=extend_schema(
        summary="变更备案详情",
        description="含逐项对比（提交时、申请值、当前值）与办理记录。",
        responses={200: FilingDetailSerializer, **ERRORS},
    ),
    create=extend_schema(
        summary="提交变更备案",
        description="园长为本园提交档案变更；proposed 中只保留与当前档案不同的项目。同一幼儿园同时只能有一份待处理的备案。",
        request=FilingCreateSerializer,
        responses={201: FilingDetailSerializer, 400: DetailSerializer, 403: DetailSerializer},
    ),
)
class ChangeFilingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Filings are never edited in place by PUT/PATCH nor deleted: they move by their actions."""

    permission_classes = API_PERMISSIONS
    serializer_class = FilingSerializer
    filterset_class = FilingFilter

    rights = {"retrieve": "view", "approve": "review", "return_": "review", "resubmit": "resubmit"}

    def get_queryset(self):
        return filings_visible_to(self.request.user).select_related("kindergarten", "filed_by", "decided_by")

    def get_object(self):
        return filing_get_for_user(self.request.user, self.kwargs["pk"], action=self.rights[self.action])

    def get_serializer_class(self):
        if self.action == "create":
            return FilingCreateSerializer
        if self.action == "retrieve":
            return FilingDetailSerializer
        return FilingSerializer

    def _detail(self, filing: ChangeFiling, *, code: int = status.HTTP_200_OK) -> Response:
        filing.diff = filing_diff(filing)
        prefetch_related_objects(
            [filing], Prefetch("events", queryset=ChangeFilingEvent.objects.select_related("actor"))
        )
        return Response(FilingDetailSerializer(filing).data, status=code)

    def list(self, request, *args, **kwargs):
        require(can(request.user, "list_filings"), "您没有查看变更备案的权限。")
        return super().list(request, *args, **kwargs)

    def retrieve(self, request, *args, **kwargs):
        return self._detail(self.get_object())

    def create(self, request, *args, **kwargs):
        # The kindergarten and the right first, so a caller without the right learns nothing from the body.
        target = FilingCreateSerializer(context=self.get_serializer_context()).fields["kindergarten"]
        raw = (
            request.data.get("kindergarten", serializers.empty) if isinstance(request.data, dict) else serializers.empty
        )
        try:
            kindergarten = target.run_validation(raw)
        except exceptions.ValidationError as exc:
            raise exceptions.ValidationError({"kindergarten": exc.detail}) from exc
        require(kindergarten_can(request.user, kindergarten, "file_change"), "只有本园园长可以提交变更备案。")
        form = FilingCreateSerializer(
            data=request.data, context={**self.get_serializer_context(), "kindergarten": kindergarten}
        )
        form.is_valid(raise_exception=True)
        filing = filing_submit(
            actor=request.user,
            kindergarten=kindergarten,
            proposed=form.validated_data["proposed"],
            effective_date=form.validated_data["effective_date"],
            explanation=form.validated_data["explanation"],
        )
        return self._detail(filing, code=status.HTTP_201_CREATED)

    @extend_schema(
        summary="修改后重新提交",
        description="园长修改已退回的变更备案后重新提交。",
        request=FilingInputSerializer,
        responses=FILING_WRITE,
    )
    @action(detail=True, methods=["post"])
    def resubmit(self, request, pk=None):
        filing = self.get_object()
        form = FilingInputSerializer(
            data=request.data, context={**self.get_serializer_context(), "kindergarten": filing.kindergarten}
        )
        form.is_valid(raise_exception=True)
        filing = filing_resubmit(
            actor=request.user,
            filing=filing,
            proposed=form.validated_data["proposed"],
            effective_date=form.validated_data["effective_date"],
            explanation=form.validated_data["explanation"],
        )
        return self._detail(filing)

    @extend_schema(
        summary="审核通过",
        description="按申请内容和生效日期更新幼儿园档案。备案提交后档案的相同项目已被他人修改时不予通过（400）。",
        request=None,
        responses=FILING_WRITE,
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        filing = filing_approve(actor=request.user, filing=self.get_object())
        return self._detail(filing)

    @extend_schema(
        summary="退回", description="退回园长修改，须写明理由。", request=FilingReturnSerializer, responses=FILING_WRITE
    )
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request, pk=None):
        filing = self.get_object()
        form = FilingReturnSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        filing = filing_return(actor=request.user, filing=filing, reason=form.validated_data["reason"])
        return self._detail(filing)
