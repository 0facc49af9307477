"""Notifications: in the user's inbox (通知, with the unread count in the header) and by e-mail.

``notify(...)`` is the one way to send. With a ``digest_key`` it is idempotent: a second call with
the same (recipient, key), from a retried or doubled task, sends nothing. E-mail goes through
Django's mail (SMTP from settings; printed to the console in the embedded default) after the
transaction commits, so a rolled-back notification is never mailed.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.models import Notification

logger = logging.getLogger(__name__)


def _forget_unread(user_id: int) -> None:
    """The signed-in users carry their unread count (accounts.backends, cached with core.cache): a new
    or read notification makes them stale. Saves are seen by core.cache.watch; bulk updates say so here."""
    from core.cache import bump

    bump(Notification)


def notify(
    *,
    recipient=None,
    title: str,
    body: str = "",
    link: str = "",
    digest_key: str = "",
    email: bool = True,
    user=None,
    url: str = "",
) -> Notification | None:
    """Send one notification; None when ``digest_key`` was already sent to this recipient (nothing is sent again).

    ``link`` is a path inside the portal (the inbox opens it); ``body`` is plain text, also the e-mail's body.
    ``user``/``url`` are the same as ``recipient``/``link``: the names supervision/notifications.py was
    written against before this module existed (it may switch to recipient=/link= and these can go).
    """
    recipient = recipient if recipient is not None else user
    link = link or url
    if recipient is None:
        raise TypeError("notify() needs a recipient")
    if not recipient.is_active:
        return None
    notification = Notification(recipient=recipient, title=title[:200], body=body, link=link, digest_key=digest_key)
    notification.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            notification.save()
    except IntegrityError:
        if digest_key and Notification.objects.filter(recipient=recipient, digest_key=digest_key).exists():
            return None
        raise
    _forget_unread(recipient.pk)
    if email and recipient.email:
        from core.tasks import send_notification_email

        send_notification_email.delay_on_commit(notification_id=notification.pk)
    return notification


def notification_send_email(*, notification_id: int) -> bool:
    """E-mail one notification once (``emailed_at`` is claimed first); a failure is logged, the inbox keeps it."""
    claimed = Notification.objects.filter(pk=notification_id, emailed_at__isnull=True).update(emailed_at=timezone.now())
    if not claimed:
        return False
    notification = Notification.objects.select_related("recipient").get(pk=notification_id)
    body = notification.body
    if notification.link:
        body = f"{body}\n\n{settings.PORTAL_BASE_URL.rstrip('/')}{notification.link}"
    try:
        send_mail(
            subject=f"【学前教育监管平台】{notification.title}",
            message=body,
            from_email=None,
            recipient_list=[notification.recipient.email],
        )
    except Exception:  # SMTP down: the message stays in the inbox; a later notification is mailed again
        logger.exception("notification %s: e-mail failed", notification_id)
        Notification.objects.filter(pk=notification_id).update(emailed_at=None)
        return False
    return True


def notifications_for(user) -> QuerySet[Notification]:
    """A user's own notifications (nobody sees another's)."""
    if user is None or not user.is_authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(recipient_id=user.pk)


def unread_subquery() -> Coalesce:
    """The unread count of the user row being read (OuterRef("pk")): the sign-in backend
    (accounts.backends) reads it with the user, so the header's badge costs no query of its own."""
    unread = (
        Notification.objects.filter(recipient_id=OuterRef("pk"), read_at__isnull=True)
        .order_by()
        .values("recipient_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(unread, output_field=IntegerField()), 0)


def unread_count(user) -> int:
    """The header's badge: read with the signed-in user by the sign-in backend; counted for a user
    loaded some other way."""
    if user is None or not user.is_authenticated:
        return 0
    value = getattr(user, "unread_notifications", None)
    if value is not None:
        return value
    return Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True).count()


def notification_mark_read(*, user, notification: Notification) -> None:
    if notification.recipient_id != user.pk:  # the access check was done by the caller; never mark another's
        raise ValueError("not the recipient")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
        user.unread_notifications = None
        _forget_unread(user.pk)


def notifications_mark_all_read(*, user) -> int:
    count = notifications_for(user).filter(read_at__isnull=True).update(read_at=timezone.now())
    user.unread_notifications = None
    _forget_unread(user.pk)
    return count
