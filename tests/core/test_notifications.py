"""core.notifications: in-app inbox with the unread count in the header, e-mail after commit, idempotent keys.

The permission matrix rows are in tests/matrix_notifications.py.
"""

from unittest import mock

import pytest
from django.core import mail
from django.urls import reverse

from core.models import Notification
from core.notifications import notification_send_email, notify, unread_count


@pytest.fixture(autouse=True)
def mail_task_runs_here():
    """The e-mail task is queued on commit; here it runs at once instead of going to a broker."""
    from core.tasks import send_notification_email

    with mock.patch.object(
        send_notification_email, "delay", side_effect=lambda **kw: send_notification_email(**kw)
    ) as delay:
        yield delay


@pytest.fixture
def staff(cast):
    user = cast.bureau_staff
    user.email = "staff@example.cn"
    user.save(update_fields=["email"])
    return user


def test_notify_saves_and_mails_after_commit(staff, django_capture_on_commit_callbacks, mail_task_runs_here):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        n = notify(recipient=staff, title="月报即将到期", body="请于 3 月 10 日前提交。", link="/reports/")
        assert mail.outbox == []  # nothing is mailed before the transaction commits
    assert len(callbacks) >= 1  # the e-mail task among them, queued on commit
    mail_task_runs_here.assert_called_once_with(notification_id=n.pk)
    assert n.pk and n.read_at is None
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["staff@example.cn"]
    assert message.subject == "【学前教育监管平台】月报即将到期"
    assert "请于 3 月 10 日前提交。" in message.body
    assert message.body.rstrip().endswith("/reports/")
    n.refresh_from_db()
    assert n.emailed_at is not None


def test_the_same_key_sends_once(staff, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = notify(recipient=staff, title="每日提醒", digest_key="reports-digest:2025-03-07")
        again = notify(recipient=staff, title="每日提醒（重复）", digest_key="reports-digest:2025-03-07")
        other_day = notify(recipient=staff, title="每日提醒", digest_key="reports-digest:2025-03-08")
    assert first is not None and again is None and other_day is not None
    assert Notification.objects.filter(recipient=staff).count() == 2
    assert len(mail.outbox) == 2


def test_the_same_key_for_another_person_is_sent(cast, staff):
    assert notify(recipient=staff, title="提醒", digest_key="k", email=False)
    assert notify(recipient=cast.bureau_admin, title="提醒", digest_key="k", email=False)


def test_no_address_no_mail_and_inactive_gets_nothing(cast, django_capture_on_commit_callbacks):
    user = cast.kg_director
    assert user.email == ""
    with django_capture_on_commit_callbacks(execute=True):
        assert notify(recipient=user, title="提醒") is not None
    assert mail.outbox == []
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert notify(recipient=user, title="提醒") is None


def test_email_is_sent_once_even_when_asked_twice(staff):
    n = notify(recipient=staff, title="提醒", email=False)
    assert notification_send_email(notification_id=n.pk) is True
    assert notification_send_email(notification_id=n.pk) is False
    assert len(mail.outbox) == 1


def test_a_failed_email_keeps_the_notification_and_the_task_retries(staff):
    from core.tasks import send_notification_email

    n = notify(recipient=staff, title="提醒", email=False)
    with mock.patch("core.notifications.send_mail", side_effect=OSError("smtp down")):
        assert notification_send_email(notification_id=n.pk) is False
        with pytest.raises(OSError):  # the task raises, so Celery retries it with backoff (autoretry_for)
            send_notification_email.run(notification_id=n.pk)
    n.refresh_from_db()
    assert n.emailed_at is None  # a later attempt may send it
    assert send_notification_email.autoretry_for == (OSError,) and send_notification_email.retry_backoff
    assert send_notification_email.run(notification_id=n.pk) is True
    assert len(mail.outbox) == 1


def test_console_backend_without_smtp_host(settings):
    """The embedded default prints e-mail; SMTP only when EMAIL_HOST is set (config/settings/base.py)."""
    import importlib
    import os

    from config.settings import base

    with mock.patch.dict(os.environ, {"EMAIL_HOST": ""}):
        assert importlib.reload(base).EMAIL_BACKEND == "django.core.mail.backends.console.EmailBackend"
    with mock.patch.dict(os.environ, {"EMAIL_HOST": "smtp.example.cn", "EMAIL_PORT": "465"}):
        reloaded = importlib.reload(base)
        assert reloaded.EMAIL_BACKEND == "django.core.mail.backends.smtp.EmailBackend"
        assert reloaded.EMAIL_PORT == 465
    importlib.reload(base)


def test_header_shows_the_unread_count(client, staff):
    client.force_login(staff)
    html = client.get(reverse("core:home")).content.decode()
    assert 'data-testid="notifications-link"' in html
    assert 'data-testid="notifications-unread"' not in html
    notify(recipient=staff, title="一", email=False)
    notify(recipient=staff, title="二", email=False)
    html = client.get(reverse("core:home")).content.decode()
    assert 'data-testid="notifications-unread" aria-label="未读通知">2</span>' in html


def test_unread_count_comes_with_the_signed_in_user(staff, settings, django_assert_num_queries):
    """The sign-in backend reads the count with the user (cached or not): no query of its own; a new or
    read notification makes the cached user stale, so the next request sees the new count."""
    from accounts.backends import PortalBackend
    from core.notifications import notification_mark_read

    for seconds in (0, 300):
        settings.USER_CACHE_SECONDS = seconds
        first = notify(recipient=staff, title="一", email=False)
        PortalBackend().get_user(staff.pk)  # cached, when the cache is on
        with django_assert_num_queries(1 if seconds == 0 else 0):
            user = PortalBackend().get_user(staff.pk)
        with django_assert_num_queries(0):
            assert unread_count(user) == 1
        notify(recipient=staff, title="二", email=False)
        assert unread_count(PortalBackend().get_user(staff.pk)) == 2
        notification_mark_read(user=staff, notification=first)
        assert unread_count(PortalBackend().get_user(staff.pk)) == 1
        Notification.objects.all().delete()
    assert unread_count(staff) == 0  # a user loaded some other way is counted


def test_inbox_lists_own_newest_first_and_filters_unread(client, cast, staff):
    notify(recipient=staff, title="较早的通知", email=False)
    newer = notify(recipient=staff, title="较新的通知", email=False)
    notify(recipient=cast.bureau_admin, title="别人的通知", email=False)
    newer.read_at = newer.created_at
    newer.save(update_fields=["read_at"])
    client.force_login(staff)
    html = client.get(reverse("core:notification-list")).content.decode()
    assert html.index("较新的通知") < html.index("较早的通知")
    assert "别人的通知" not in html
    html = client.get(reverse("core:notification-list") + "?unread=1").content.decode()
    assert "较早的通知" in html and "较新的通知" not in html


def test_inbox_empty_states(client, staff):
    client.force_login(staff)
    assert "您还没有收到通知。" in client.get(reverse("core:notification-list")).content.decode()
    assert "没有未读通知。" in client.get(reverse("core:notification-list") + "?unread=1").content.decode()


def test_inbox_pages_and_costs_the_same_at_60_as_at_2(client, staff, django_assert_max_num_queries):
    for i in range(2):
        notify(recipient=staff, title=f"通知{i}", email=False)
    client.force_login(staff)
    client.get(reverse("core:notification-list"))  # session and caches warm
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        client.get(reverse("core:notification-list"))
    for i in range(58):
        notify(recipient=staff, title=f"更多通知{i}", email=False)
    with CaptureQueriesContext(connection) as large:
        response = client.get(reverse("core:notification-list"))
    assert len(large) <= len(small) + 1  # + the unread count, counted again after the new ones
    assert len(response.context["page"].object_list) == 50
    assert "共 60 条" in response.content.decode()
    assert "通知0" in client.get(reverse("core:notification-list") + "?page=2").content.decode()


def test_open_marks_read_and_follows_the_link(client, staff):
    n = notify(recipient=staff, title="请审核", link="/kindergartens/", email=False)
    client.force_login(staff)
    response = client.post(reverse("core:notification-open", args=[n.pk]))
    assert response.status_code == 302 and response["Location"] == "/kindergartens/"
    n.refresh_from_db()
    assert n.read_at is not None
    assert unread_count(staff) == 0


def test_open_never_leaves_the_portal(client, staff):
    n = notify(recipient=staff, title="可疑链接", link="//evil.example.com/", email=False)
    client.force_login(staff)
    response = client.post(reverse("core:notification-open", args=[n.pk]))
    assert response["Location"] == reverse("core:notification-list")


def test_someone_elses_is_not_found_and_stays_unread(client, cast, staff):
    n = notify(recipient=cast.bureau_admin, title="别人的", email=False)
    client.force_login(staff)
    assert client.post(reverse("core:notification-open", args=[n.pk])).status_code == 404
    n.refresh_from_db()
    assert n.read_at is None


def test_read_all(client, cast, staff):
    for i in range(3):
        notify(recipient=staff, title=f"通知{i}", email=False)
    other = notify(recipient=cast.bureau_admin, title="别人的", email=False)
    client.force_login(staff)
    response = client.post(reverse("core:notification-read-all"), follow=True)
    assert "已将 3 条通知标为已读。" in response.content.decode()
    assert not Notification.objects.filter(recipient=staff, read_at__isnull=True).exists()
    other.refresh_from_db()
    assert other.read_at is None


def test_supervision_calls_it_with_user_and_url(cast):
    """supervision/notifications.py calls notify(user=…, title=…, body=…, url=…): the same as recipient/link."""
    from supervision.notifications import notify as supervision_notify

    assert (
        supervision_notify(recipients=[cast.bureau_staff, None], title="整改逾期", body="请督促", url="/supervision/")
        == 1
    )
    n = Notification.objects.get(recipient=cast.bureau_staff)
    assert (n.title, n.body, n.link) == ("整改逾期", "请督促", "/supervision/")
