"""core.cache_backends.RedisCache: Django's Redis cache with one client per connection pool."""

import os
import threading

import pytest

from core.cache_backends import RedisCache
from tests.conftest import redis_reachable, service_missing


@pytest.fixture
def redis_cache():
    url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")
    if not redis_reachable(url):
        service_missing(f"Redis at {url} is unreachable")
    cache = RedisCache(url, {"KEY_PREFIX": "test-cache-backends"})
    yield cache
    cache.delete_many(["a", "b", "counter"])
    cache.close()


@pytest.mark.redis
def test_it_is_djangos_redis_cache(redis_cache):
    redis_cache.set("a", {"值": [1, 2]}, 60)
    assert redis_cache.get("a") == {"值": [1, 2]}
    assert redis_cache.get_many(["a", "b"]) == {"a": {"值": [1, 2]}}
    assert redis_cache.add("a", "other", 60) is False
    redis_cache.set("counter", 1, None)
    assert redis_cache.incr("counter") == 2
    with pytest.raises(ValueError):
        redis_cache.incr("b")  # core.cache.bump relies on this


@pytest.mark.redis
def test_one_client_serves_every_call_and_thread(redis_cache):
    client = redis_cache._cache.get_client("a")
    assert redis_cache._cache.get_client("b", write=True) is client
    errors = []

    def work(n):
        try:
            for i in range(50):
                redis_cache.set(f"t{n}", i, 60)
                assert redis_cache.get(f"t{n}") == i
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    redis_cache.delete_many([f"t{n}" for n in range(4)])
    assert errors == []
