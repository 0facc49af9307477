"""The signed-in user is read from the cache (accounts.backends), and every change that decides
access takes effect on the very next request, as when it was read from the database."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from accounts.roles import Role
from accounts.services import user_reset_password, user_set_active, user_update
from tests.factories import TEST_PASSWORD

LIST = reverse("kindergartens:list")
USERS = reverse("accounts:user-list")
LOGIN = reverse("accounts:login")


def user_queries(ctx) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries if 'FROM "accounts_user"' in q["sql"]]


def test_the_next_request_reads_the_user_from_the_cache(client, cast, settings):
    client.force_login(cast.bureau_staff)
    client.get(LIST)  # the filter bar's options are cached now
    settings.USER_CACHE_SECONDS = 0
    with CaptureQueriesContext(connection) as uncached:
        assert client.get(LIST).status_code == 200
    settings.USER_CACHE_SECONDS = 300
    with CaptureQueriesContext(connection) as cached:
        assert client.get(LIST).status_code == 200
    assert len(user_queries(uncached)) == 1
    assert user_queries(cached) == []
    assert len(cached.captured_queries) == len(uncached.captured_queries) - 1


def test_a_deactivated_account_is_signed_out_on_its_next_request(client, cast):
    client.force_login(cast.bureau_staff)
    assert client.get(LIST).status_code == 200  # cached now
    user_set_active(actor=cast.bureau_admin, user=User.objects.get(pk=cast.bureau_staff.pk), active=False)
    response = client.get(LIST)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_a_role_taken_away_is_gone_on_the_next_request(client, cast):
    client.force_login(cast.kg_director)
    assert client.get(USERS).status_code == 200  # a director sees their kindergarten's accounts
    user_update(
        actor=cast.bureau_admin,
        user=User.objects.get(pk=cast.kg_director.pk),
        full_name="原园长",
        role=Role.KG_STAFF,
        kindergarten=cast.kg_a1,
    )
    assert client.get(USERS).status_code == 403


def test_a_password_reset_by_the_admin_signs_the_account_out(client, cast):
    client.force_login(cast.kg_staff)
    assert client.get(LIST).status_code == 200
    user_reset_password(actor=cast.bureau_admin, user=User.objects.get(pk=cast.kg_staff.pk))
    response = client.get(LIST)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_changing_ones_password_signs_out_the_other_sessions_only(client, cast, django_user_model):
    from django.test import Client

    other = Client()
    for c in (client, other):
        assert c.post(LOGIN, {"username": "kg_staff", "password": TEST_PASSWORD}).status_code == 302
        assert c.get(LIST).status_code == 200
    response = client.post(
        reverse("accounts:password-change"),
        {"old_password": TEST_PASSWORD, "new_password1": "Another-pass-2027", "new_password2": "Another-pass-2027"},
    )
    assert response.status_code == 302
    assert client.get(LIST).status_code == 200
    assert other.get(LIST).status_code == 302


def test_a_change_to_the_users_kindergarten_is_seen_on_the_next_request(client, cast):
    client.force_login(cast.kg_director)
    client.get(LIST)
    kindergarten = cast.kg_a1
    kindergarten.name = "改名后的幼儿园"
    kindergarten.save(update_fields=["name"])
    response = client.get(reverse("accounts:profile"))
    assert "改名后的幼儿园" in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_user_read_between_the_change_and_its_commit_is_not_kept():
    """Another request may load the user after the save (which bumps the generation) and before the
    commit: it reads the row as it was, and that copy must not outlive the commit."""
    from accounts.backends import PortalBackend
    from core.cache import cached
    from kindergartens.models import Bureau, Kindergarten
    from tests.factories import DistrictFactory, UserFactory

    staff = UserFactory(username="committed_staff", role=Role.BUREAU_STAFF, bureau=DistrictFactory())
    with transaction.atomic():
        User.objects.filter(pk=staff.pk).update(is_active=False)
        # What the concurrent request keeps: the row as committed so far (still active).
        kept = cached(f"auth-user:{staff.pk}", lambda: staff, depends_on=(User, Bureau, Kindergarten))
        assert kept.is_active
    assert PortalBackend().get_user(staff.pk) is None  # the commit made the stale copy unusable
