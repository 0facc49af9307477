"""API for the staff roster: people, employments, certificates, record checks, training, misconduct.

Reads are scoped by staffing.access (directors their own staff, the bureau its district, supervisors
their assigned kindergartens', the city viewer its districts); ID numbers are always masked here
(the full number is shown only on the person page, where each reveal is recorded). Writes go
through staffing.services, which check the right again.
"""

from __future__ import annotations

import django_filters
from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from core.access import require
from core.api import API_PERMISSIONS, ChoiceLabelField, DetailSerializer
from core.filters import FilterSet
from kindergartens.access import kindergartens_visible_to
from staffing.access import (
    can,
    certificate_get_for_user,
    employment_get_for_user,
    employments_visible_to,
    misconduct_get_for_user,
    misconduct_visible_to,
    people_visible_to,
    person_get_for_user,
    record_check_get_for_user,
    training_get_for_user,
)
from staffing.models import (
    Backbone,
    Certificate,
    CertificateKind,
    Education,
    Employment,
    Gender,
    Misconduct,
    Person,
    Post,
    PostType,
    RecordCheck,
    Sanction,
    Title,
    Training,
)
from staffing.services import (
    certificate_add,
    certificate_scan_attach,
    employment_end,
    employment_update,
    misconduct_record,
    person_hire,
    person_update,
    record_check_add,
    training_add,
)

ERRORS = {400: DetailSerializer, 403: DetailSerializer, 404: DetailSerializer}


class StaffPersonSerializer(serializers.ModelSerializer):
    id_number = serializers.CharField(source="id_masked", read_only=True, help_text="部分隐藏的身份证号码")
    gender = ChoiceLabelField(Gender)
    education = ChoiceLabelField(Education)
    title = ChoiceLabelField(Title)
    backbone = ChoiceLabelField(Backbone)

    class Meta:
        model = Person
        fields = ["id", "name", "id_number", "gender", "birth_date", "phone", "education", "title", "backbone"]


class EmploymentSerializer(serializers.ModelSerializer):
    person = StaffPersonSerializer(read_only=True)
    kindergarten = serializers.CharField(source="kindergarten.name", read_only=True)
    kindergarten_id = serializers.IntegerField(read_only=True)
    post = ChoiceLabelField(Post)
    post_type = ChoiceLabelField(PostType)

    class Meta:
        model = Employment
        fields = [
            "id",
            "person",
            "kindergarten_id",
            "kindergarten",
            "post",
            "post_type",
            "is_safety_officer",
            "social_insurance",
            "hire_date",
            "leave_date",
            "leave_reason",
            "hire_filed_late",
            "leave_filed_late",
        ]


class HireSerializer(serializers.Serializer):
    kindergarten = serializers.IntegerField(label="幼儿园编号")
    name = serializers.CharField(label="姓名", max_length=50)
    id_number = serializers.CharField(label="身份证号码", max_length=18, write_only=True)
    post = serializers.ChoiceField(label="岗位", choices=Post.choices)
    post_type = serializers.ChoiceField(label="编制情况", choices=PostType.choices)
    hire_date = serializers.DateField(label="入职日期")
    is_safety_officer = serializers.BooleanField(label="兼任安全员", default=False)
    social_insurance = serializers.BooleanField(label="已缴纳社会保险", default=False)
    phone = serializers.CharField(label="联系电话", max_length=20, required=False, default="")
    education = serializers.ChoiceField(label="学历", choices=Education.choices, required=False, default="")
    title = serializers.ChoiceField(label="职称", choices=Title.choices, required=False, default="")
    backbone = serializers.ChoiceField(label="骨干教师", choices=Backbone.choices, required=False, default="")


class PersonUpdateSerializer(serializers.Serializer):
    """What may change on a person (the ID number is the identity and never changes)."""

    name = serializers.CharField(label="姓名", max_length=50, required=False)
    phone = serializers.CharField(label="联系电话", max_length=20, required=False, allow_blank=True)
    education = serializers.ChoiceField(label="学历", choices=Education.choices, required=False, allow_blank=True)
    title = serializers.ChoiceField(label="职称", choices=Title.choices, required=False, allow_blank=True)
    backbone = serializers.ChoiceField(label="骨干教师", choices=Backbone.choices, required=False, allow_blank=True)


class EmploymentUpdateSerializer(serializers.Serializer):
    """The terms of an employment; the post and the dates change by leaving and a new hire."""

    post_type = serializers.ChoiceField(label="编制情况", choices=PostType.choices, required=False)
    social_insurance = serializers.BooleanField(label="已缴纳社会保险", required=False)
    is_safety_officer = serializers.BooleanField(label="兼任安全员", required=False)


class EndSerializer(serializers.Serializer):
    leave_date = serializers.DateField(label="离职日期")
    reason = serializers.CharField(label="离职原因", max_length=200, required=False, default="")


class StaffCertificateSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(source="kind.name", read_only=True)
    has_scan = serializers.SerializerMethodField(help_text="是否已上传扫描件（经权限检查的地址见 scan_url）")
    scan_url = serializers.SerializerMethodField()

    class Meta:
        model = Certificate
        fields = ["id", "person", "kind", "number", "issuer", "issued_on", "expires_on", "has_scan", "scan_url"]

    def get_has_scan(self, obj) -> bool:
        return bool(obj.scan)

    def get_scan_url(self, obj) -> str | None:
        return reverse("staffing:certificate-scan", kwargs={"pk": obj.pk}) if obj.scan else None


class ScanUploadSerializer(serializers.Serializer):
    scan = serializers.FileField(label="扫描件（JPG、PNG 或 PDF）")


class CertificateCreateSerializer(serializers.Serializer):
    person = serializers.IntegerField(label="人员编号")
    kind = serializers.SlugRelatedField(label="证书类型代码", slug_field="code", queryset=CertificateKind.objects.all())
    number = serializers.CharField(label="证书编号", max_length=60)
    issuer = serializers.CharField(label="发证机关", max_length=100, required=False, default="")
    issued_on = serializers.DateField(label="发证日期")
    expires_on = serializers.DateField(label="有效期至", required=False, allow_null=True, default=None)


class RecordCheckSerializer(serializers.ModelSerializer):
    kind = ChoiceLabelField(RecordCheck.Kind)
    result = ChoiceLabelField(RecordCheck.Result)

    class Meta:
        model = RecordCheck
        fields = ["id", "person", "kind", "checked_on", "result", "authority"]


class RecordCheckCreateSerializer(serializers.Serializer):
    person = serializers.IntegerField(label="人员编号")
    kind = serializers.ChoiceField(label="查询类型", choices=RecordCheck.Kind.choices)
    checked_on = serializers.DateField(label="查询日期")
    result = serializers.ChoiceField(label="查询结果", choices=RecordCheck.Result.choices)
    authority = serializers.CharField(label="查询机关", max_length=100, required=False, default="")


class TrainingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Training
        fields = ["id", "person", "title", "provider", "completed_on", "hours"]


class TrainingCreateSerializer(serializers.Serializer):
    person = serializers.IntegerField(label="人员编号")
    title = serializers.CharField(label="培训名称", max_length=100)
    provider = serializers.CharField(label="培训机构", max_length=100, required=False, default="")
    completed_on = serializers.DateField(label="完成日期")
    hours = serializers.DecimalField(label="学时", max_digits=6, decimal_places=1)


class MisconductSerializer(serializers.ModelSerializer):
    district = serializers.CharField(source="district.name", read_only=True)
    sanction = ChoiceLabelField(Sanction)

    class Meta:
        model = Misconduct
        fields = [
            "id",
            "person",
            "district",
            "occurred_on",
            "decided_on",
            "description",
            "sanction",
            "sanction_until",
            "veto",
        ]


class MisconductCreateSerializer(serializers.Serializer):
    person = serializers.IntegerField(label="人员编号")
    occurred_on = serializers.DateField(label="发生日期")
    decided_on = serializers.DateField(label="处理日期")
    description = serializers.CharField(label="情况说明", max_length=500)
    sanction = serializers.ChoiceField(label="处分", choices=Sanction.choices)
    veto = serializers.BooleanField(label="一票否决", default=False)


class PersonFilter(FilterSet):
    # Only kindergartens in the caller's scope are valid choices (no probing of foreign ids).
    kindergarten = django_filters.ModelChoiceFilter(
        label="幼儿园",
        queryset=lambda request: kindergartens_visible_to(getattr(request, "user", None)),
        field_name="employments__kindergarten",
        distinct=True,
    )
    name = django_filters.CharFilter(label="姓名", lookup_expr="icontains")

    class Meta:
        model = Person
        fields = ["kindergarten", "name"]


class EmploymentFilter(FilterSet):
    kindergarten = django_filters.ModelChoiceFilter(
        label="幼儿园", queryset=lambda request: kindergartens_visible_to(getattr(request, "user", None))
    )
    current = django_filters.BooleanFilter(label="是否在职", field_name="leave_date", lookup_expr="isnull")

    class Meta:
        model = Employment
        fields = ["kindergarten", "current"]


class PersonChildFilter(FilterSet):
    person = django_filters.NumberFilter(label="人员编号", field_name="person_id")


@extend_schema_view(
    list=extend_schema(summary="教职工列表（身份证号码部分隐藏）"),
    retrieve=extend_schema(summary="教职工详情", responses={200: StaffPersonSerializer, **ERRORS}),
    partial_update=extend_schema(
        summary="修改教职工信息",
        description="姓名、联系电话、学历、职称、骨干教师；身份证号码不能修改。园长姓名随之同步到园所信息。",
        request=PersonUpdateSerializer,
        responses={200: StaffPersonSerializer, **ERRORS},
    ),
)
class PersonViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = API_PERMISSIONS
    serializer_class = StaffPersonSerializer
    filterset_class = PersonFilter
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self):
        return people_visible_to(self.request.user).order_by("name", "pk")

    def get_object(self):
        action_name = "manage" if self.action == "partial_update" else "view"
        return person_get_for_user(self.request.user, self.kwargs["pk"], action=action_name)

    def partial_update(self, request, *args, **kwargs):
        person = self.get_object()
        form = PersonUpdateSerializer(data=request.data, partial=True)
        form.is_valid(raise_exception=True)
        person_update(actor=request.user, person=person, changes=dict(form.validated_data))
        return Response(StaffPersonSerializer(person).data)


@extend_schema_view(
    list=extend_schema(summary="任职记录列表"),
    retrieve=extend_schema(summary="任职记录详情", responses={200: EmploymentSerializer, **ERRORS}),
    create=extend_schema(
        summary="新增教职工（入职）",
        description="按身份证号码关联本市已有人员；黑名单人员、入职查询有记录者、仍在他园在职者不能入职。",
        request=HireSerializer,
        responses={201: EmploymentSerializer, **ERRORS},
    ),
    end=extend_schema(summary="办理离职", request=EndSerializer, responses={200: EmploymentSerializer, **ERRORS}),
    partial_update=extend_schema(
        summary="修改任职信息",
        description="编制情况、社会保险、兼任安全员；岗位和日期须办理离职后重新入职。",
        request=EmploymentUpdateSerializer,
        responses={200: EmploymentSerializer, **ERRORS},
    ),
)
class EmploymentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = API_PERMISSIONS
    serializer_class = EmploymentSerializer
    filterset_class = EmploymentFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return (
            employments_visible_to(self.request.user)
            .select_related("person", "kindergarten")
            .order_by("kindergarten__name", "person__name", "pk")
        )

    def get_object(self):
        action_name = "manage" if self.action in ("end", "partial_update") else "view"
        return employment_get_for_user(self.request.user, self.kwargs["pk"], action=action_name)

    def partial_update(self, request, *args, **kwargs):
        employment = self.get_object()
        form = EmploymentUpdateSerializer(data=request.data, partial=True)
        form.is_valid(raise_exception=True)
        if employment.leave_date is not None:
            raise serializers.ValidationError({"detail": "该任职记录已办理离职，不能修改。"})
        employment_update(actor=request.user, employment=employment, changes=dict(form.validated_data))
        return Response(EmploymentSerializer(employment).data)

    def create(self, request, *args, **kwargs):
        form = HireSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        kindergarten = kindergartens_visible_to(request.user).filter(pk=data.pop("kindergarten")).first()
        if kindergarten is None:
            raise serializers.ValidationError({"kindergarten": ["无效的编号：对象不存在或不在您的权限范围内。"]})
        require(can(request.user, "manage"), "您没有维护该园教职工信息的权限。")
        employment = person_hire(actor=request.user, kindergarten=kindergarten, **data)
        return Response(EmploymentSerializer(employment).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        employment = self.get_object()
        form = EndSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        employment = employment_end(actor=request.user, employment=employment, **form.validated_data)
        return Response(EmploymentSerializer(employment).data)


class _PersonChildViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """List (scoped, ?person=), detail (through the access layer) and create (through the service)
    of a person's records."""

    permission_classes = API_PERMISSIONS
    filterset_class = PersonChildFilter
    create_serializer: type[serializers.Serializer]
    person_action = "manage"
    get_for_user = None  # staffing.access's ``<record>_get_for_user``

    def get_object(self):
        return self.get_for_user(self.request.user, self.kwargs["pk"])

    def write(self, person, data):
        raise NotImplementedError

    def create(self, request, *args, **kwargs):
        form = self.create_serializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        person = person_get_for_user(request.user, data.pop("person"), action=self.person_action)
        obj = self.write(person, data)
        return Response(self.serializer_class(obj).data, status=status.HTTP_201_CREATED)


def _child_schema(label: str, request, response):
    return extend_schema_view(
        list=extend_schema(summary=f"{label}列表"),
        retrieve=extend_schema(summary=f"{label}详情", responses={200: response, **ERRORS}),
        create=extend_schema(summary=f"登记{label}", request=request, responses={201: response, **ERRORS}),
    )


@_child_schema("证书", CertificateCreateSerializer, StaffCertificateSerializer)
@extend_schema_view(
    scan=extend_schema(
        summary="上传证书扫描件",
        description="multipart/form-data，字段 scan：JPG、PNG 图片或 PDF 文件（按文件内容识别，大小有上限）；替换已有扫描件。",
        request={"multipart/form-data": ScanUploadSerializer},
        responses={200: StaffCertificateSerializer, **ERRORS},
    )
)
class CertificateViewSet(_PersonChildViewSet):
    serializer_class = StaffCertificateSerializer
    create_serializer = CertificateCreateSerializer
    get_for_user = staticmethod(certificate_get_for_user)

    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser, JSONParser])
    def scan(self, request, pk=None):
        certificate = certificate_get_for_user(request.user, pk, action="manage")
        upload = request.FILES.get("scan")
        if upload is None:
            raise serializers.ValidationError({"scan": ["请选择要上传的扫描件。"]})
        certificate = certificate_scan_attach(actor=request.user, certificate=certificate, upload=upload)
        return Response(StaffCertificateSerializer(certificate).data)

    def get_queryset(self):
        return (
            Certificate.objects.filter(person__in=people_visible_to(self.request.user))
            .select_related("kind")
            .order_by("pk")
        )

    def write(self, person, data):
        return certificate_add(actor=self.request.user, person=person, **data)


@_child_schema("入职查询", RecordCheckCreateSerializer, RecordCheckSerializer)
class RecordCheckViewSet(_PersonChildViewSet):
    serializer_class = RecordCheckSerializer
    create_serializer = RecordCheckCreateSerializer

    get_for_user = staticmethod(record_check_get_for_user)

    def get_queryset(self):
        return RecordCheck.objects.filter(person__in=people_visible_to(self.request.user)).order_by("pk")

    def write(self, person, data):
        return record_check_add(actor=self.request.user, person=person, **data)


@_child_schema("培训记录", TrainingCreateSerializer, TrainingSerializer)
class TrainingViewSet(_PersonChildViewSet):
    serializer_class = TrainingSerializer
    create_serializer = TrainingCreateSerializer

    get_for_user = staticmethod(training_get_for_user)

    def get_queryset(self):
        return Training.objects.filter(person__in=people_visible_to(self.request.user)).order_by("pk")

    def write(self, person, data):
        return training_add(actor=self.request.user, person=person, **data)


@_child_schema("师德失范记录", MisconductCreateSerializer, MisconductSerializer)
class MisconductViewSet(_PersonChildViewSet):
    """The bureau's records (the city viewer reads its districts'); others get an empty list."""

    serializer_class = MisconductSerializer
    create_serializer = MisconductCreateSerializer
    person_action = "record_misconduct"

    get_for_user = staticmethod(misconduct_get_for_user)

    def get_queryset(self):
        return misconduct_visible_to(self.request.user).select_related("district").order_by("pk")

    def write(self, person, data):
        return misconduct_record(actor=self.request.user, person=person, **data)
