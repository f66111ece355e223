"""The project's Redis cache backend: one client per pool, same behaviour."""

import threading
import time

import pytest
from django.core.cache import cache, caches

from config.settings.env import cache_from_url
from core.redis_cache import RedisCache


def test_a_redis_cache_url_selects_the_project_backend():
    assert cache_from_url("redis://127.0.0.1:6379/3")["BACKEND"] == "core.redis_cache.RedisCache"
    assert isinstance(caches["default"], RedisCache)


def test_every_call_reuses_one_client_and_one_connection():
    client = cache._cache.get_client()
    assert cache._cache.get_client() is client
    assert cache._cache.get_client("some-key", write=True) is client

    cache.set("reuse-check", {"a": 1}, 30)
    for _ in range(20):
        assert cache.get("reuse-check") == {"a": 1}
    # Sequential calls share one pooled connection instead of opening more.
    assert len(client.connection_pool._available_connections) == 1


def test_threads_share_the_client_safely():
    errors = []

    def work(n):
        try:
            cache.set(f"thread-count-{n}", 0, 30)
            for i in range(50):
                cache.set(f"thread-{n}-{i}", i, 30)
                assert cache.get(f"thread-{n}-{i}") == i
                cache.incr(f"thread-count-{n}")
        except Exception as exc:  # reported below, with the thread's number
            errors.append((n, exc))

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert [cache.get(f"thread-count-{n}") for n in range(4)] == [50] * 4


def test_incr_is_one_atomic_round_trip_and_keeps_the_expiry(redis_commands):
    cache.set("counter", 5, 60)
    redis_commands.clear()
    assert cache.incr("counter") == 6
    assert cache.decr("counter", 2) == 4
    assert redis_commands == ["EVALSHA", "EVALSHA"]
    client = cache._cache.get_client()
    assert 0 < client.ttl(cache.make_key("counter")) <= 60


def test_incr_of_a_missing_or_expired_key_raises_and_creates_nothing():
    with pytest.raises(ValueError, match="not found"):
        cache.incr("never-set")
    assert cache.get("never-set") is None
    cache.set("short-lived", 1, 1)
    cache._cache.get_client().pexpire(cache.make_key("short-lived"), 1)
    time.sleep(0.01)
    with pytest.raises(ValueError):
        cache.incr("short-lived")
    assert cache._cache.get_client().exists(cache.make_key("short-lived")) == 0
