"""Fixed-window rate limits kept in the shared cache (Redis in production)."""

import time

from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured


def parse_rate(rate: str) -> tuple[int, int]:
    """ "10/600" -> (10 requests, per 600 seconds)."""
    try:
        count, seconds = (int(part) for part in rate.split("/"))
    except ValueError:
        raise ImproperlyConfigured(f"A rate limit reads 'count/seconds', not {rate!r}") from None
    return count, seconds


def hit(scope: str, ident: str, rate: str) -> int | None:
    """Count one request; return the seconds to wait if the limit is passed, else None."""
    limit, seconds = parse_rate(rate)
    window = int(time.time() // seconds)
    key = f"rl:{scope}:{ident}:{window}"
    try:
        count = cache.incr(key)  # the common case: one cache operation
    except ValueError:  # the window's first request, unless another one made the key first
        count = 1 if cache.add(key, 1, timeout=seconds + 1) else cache.incr(key)
    if count <= limit:
        return None
    return max(1, (window + 1) * seconds - int(time.time()))


def client_ip(request) -> str:
    """The client address; behind a proxy, configure it to set REMOTE_ADDR (see README)."""
    return request.META.get("REMOTE_ADDR", "unknown")
