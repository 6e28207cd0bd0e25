"""The shared cache (Redis in production), as an optimisation and never a dependency.

When Redis is down or stops answering, every cache call here behaves as a miss (reads
return their default, writes do nothing) after at most a short socket timeout, and for
the next few seconds Redis is not even asked: readers keep reading, rendered from the
database. Once Redis answers again, everything goes back to it by itself. What must
not fail open (rate limits) asks :func:`redis_is_down` and refuses with a 503.
"""

import logging
import threading
import time
from collections import OrderedDict

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# After a failure, skip Redis for this long: one request pays the timeout, not every one.
PAUSE_AFTER_FAILURE = 3.0  # seconds

_down_until = 0.0


def redis_is_down() -> bool:
    """Whether a recent call to Redis failed (and the pause after it is not over)."""
    return time.monotonic() < _down_until


def note_redis_failure(error: Exception) -> None:
    global _down_until
    if not redis_is_down():
        logger.warning("Redis unavailable, going on without it: %s", error)
    _down_until = time.monotonic() + PAUSE_AFTER_FAILURE


def _fail_safe(name: str, fallback):
    def call(self, *args, **kwargs):
        if redis_is_down():
            return fallback(*args, **kwargs)
        try:
            return getattr(super(FailSafeRedisCache, self), name)(*args, **kwargs)
        except (RedisError, OSError) as error:
            note_redis_failure(error)
            return fallback(*args, **kwargs)

    call.__name__ = name
    return call


def _default(key, default=None, *args, **kwargs):
    return default


class ReusedClientRedisCacheClient(RedisCacheClient):
    """Django's Redis client, keeping one ``redis.Redis`` per connection pool.

    Django makes a new ``redis.Redis`` for every cache call, and redis-py fills some 170
    response callbacks into a case-insensitive dict each time: about 0.1 ms, a tenth of
    serving an anonymous reader's page from the cache. A ``redis.Redis`` is safe to share
    between threads (each command takes a connection from the pool)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        if (client := self._clients.get(id(pool))) is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class FailSafeRedisCache(RedisCache):
    """Django's Redis cache, where an unreachable Redis is a cache miss, not an error.
    (incr() still raises: a counter that cannot be counted is no miss; the site's rate
    limits count through forum.ratelimit, which decides.)"""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient

    get = _fail_safe("get", _default)
    get_many = _fail_safe("get_many", lambda keys, *args, **kwargs: {})
    has_key = _fail_safe("has_key", lambda *args, **kwargs: False)
    set = _fail_safe("set", lambda *args, **kwargs: None)
    set_many = _fail_safe("set_many", lambda data, *args, **kwargs: list(data))
    # As if added: allauth takes a lock with add() before counting sign-in and sign-up
    # attempts; refusing it would turn a Redis outage into "too many attempts" for all.
    # Its limits fail open instead (ours fail closed, forum.ratelimit).
    add = _fail_safe("add", lambda *args, **kwargs: True)
    touch = _fail_safe("touch", lambda *args, **kwargs: False)
    delete = _fail_safe("delete", lambda *args, **kwargs: False)
    delete_many = _fail_safe("delete_many", lambda *args, **kwargs: None)
    clear = _fail_safe("clear", lambda *args, **kwargs: None)


class KeptInProcess:
    """Values kept in one process, the least recently used dropped first: for what each
    worker makes often and can key by everything it shows (forum.frames, forum.rendering),
    so that a kept value is never stale. Thread-safe; the limit is given with each write,
    so a module's setting (0: keep nothing) applies at once."""

    def __init__(self):
        self._values: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get_many(self, keys) -> dict:
        found = {}
        with self._lock:
            for key in keys:
                if (value := self._values.get(key)) is not None:
                    self._values.move_to_end(key)
                    found[key] = value
        return found

    def set_many(self, values: dict, *, limit: int) -> None:
        with self._lock:
            self._values.update(values)
            for key in values:
                self._values.move_to_end(key)
            while len(self._values) > limit:
                self._values.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._values.clear()

    def __len__(self) -> int:
        return len(self._values)
