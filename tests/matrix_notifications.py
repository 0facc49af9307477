"""Matrix rows for the inbox (core.notifications; see tests/matrix.py for the format).

A notification is its recipient's alone. "Own" is one sent to the role's user (the anonymous visitor:
one to bureau_staff); "foreign" is one sent to a colleague: 404 for everyone, like a missing one.
Everyone signed in has an inbox, the account without scope included (it may hold older messages).
"""

from __future__ import annotations

from core.notifications import notify
from tests.matrix import ANON, Route, refused, statuses

LOGIN = 302


def own_notification(role: str, cast):
    user = cast.bureau_staff if role == ANON else getattr(cast, role)
    return notify(recipient=user, title="测试通知", link="/", email=False)


def foreign_notification(role: str, cast):
    user = cast.bureau_admin if role == "bureau_staff" else cast.bureau_staff
    return notify(recipient=user, title="他人的通知", link="/", email=False)


ROUTES: list[Route] = [
    Route("core:notification-list", statuses(200, anonymous=LOGIN)),
    *refused("core:notification-list"),
    # Opening marks it read and goes to its link.
    Route("core:notification-open", statuses(302), obj="notification", method="post"),
    *refused("core:notification-open", obj="notification", methods=("get", "put", "patch", "delete")),
    Route("core:notification-read-all", statuses(302), method="post"),
    *refused("core:notification-read-all", methods=("get", "put", "patch", "delete")),
]
