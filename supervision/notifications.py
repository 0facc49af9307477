"""The one place supervision tells people something (an order overdue, escalated).

``core.notifications.notify`` is being built in parallel; until it lands, ``notify`` logs the
message so the escalation is still recorded (the order's flag and history are the record). When
core's function exists it is used, so this module is the only line to change.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

logger = logging.getLogger("supervision.notifications")


def notify(*, recipients: Iterable, title: str, body: str, url: str = "") -> int:
    """Tell ``recipients`` (users) ``title``/``body`` with a link; returns how many were told."""
    users = [user for user in recipients if user is not None and user.is_active]
    if not users:
        return 0
    try:
        from core.notifications import notify as core_notify  # type: ignore[import-not-found]
    except ImportError:
        core_notify = None
    if core_notify is not None:  # pragma: no cover - once core.notifications lands on main
        for user in users:
            core_notify(user=user, title=title, body=body, url=url)
    else:
        logger.info("notify %s: %s", ",".join(str(u.pk) for u in users), title)
    return len(users)
