"""上次登录 is the sign-in before the current one, on 我的账号 and on one's own account page."""

import datetime
import zoneinfo

import time_machine
from django.urls import reverse

from accounts.models import User
from core.models import AuditEntry
from tests.factories import TEST_PASSWORD

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def sign_in(client, username):
    response = client.post(reverse("accounts:login"), {"username": username, "password": TEST_PASSWORD})
    assert response.status_code == 302


def shown_last_login(client, url) -> str:
    html = client.get(url).content.decode()
    return html.split("上次登录", 1)[1].split("</dd>", 1)[0].rsplit(">", 1)[1]


def test_profile_shows_the_previous_sign_in_not_the_current_one(client, cast):
    with time_machine.travel(datetime.datetime(2026, 3, 2, 8, 15, tzinfo=SHANGHAI), tick=False):
        sign_in(client, "bureau_admin")
        assert shown_last_login(client, reverse("accounts:profile")) == "—"  # the first sign-in ever
    client.logout()
    with time_machine.travel(datetime.datetime(2026, 3, 3, 9, 40, tzinfo=SHANGHAI), tick=False):
        sign_in(client, "bureau_admin")
        assert shown_last_login(client, reverse("accounts:profile")) == "2026-03-02 08:15"
        own_page = reverse("accounts:user-detail", kwargs={"pk": cast.bureau_admin.pk})
        assert shown_last_login(client, own_page) == "2026-03-02 08:15"
    user = User.objects.get(pk=cast.bureau_admin.pk)
    assert user.last_login == datetime.datetime(2026, 3, 3, 9, 40, tzinfo=SHANGHAI)
    assert user.previous_login == datetime.datetime(2026, 3, 2, 8, 15, tzinfo=SHANGHAI)


def test_an_administrator_sees_anothers_latest_sign_in(client, cast):
    with time_machine.travel(datetime.datetime(2026, 3, 2, 8, 15, tzinfo=SHANGHAI), tick=False):
        sign_in(client, "kg_director")
    client.logout()
    client.force_login(cast.bureau_admin)
    page = reverse("accounts:user-detail", kwargs={"pk": cast.kg_director.pk})
    assert shown_last_login(client, page) == "2026-03-02 08:15"


def test_signing_in_writes_no_audit_entry(client, cast):
    entries = AuditEntry.objects.count()
    sign_in(client, "kg_staff")
    client.logout()
    sign_in(client, "kg_staff")
    assert AuditEntry.objects.count() == entries
