"""Fixed-window rate limits kept in the shared cache (Redis in production).

A request is usually checked against two limits at once (per member and per
address). On Redis both are counted in one round trip; elsewhere (the local
memory cache of development and tests) through Django's cache API.
"""

import functools
import time

import redis
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured

from .cache import note_redis_failure, redis_is_down


class RateLimitUnavailable(Exception):
    """The shared counters cannot be reached, so a limited write cannot be allowed now."""


def parse_rate(rate: str) -> tuple[int, int]:
    """ "10/600" -> (10 requests, per 600 seconds)."""
    try:
        count, seconds = (int(part) for part in rate.split("/"))
        if count < 1 or seconds < 1:  # a window of 0 seconds would divide by zero
            raise ValueError(rate)
    except ValueError:
        raise ImproperlyConfigured(f"A rate limit reads 'count/seconds', not {rate!r}") from None
    return count, seconds


def hit(*limits: tuple[str, str, str]) -> int | None:
    """Count one request against each limit, given as (scope, identity, "count/seconds").

    Return the seconds to wait if any limit is passed, else None."""
    now = time.time()
    windows = []  # (key, limit, seconds, window)
    for scope, ident, rate in limits:
        limit, seconds = parse_rate(rate)
        window = int(now // seconds)
        windows.append((f"rl:{scope}:{ident}:{window}", limit, seconds, window))
    counts = _count([(key, seconds + 1) for key, _limit, seconds, _window in windows])
    waits = [
        max(1, (window + 1) * seconds - int(now))
        for (_key, limit, seconds, window), count in zip(windows, counts, strict=True)
        if count > limit
    ]
    return max(waits, default=None)


def _count(keys: list[tuple[str, int]]) -> list[int]:
    """Add one to each counter (key, lifetime in seconds); return the new counts."""
    if settings.REDIS_URL:
        # Limits fail closed: a write whose limit cannot be counted is refused (503 with
        # Retry-After, forum.middleware), as counting nothing would let a flood through.
        if redis_is_down():
            raise RateLimitUnavailable
        # Every limit in one command and one round trip, where Django's cache API costs
        # three per limit. (A pipeline of SET NX EX and INCR per limit took 124 µs of
        # this process's CPU for two limits; the script 82.)
        try:
            return _counting_script(settings.REDIS_URL)(
                keys=[key for key, _lifetime in keys],
                args=[lifetime for _key, lifetime in keys],
            )
        except (redis.RedisError, OSError) as error:
            note_redis_failure(error)
            raise RateLimitUnavailable from error
    counts = []
    for key, lifetime in keys:
        try:
            count = cache.incr(key)
        except ValueError:  # the window's first request, unless another one made the key first
            count = 1 if cache.add(key, 1, timeout=lifetime) else cache.incr(key)
        counts.append(count)
    return counts


# Adds one to each counter (KEYS), giving a new one its window's lifetime (ARGV, the same
# order); returns the counts. Redis runs a script whole, so no counter is ever left
# without its expiry.
_COUNT_LUA = """
local counts = {}
for i, key in ipairs(KEYS) do
  counts[i] = redis.call('INCR', key)
  if counts[i] == 1 then redis.call('EXPIRE', key, ARGV[i]) end
end
return counts
"""


@functools.cache
def _counting_script(url: str):
    """The counting script, sent by its digest (EVALSHA); redis-py loads it again when
    Redis no longer knows it (a restart, SCRIPT FLUSH)."""
    timeout = settings.REDIS_TIMEOUT
    client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
    return client.register_script(_COUNT_LUA)


def client_ip(request) -> str:
    """The client address; behind a proxy, configure it to set REMOTE_ADDR (see README)."""
    return request.META.get("REMOTE_ADDR", "unknown")
