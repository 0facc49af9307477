"""Who may call the API: REST_FRAMEWORK's default authentication and permission classes.

A module of its own because DRF imports these while defining APIView: it must not import
rest_framework.views (core.api does).
"""

import re

from rest_framework import authentication, exceptions
from rest_framework.permissions import BasePermission, IsAuthenticated

CSRF_FAILED = "安全校验失败（CSRF），请刷新页面后重试。"
_TOKEN_KEY = re.compile(r"[0-9a-f]{40}")  # rest_framework.authtoken: 20 random bytes in hex


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token authentication. A key that cannot be a token is refused before the database
    sees it: PostgreSQL answers a NUL character in a query with an error (a 500), not a miss."""

    def authenticate_credentials(self, key):
        if not _TOKEN_KEY.fullmatch(key):
            raise exceptions.AuthenticationFailed()
        return super().authenticate_credentials(key)


class SessionAuthentication(authentication.SessionAuthentication):
    """The browser's session, as DRF's, with a Chinese answer when the CSRF check fails."""

    def enforce_csrf(self, request):
        try:
            super().enforce_csrf(request)
        except exceptions.PermissionDenied as exc:
            raise exceptions.PermissionDenied(CSRF_FAILED) from exc


# REST_FRAMEWORK lists TokenAuthentication first: DRF answers "not signed in" with 401 and takes
# the WWW-Authenticate header from the first class; SessionAuthentication has none (DRF then says 403).


class PasswordChanged(BasePermission):
    """Refuse accounts still on an administrator-issued one-time password.

    The web pages send them to the password form (accounts.middleware, which leaves the API
    but its docs page alone); the API answers 403 instead, for reads and writes, so whoever
    saw the one-time password cannot use it here. It is one of REST_FRAMEWORK's default
    permission classes; only /me/ leaves it out, so a client can see ``must_change_password``.
    """

    message = "请先登录网页修改初始密码。"

    def has_permission(self, request, view) -> bool:
        return not getattr(request.user, "must_change_password", False)


# Every API view but /me/ and obtaining a token: signed in, and not on a one-time password.
API_PERMISSIONS = [IsAuthenticated, PasswordChanged]
