"""accounts.sessions: the session and the signed-in user's cache entry are read in one round trip to
the cache, and nothing read ahead is trusted beyond what a fresh read would say."""

import pytest
from django.contrib.sessions.backends.base import SessionBase
from django.core.cache import caches
from django.urls import reverse

from accounts import sessions
from accounts.models import User
from accounts.services import user_set_active
from core import cache as core_cache

PAGE = reverse("accounts:profile")
LOGIN = reverse("accounts:login")


@pytest.fixture
def reads(monkeypatch, settings):
    """The reads the cache is asked for during a request, one entry per round trip."""
    settings.USER_CACHE_SECONDS = 300
    backend = type(caches["default"])
    asked, inside = [], []
    real_get, real_get_many = backend.get, backend.get_many

    def counted(real, keys):
        def call(self, first, *args, **kwargs):
            if not inside:  # a get_many made of gets (the local-memory cache) is one read
                asked.append(keys(first))
            inside.append(1)
            try:
                return real(self, first, *args, **kwargs)
            finally:
                inside.pop()

        return call

    get = counted(real_get, lambda key: [key])
    get_many = counted(real_get_many, list)

    monkeypatch.setattr(backend, "get", get)
    monkeypatch.setattr(backend, "get_many", get_many)
    return asked


def _user_reads(asked, user) -> list[list[str]]:
    entry = f"kgportal:cached:auth-user:{user.pk}"
    return [keys for keys in asked if entry in keys]


def test_the_session_and_the_user_are_read_together(client, cast, reads):
    client.force_login(cast.bureau_staff)
    session_key = client.cookies["sessionid"].value
    assert client.get(PAGE).status_code == 200  # the user's entry is built and kept now
    reads.clear()
    assert client.get(PAGE).status_code == 200
    (together,) = _user_reads(reads, cast.bureau_staff)
    assert any(session_key in key for key in together)  # one round trip: the session's key with them
    session_only = [keys for keys in reads if any(session_key in key for key in keys)]
    assert session_only == [together]
    # Without the note of whose session it is, the two are read one after the other.
    sessions._whose.clear()
    reads.clear()
    assert client.get(PAGE).status_code == 200
    assert len([keys for keys in reads if any(session_key in key for key in keys)]) == 1
    assert len(_user_reads(reads, cast.bureau_staff)) == 1
    assert _user_reads(reads, cast.bureau_staff)[0] != [k for k in reads if any(session_key in x for x in k)][0]


def test_a_deactivated_account_read_ahead_is_still_signed_out(client, cast, reads):
    client.force_login(cast.bureau_staff)
    client.get(PAGE)
    client.get(PAGE)  # read ahead from now on
    user_set_active(actor=cast.bureau_admin, user=User.objects.get(pk=cast.bureau_staff.pk), active=False)
    response = client.get(PAGE)
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)


def test_a_session_ended_elsewhere_is_ended_here(client, cast, reads):
    client.force_login(cast.bureau_staff)
    client.get(PAGE)
    client.get(PAGE)
    key = client.cookies["sessionid"].value
    sessions.SessionStore(key).delete()  # signed out in another process
    response = client.get(PAGE)
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)


def test_a_session_now_someone_elses_takes_nothing_read_for_the_other(client, cast, reads):
    """The note says whose the session was; if the session now names another user, the read-ahead
    (the first user's entry) is not used."""
    client.force_login(cast.bureau_staff)
    client.get(PAGE)
    key = client.cookies["sessionid"].value
    sessions._whose[key] = str(cast.kg_director.pk)  # a wrong note
    response = client.get(PAGE)
    assert response.status_code == 200
    assert response.wsgi_request.user.pk == cast.bureau_staff.pk
    assert sessions._whose[key] == str(cast.bureau_staff.pk)  # corrected from the session itself


def test_nothing_read_ahead_outlives_its_request(cast, reads, settings):
    """What one request read ahead is never taken by the next: a request's start forgets it."""
    from django.core.cache import cache
    from django.core.signals import request_started

    key, depends_on = "read-ahead-probe", (User,)
    keys = core_cache.keys_for(key, depends_on)
    _found, _value, stamp = core_cache.lookup(key, depends_on)  # the generation exists now
    looks_valid = {**cache.get_many(keys[:-1]), keys[-1]: (stamp, "read ahead")}
    core_cache.read_ahead(keys, looks_valid)
    assert core_cache.lookup(key, depends_on)[:2] == (True, "read ahead")  # taken within its request
    core_cache.read_ahead(keys, looks_valid)
    request_started.send(sender=None)  # the next request
    assert core_cache.lookup(key, depends_on)[0] is False
    core_cache.store(key, stamp, "fresh")
    assert core_cache.lookup(key, depends_on)[:2] == (True, "fresh")
    # Used once: a second lookup in the same request asks the cache again.
    core_cache.read_ahead(keys, {})
    assert core_cache.lookup(key, depends_on)[0] is False  # the read-ahead said: not there
    assert core_cache.lookup(key, depends_on)[:2] == (True, "fresh")


def test_the_store_is_a_cached_db_session(cast):
    store = sessions.SessionStore()
    assert isinstance(store, SessionBase)
    store["x"] = 1
    store.save()
    assert sessions.SessionStore(store.session_key).load() == {"x": 1}
