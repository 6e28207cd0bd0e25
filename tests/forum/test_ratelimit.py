"""Rate limits count every request exactly, in the cache production uses (Redis) too."""

import os
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
    """Where limits are counted: Redis, as in production, or Django's local-memory cache."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.REDIS_URL = ""
    if request.param == "redis":
        if not redis_is_running():
            message = "No Redis answers on 127.0.0.1:6379 (apt-get install redis-server)."
            if os.environ.get("CI") == "true" or os.environ.get("REQUIRE_REDIS") == "1":
                pytest.fail(message + " CI or REQUIRE_REDIS=1: Redis tests may not be skipped.")
            pytest.skip(message)
        redis.Redis.from_url(REDIS_URL).flushdb()
        settings.REDIS_URL = REDIS_URL
    return request.param


def test_the_limit_lets_exactly_count_requests_through(shared_cache):
    results = [ratelimit.hit(("test", "alice", "3/3600")) for _ in range(5)]
    assert results[:3] == [None, None, None]
    assert all(0 < wait <= 3600 for wait in results[3:])
    assert ratelimit.hit(("test", "bob", "3/3600")) is None  # each identity has its own count


def test_every_limit_of_a_request_counts_and_the_longest_wait_wins(shared_cache, monkeypatch):
    # Windows are aligned on the clock: stand 100 s into an hour (and 40 s into its minute),
    # so the waits do not depend on when the test runs.
    monkeypatch.setattr(ratelimit.time, "time", lambda: 3600 * 490_000 + 100.0)
    member, address = ("vote-member", "alice", "2/3600"), ("vote-ip", "10.0.0.1", "3/60")
    assert [ratelimit.hit(member, address) for _ in range(2)] == [None, None]
    assert ratelimit.hit(member, address) == 3500  # the member's limit: the rest of the hour
    assert ratelimit.hit(("vote-member", "bob", "2/3600"), address) == 20  # the address's


@pytest.mark.parametrize("shared_cache", ["redis"], indirect=True)
def test_redis_counters_expire_after_their_window(shared_cache):
    ratelimit.hit(("test", "dave", "3/3600"))
    client = redis.Redis.from_url(REDIS_URL)
    (key,) = client.keys("rl:test:dave:*")
    assert 3590 < client.ttl(key) <= 3601


@pytest.mark.parametrize("shared_cache", ["redis"], indirect=True)
def test_counting_goes_on_when_redis_forgot_its_scripts(shared_cache):
    """A restarted Redis (or SCRIPT FLUSH) no longer knows the counting script: the next
    request loads it again, and the count goes on."""
    assert ratelimit.hit(("test", "erin", "2/3600")) is None
    redis.Redis.from_url(REDIS_URL).script_flush()
    assert ratelimit.hit(("test", "erin", "2/3600")) is None
    assert ratelimit.hit(("test", "erin", "2/3600")) is not None


def test_requests_at_once_are_each_counted(shared_cache):
    """The first requests of a window race to create its counter: none may be lost."""
    barrier = threading.Barrier(20)
    allowed = []

    def one():
        barrier.wait()
        allowed.append(ratelimit.hit(("race", "carol", "10/3600")) is None)

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


def test_a_window_of_no_time_is_a_configuration_error():
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured):
        ratelimit.parse_rate("10/0")
