"""Rate limits count every request exactly, in the cache production uses (Redis) too."""

import threading

import pytest
import redis

from forum import ratelimit

REDIS_URL = "redis://127.0.0.1:6379/15"  # a database of its own, emptied by each test


def redis_is_running() -> bool:
    try:
        return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return False


@pytest.fixture(params=["locmem", "redis"])
def shared_cache(request, settings):
    if request.param == "redis":
        if not redis_is_running():
            pytest.skip("no Redis on 127.0.0.1:6379")
        redis.Redis.from_url(REDIS_URL).flushdb()
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": REDIS_URL,
            }
        }
    else:
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    return request.param


def test_the_limit_lets_exactly_count_requests_through(shared_cache):
    results = [ratelimit.hit("test", "alice", "3/3600") for _ in range(5)]
    assert results[:3] == [None, None, None]
    assert all(0 < wait <= 3600 for wait in results[3:])
    assert ratelimit.hit("test", "bob", "3/3600") is None  # each identity has its own count


def test_requests_at_once_are_each_counted(shared_cache):
    """The first requests of a window race to create its counter: none may be lost."""
    barrier = threading.Barrier(20)
    allowed = []

    def one():
        barrier.wait()
        allowed.append(ratelimit.hit("race", "carol", "10/3600") is None)

    threads = [threading.Thread(target=one) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert allowed.count(True) == 10


def test_a_malformed_rate_is_a_configuration_error():
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured):
        ratelimit.parse_rate("ten per minute")
