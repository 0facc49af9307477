"""core.api.exception_handler: Django's exceptions become clear JSON answers in Chinese."""

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.http import Http404
from rest_framework import exceptions

from core.api import exception_handler


def handle(exc):
    return exception_handler(exc, {})


def test_field_errors():
    response = handle(ValidationError({"township": "街道/乡镇不属于该区县。", "name": ["太长", "重复"]}))
    assert response.status_code == 400
    assert response.data == {"township": ["街道/乡镇不属于该区县。"], "name": ["太长", "重复"]}


def test_non_field_errors_become_detail():
    response = handle(ValidationError({NON_FIELD_ERRORS: ["已存在同名幼儿园。"], "name": ["太长"]}))
    assert response.data == {"detail": "已存在同名幼儿园。", "name": ["太长"]}
    response = handle(ValidationError("该指派已经结束。"))
    assert response.status_code == 400
    assert response.data == {"detail": "该指派已经结束。"}
    response = handle(ValidationError(["甲", "乙"]))
    assert response.data == {"detail": "甲 乙"}


def test_permission_denied_keeps_the_service_message():
    response = handle(PermissionDenied("您不能修改该幼儿园。"))
    assert response.status_code == 403
    assert response.data == {"detail": "您不能修改该幼儿园。"}
    assert handle(PermissionDenied()).data == {"detail": "您没有执行此操作的权限。"}


@pytest.mark.parametrize("exc", [Http404(), Http404("No Kindergarten matches the given query.")])
def test_404_never_echoes_the_lookup(exc):
    response = handle(exc)
    assert response.status_code == 404
    assert response.data == {"detail": "未找到。"}


def test_drf_exceptions_pass_through():
    response = handle(exceptions.ValidationError({"name": ["必填"]}))
    assert (response.status_code, response.data) == (400, {"name": ["必填"]})


def test_other_exceptions_are_not_handled():
    assert handle(RuntimeError("boom")) is None


def test_drfs_own_messages_are_said_in_chinese():
    assert handle(exceptions.NotAuthenticated()).data == {
        "detail": "请先登录，或在请求头中携带 API 令牌（Authorization: Token <令牌>）。"
    }
    assert handle(exceptions.AuthenticationFailed("User inactive or deleted.")).data == {
        "detail": "API 令牌无效或已失效，请重新获取。"
    }
    assert handle(exceptions.PermissionDenied("You do not have permission.")).data == {
        "detail": "您没有执行此操作的权限。"
    }
    assert handle(exceptions.NotFound("No User matches the given query.")).data == {"detail": "未找到。"}
    assert handle(exceptions.ParseError("JSON parse error - Expecting value")).data == {
        "detail": "请求内容不是有效的 JSON，无法解析。"
    }
    response = handle(exceptions.Throttled(wait=41.2))
    assert (response.status_code, response["Retry-After"]) == (429, "42")
    assert response.data == {"detail": "请求过于频繁，请 42 秒后再试。"}
    assert handle(exceptions.APIException()).data == {"detail": "服务器暂时出现问题，请稍后再试。"}


def test_our_own_chinese_messages_are_kept():
    assert handle(exceptions.PermissionDenied("请先登录网页修改初始密码。")).data == {
        "detail": "请先登录网页修改初始密码。"
    }
    assert handle(exceptions.NotFound("该班级不存在。")).data == {"detail": "该班级不存在。"}
