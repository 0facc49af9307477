"""Who may call the API: REST_FRAMEWORK's default authentication and permission classes.

A module of its own because DRF imports these while defining APIView: it must not import
rest_framework.views (core.api does).
"""

from rest_framework.permissions import BasePermission, IsAuthenticated


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
