"""API for the signed-in user, API tokens and accounts.

Accounts are fetched through accounts.access (404 outside the scope, 403 without the
right) and written through accounts.services. Accounts are never deleted: there is no
DELETE, so it answers 405.
"""

from __future__ import annotations

import django_filters
from django.contrib.auth import authenticate, user_logged_in
from django.db.models import Q
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import can_list_users, grantable_roles, user_get_for_user, users_visible_to
from accounts.forms import LOGIN_FAILED
from accounts.models import User
from accounts.roles import Role
from accounts.serializers import (
    MeSerializer,
    TemporaryPasswordSerializer,
    TokenObtainSerializer,
    TokenSerializer,
    UserCreatedSerializer,
    UserCreateSerializer,
    UserSerializer,
    UserUpdateSerializer,
)
from accounts.services import user_create, user_reset_password, user_set_active, user_update
from core.access import require
from core.api import API_PERMISSIONS, ClientScopedRateThrottle, DetailSerializer
from core.filters import FilterSet

ERRORS = {403: DetailSerializer, 404: DetailSerializer}
# Answers that carry a secret must not be kept by browsers or proxies.
NO_STORE = {"Cache-Control": "no-store"}


class LockedOut(exceptions.APIException):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_detail = "登录失败次数过多，该账号在此地址已被暂时锁定，请稍后再试。"
    default_code = "locked_out"


@extend_schema(summary="当前用户", responses={200: MeSerializer})
class MeView(APIView):
    # Open to accounts on a one-time password too, so a client can read ``must_change_password``.
    permission_classes = [IsAuthenticated]

    def get(self, request):
        return Response(MeSerializer(request.user).data)


class TokenView(APIView):
    """Obtain (POST) or revoke (DELETE) the caller's API token.

    The password is checked by ``django.contrib.auth.authenticate`` with the request, so
    django-axes counts failures and locks the username+address pair like the login page.
    """

    throttle_classes = [ClientScopedRateThrottle]
    throttle_scope = "token"

    def get_permissions(self):
        if self.request.method == "POST":
            return [AllowAny()]
        return [permission() for permission in API_PERMISSIONS]

    @extend_schema(
        summary="获取 API 令牌",
        description="用用户名和密码换取令牌，之后在请求头中携带 `Authorization: Token <令牌>`。"
        "同一用户名在同一地址连续失败 5 次后暂时锁定。",
        request=TokenObtainSerializer,
        responses={
            200: TokenSerializer,
            400: OpenApiResponse(DetailSerializer, description="用户名或密码错误，或账号已停用"),
            403: OpenApiResponse(DetailSerializer, description="账号仍在使用初始密码，须先在网页上修改"),
            429: OpenApiResponse(DetailSerializer, description="失败次数过多，已暂时锁定"),
        },
        auth=[],
    )
    def post(self, request):
        form = TokenObtainSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        username = form.validated_data["username"]
        password = form.validated_data["password"]
        # The DRF request, not request._request: axes reads the address through it and sets its
        # lock-out flag on it, so AxesMiddleware does not swap this JSON answer for the HTML page.
        user = authenticate(request=request, username=username, password=password)
        if user is None:
            if getattr(request, "axes_locked_out", False):
                raise LockedOut
            # The login page's words: a deactivated account is not told apart from a wrong password.
            raise exceptions.ValidationError({"detail": LOGIN_FAILED})
        if user.must_change_password:
            # A token outlives password changes: never issue one for a password an administrator has seen.
            raise exceptions.PermissionDenied("请先登录网页修改初始密码，再获取 API 令牌。")
        # A token is a sign-in: record it (last_login, axes' success log and counter reset).
        user_logged_in.send(sender=type(user), request=request, user=user)
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key}, headers=NO_STORE)

    @extend_schema(summary="注销 API 令牌", description="删除调用者自己的令牌。", request=None, responses={204: None})
    def delete(self, request):
        Token.objects.filter(user=request.user).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class UserFilter(FilterSet):
    role = django_filters.ChoiceFilter(label="角色", choices=Role.choices)
    is_active = django_filters.BooleanFilter(label="是否启用")
    search = django_filters.CharFilter(label="用户名或姓名包含", method="filter_search")

    class Meta:
        model = User
        fields = ["role", "is_active"]

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(username__icontains=value) | Q(full_name__icontains=value))


@extend_schema_view(
    list=extend_schema(summary="账号列表", description="调用者权限范围内的账号。", responses={200: UserSerializer}),
    retrieve=extend_schema(summary="账号详情", responses={200: UserSerializer, **ERRORS}),
    create=extend_schema(
        summary="创建账号",
        description="返回的 temporary_password 仅出现一次；用户首次登录须修改密码。",
        request=UserCreateSerializer,
        responses={201: UserCreatedSerializer, 403: DetailSerializer},
    ),
    partial_update=extend_schema(
        summary="修改账号", request=UserUpdateSerializer, responses={200: UserSerializer, **ERRORS}
    ),
)
class UserViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = API_PERMISSIONS
    serializer_class = UserSerializer
    filterset_class = UserFilter

    # The right each action needs on an account already in scope (accounts.access).
    rights = {
        "retrieve": "view",
        "partial_update": "manage",
        "reset_password": "manage",
        "deactivate": "manage",
        "activate": "manage",
    }

    def get_queryset(self):
        return users_visible_to(self.request.user).select_related("bureau", "kindergarten").order_by("username", "id")

    def get_object(self):
        return user_get_for_user(self.request.user, self.kwargs["pk"], action=self.rights[self.action])

    def get_serializer_class(self):
        if self.action == "create":
            return UserCreateSerializer
        if self.action == "partial_update":
            return UserUpdateSerializer
        return UserSerializer

    def list(self, request, *args, **kwargs):
        require(can_list_users(request.user), "您没有查看账号列表的权限。")
        return super().list(request, *args, **kwargs)

    def create(self, request, *args, **kwargs):
        require(bool(grantable_roles(request.user)), "您没有创建账号的权限。")
        form = UserCreateSerializer(data=request.data, context=self.get_serializer_context())
        form.is_valid(raise_exception=True)
        user, password = user_create(actor=request.user, **form.validated_data)
        body = {**UserSerializer(user).data, "temporary_password": password}
        return Response(body, status=status.HTTP_201_CREATED, headers=NO_STORE)

    def partial_update(self, request, *args, **kwargs):
        target = self.get_object()
        form = UserUpdateSerializer(data=request.data, partial=True, context=self.get_serializer_context())
        form.is_valid(raise_exception=True)
        values = {
            "full_name": target.full_name,
            "role": target.role,
            "phone": target.phone,
            "email": target.email,
            "bureau": target.bureau,
            "kindergarten": target.kindergarten,
            **form.validated_data,
        }
        user_update(actor=request.user, user=target, **values)
        return Response(UserSerializer(target).data)

    @extend_schema(summary="重置密码", request=None, responses={200: TemporaryPasswordSerializer, **ERRORS})
    @action(detail=True, methods=["post"], url_path="reset-password", url_name="reset-password")
    def reset_password(self, request, pk=None):
        target = self.get_object()
        password = user_reset_password(actor=request.user, user=target)
        return Response({"temporary_password": password}, headers=NO_STORE)

    @extend_schema(summary="停用账号", request=None, responses={200: UserSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def deactivate(self, request, pk=None):
        target = self.get_object()
        user_set_active(actor=request.user, user=target, active=False)
        return Response(UserSerializer(target).data)

    @extend_schema(summary="启用账号", request=None, responses={200: UserSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def activate(self, request, pk=None):
        target = self.get_object()
        user_set_active(actor=request.user, user=target, active=True)
        return Response(UserSerializer(target).data)
