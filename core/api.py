"""Shared REST API pieces: pagination, the exception handler and the scoped relation field.

Every API view fetches protected objects through the apps' access functions; the pieces
here only translate what those functions and the services raise into HTTP answers:
Django's ``ValidationError`` → 400 ``{"field": ["…"]}`` (``{"detail": "…"}`` when it is not
about one field), ``PermissionDenied`` → 403 with the service's message, ``Http404`` → 404
with a fixed message (never the lookup that failed). DRF's own errors keep their status
code and headers (401 with ``WWW-Authenticate``, 405 with ``Allow``, 429 with ``Retry-After``)
and get a Chinese ``detail`` (``API_ERRORS``).
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.paginator import Page
from django.http import Http404
from django.utils.translation import get_language
from rest_framework import exceptions, serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from core.api_auth import API_PERMISSIONS, PasswordChanged  # noqa: F401  (the apps import them from here)
from core.client_ip import client_ip
from core.lists import counted_paginator, load_in_order, page_ids_and_total

NOT_FOUND = "未找到。"
FORBIDDEN = "您没有执行此操作的权限。"
NOT_SIGNED_IN = "请先登录，或在请求头中携带 API 令牌（Authorization: Token <令牌>）。"
BAD_CREDENTIALS = "API 令牌无效或已失效，请重新获取。"
SERVER_ERROR = "服务器暂时出现问题，请稍后再试。"
# The same words for "no such id" and "not yours": a body field never reveals what exists elsewhere.
INVALID_CHOICE = "无效的编号：对象不存在或不在您的权限范围内。"


class RecordIdField(serializers.IntegerField):
    """A record's number in a request body: a positive integer the database's keys can hold. A list of
    them is looked up with ``pk__in``, where a number past the integer range made the query fail (a 500)
    instead of answering 400; a single one is checked the same way."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(**kwargs)


class ClientScopedRateThrottle(ScopedRateThrottle):
    """DRF's scoped throttle, counted per client address (core.client_ip), not per proxy."""

    def get_ident(self, request):
        return client_ip(request) or ""


class Pagination(PageNumberPagination):
    """Page numbers; a view whose ``page_loader()`` returns a function is paged ids first
    (core.lists): the count and the page's ids come from the narrow filtered queryset in one query,
    then the function fetches those rows with everything the serializer reads, in the page's order."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def paginate_queryset(self, queryset, request, view=None):
        load = view.page_loader() if hasattr(view, "page_loader") else None
        if load is None or not hasattr(queryset, "values_list"):
            return super().paginate_queryset(queryset, request, view)
        self.request = request
        page_size = self.get_page_size(request)
        raw_number = request.query_params.get(self.page_query_param) or "1"
        number = int(raw_number) if raw_number.isdigit() and raw_number.isascii() else 0
        ids, total = (
            page_ids_and_total(queryset, offset=(number - 1) * page_size, limit=page_size)
            if number >= 1
            else ([], None)
        )
        if total is None:
            # "last", junk or past the end: DRF's own path gives the last page or its 404.
            ids = super().paginate_queryset(queryset.values_list("pk", flat=True), request, view)
            return load_in_order(list(ids), load)
        self.page = Page(ids, number, counted_paginator(total, page_size))
        self.display_page_controls = self.page.paginator.num_pages > 1 and self.template is not None
        return load_in_order(ids, load)


def _validation_payload(exc: DjangoValidationError) -> dict:
    if hasattr(exc, "error_dict"):
        payload: dict = {}
        for field, messages in exc.message_dict.items():
            if field == NON_FIELD_ERRORS:
                payload["detail"] = " ".join(messages)
            else:
                payload[field] = list(messages)
        return payload
    return {"detail": " ".join(exc.messages)}


def _has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _chinese_detail(exc: exceptions.APIException, request) -> str | None:
    """The Chinese ``detail`` for one of DRF's own errors, or None to keep the one it has.

    DRF's texts are English (or a translation of its technical wording, e.g. a JSON parser's
    message), so for these classes the project says it in its own words. A message of our own
    (Chinese, from a service or an access check) is kept.
    """
    if isinstance(exc, exceptions.NotAuthenticated):
        return NOT_SIGNED_IN
    if isinstance(exc, exceptions.AuthenticationFailed):
        return BAD_CREDENTIALS  # a bad header, an unknown token or a deactivated account alike
    if isinstance(exc, exceptions.MethodNotAllowed):
        return f"不支持 {request.method if request is not None else ''} 请求方法。"
    if isinstance(exc, exceptions.UnsupportedMediaType):
        media_type = request.content_type if request is not None else ""
        return f"不支持请求内容的格式“{media_type}”，请使用 JSON。"
    if isinstance(exc, exceptions.NotAcceptable):
        return "无法按请求的格式（Accept）返回内容，请接受 application/json。"
    if isinstance(exc, exceptions.Throttled):
        # DRF rounds the wait up to whole seconds; Retry-After carries the same number.
        return f"请求过于频繁，请 {exc.wait} 秒后再试。" if exc.wait else "请求过于频繁，请稍后再试。"
    if isinstance(exc, exceptions.ParseError):
        return "请求内容不是有效的 JSON，无法解析。"
    if exc.status_code >= 500:
        return SERVER_ERROR
    if isinstance(exc.detail, (list, dict)) or _has_chinese(str(exc.detail)):
        return None
    if isinstance(exc, exceptions.PermissionDenied):
        return FORBIDDEN
    if isinstance(exc, exceptions.NotFound):
        return NOT_FOUND
    return "请求有误，请检查后重试。"


def exception_handler(exc, context):
    """DRF's handler, plus Django's ValidationError/PermissionDenied/Http404 with Chinese messages."""
    if isinstance(exc, DjangoValidationError):
        set_rollback()
        return Response(_validation_payload(exc), status=400)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(NOT_FOUND)
    elif isinstance(exc, DjangoPermissionDenied):
        message = exc.args[0] if exc.args and isinstance(exc.args[0], str) and exc.args[0] else FORBIDDEN
        exc = exceptions.PermissionDenied(message)
    if isinstance(exc, exceptions.APIException):
        detail = _chinese_detail(exc, context.get("request"))
        if detail is not None:
            exc.detail = exceptions.ErrorDetail(detail, code=getattr(exc.detail, "code", exc.default_code))
    return drf_exception_handler(exc, context)


class ScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A primary key in a request body, resolved only inside the caller's scope.

    ``scope`` is an access-layer function ``user -> queryset``. Unknown and foreign ids give
    the same 400, so a body field can never be used to probe another district's ids.
    ``model_queryset`` is only the model's empty queryset, so the schema knows the type.
    """

    default_error_messages = {
        "does_not_exist": INVALID_CHOICE,
        "incorrect_type": "编号必须是整数。",
    }

    def __init__(self, *, scope: Callable, model_queryset, **kwargs):
        self.scope = scope
        super().__init__(queryset=model_queryset, **kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        if request is None:
            return self.queryset.none()
        return self.scope(request.user)

    def to_internal_value(self, data):
        if isinstance(data, bool):  # True == 1 in Python; an id is never a boolean
            self.fail("incorrect_type", data_type=type(data).__name__)
        return super().to_internal_value(data)


_fast_plans: dict[tuple, list] = {}


class FastReadMixin:
    """Output serializers for long lists: the same fields and values as DRF's ``to_representation``,
    without its per-field look-up machinery (a 50-row list page spent most of its time there).

    Each readable field's source path is resolved once; per row the value is read with plain
    attribute access and given to the field's own ``to_representation`` (so formats and nested
    serializers are exactly DRF's). ``tests/core/test_api_fast.py`` pins the equality.

    The plan is kept per serializer class and language, not built again for every request (DRF deep-
    copies every declared field of every serializer instance: ~8% of an API list request), so a
    serializer using the mixin declares its fields statically (none added or dropped per request or
    per user) and its ``SerializerMethodField`` methods are called on the serializer at hand. Choice
    labels are looked up once per language, not once per value (``get_language`` per value: ~9%).
    """

    def _fast_plan(self):
        plan = getattr(self, "_fast_plan_cache", None)
        if plan is None:
            key = (type(self), get_language())
            plan = _fast_plans.get(key)
            if plan is None:
                # From a serializer of its own, so that the kept plan holds no request of anybody's.
                template = type(self)(context={})
                plan = _fast_plans[key] = [_plan_entry(field) for field in template._readable_fields]
            self._fast_plan_cache = plan
        return plan

    def to_representation(self, instance):
        result = {}
        for name, attrs, represent, method in self._fast_plan():
            if method is not None:
                result[name] = getattr(self, method)(instance)
                continue
            value = instance
            for attr in attrs:  # source="*" has no attrs: the field gets the instance itself
                if value is None:
                    break
                value = value[attr] if isinstance(value, dict) else getattr(value, attr)
                if callable(value) and not hasattr(value, "all"):  # get_FOO_display; not a related manager
                    value = value()
            result[name] = None if value is None else represent(value)
        return result


def _plan_entry(field) -> tuple:
    """(name, source attributes, how the value is shown, the method of a SerializerMethodField)."""
    if isinstance(field, serializers.SerializerMethodField):
        return field.field_name, (), None, field.method_name
    represent = field.to_representation
    if isinstance(field, ChoiceLabelField):
        from core.lists import choice_labels

        labels = choice_labels(field.label_choices)  # the plan is kept per language

        def represent(value, labels=labels):
            return labels.get(value, value)

    return field.field_name, tuple(field.source_attrs), represent, None


class ChoiceLabelField(serializers.CharField):
    """The label of a choice value in the active language, as ``get_FOO_display`` gives it (labels
    built once per language); reads the value itself, so plain rows serialise as well as models."""

    def __init__(self, choices, **kwargs):
        self.label_choices = choices
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, value):
        from core.lists import choice_labels

        return choice_labels(self.label_choices).get(value, value)


class BriefSerializer(FastReadMixin, serializers.Serializer):
    """``{id, name}`` of a related record."""

    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)


class DetailSerializer(serializers.Serializer):
    """The body of an error answer."""

    detail = serializers.CharField()
