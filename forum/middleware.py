import gzip
import logging
import secrets

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.middleware import gzip as django_gzip
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django_htmx.http import trigger_client_event
from psycopg_pool import PoolTimeout

from .ratelimit import RateLimitUnavailable

logger = logging.getLogger(__name__)

# Besides the database's own errors (is_database_outage): no connection came free in
# time, or the shared rate-limit counters cannot be reached.
OUTAGES = (RateLimitUnavailable, PoolTimeout)


class ProbesFirstMiddleware:
    """Answer the load balancers' probes (/healthz, /livez) before the rest of the stack:
    they need no session, language, CSRF check, messages or security headers, and they
    come every few seconds from every balancer. (First in MIDDLEWARE; the URLconf still
    names them, for reverse() and the documentation of the site's addresses.)"""

    def __init__(self, get_response):
        from .views.site import healthz, livez

        self.get_response = get_response
        self.probes = {"/healthz": healthz, "/livez": livez}

    def __call__(self, request):
        probe = self.probes.get(request.path_info)
        return probe(request) if probe else self.get_response(request)


# zlib's effort for pages compressed as they go out. Django's GZipMiddleware uses 6: a
# member's question page of 56 kB then takes 347 µs for 6.2 kB, at 1 it takes 143 µs for
# 7.3 kB (nginx's default is 1 too). The anonymous readers' shared pages are compressed
# once, at 9 (forum.pagecache).
GZIP_LEVEL = 1
# Shorter responses go out as they are (Django's own threshold is 200 bytes): with its
# headers such a response fits the first TCP segment either way, so compressing it
# only costs time (a vote's widget of 712 bytes: 58 µs of the worker's CPU, 14 % of the
# middleware's share of a vote), and a tiny body gains little from it anyway.
GZIP_MIN_LENGTH = 860


class GZipMiddleware(django_gzip.GZipMiddleware):
    """Django's, compressing whole pages at GZIP_LEVEL, with the same BREACH mitigation
    (a filename of random length in the gzip header, so a page's compressed length does
    not tell what a guess shares with its secrets). Responses under GZIP_MIN_LENGTH go
    out as they are; streaming and already encoded ones go through Django's own code."""

    def process_response(self, request, response):
        if response.streaming or response.has_header("Content-Encoding"):
            return super().process_response(request, response)
        if len(response.content) < GZIP_MIN_LENGTH:
            return response
        patch_vary_headers(response, ("Accept-Encoding",))
        if not django_gzip.re_accepts_gzip.search(request.META.get("HTTP_ACCEPT_ENCODING", "")):
            return response
        compressed = gzip.compress(response.content, compresslevel=GZIP_LEVEL, mtime=0)
        compressed = _with_random_filename(compressed, self.max_random_bytes)
        if len(compressed) >= len(response.content):
            return response
        response.content = compressed
        response.headers["Content-Length"] = str(len(compressed))
        # A strong ETag becomes weak: the bytes differ from the uncompressed page's.
        if (etag := response.get("ETag")) and etag.startswith('"'):
            response.headers["ETag"] = "W/" + etag
        response.headers["Content-Encoding"] = "gzip"
        return response


def _with_random_filename(compressed: bytes, max_length: int) -> bytes:
    """``compressed`` with the FNAME flag set and a name of 0 to max_length - 1 bytes, as
    django.utils.text.compress_string pads it (decompressors skip the name)."""
    header = bytearray(compressed[:10])
    header[3] = gzip.FNAME
    return bytes(header) + b"a" * secrets.randbelow(max_length) + b"\x00" + compressed[10:]


class ReadableMethodNotAllowedMiddleware:
    """Give bare 405 responses (from ``@require_POST`` and friends) the site's page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 405 and not response.content:
            page = render(request, "405.html", status=405)
            page["Allow"] = response.get("Allow", "")
            return page
        return response


# Seconds to tell clients to wait when a dependency is down: about a restart's length.
RETRY_AFTER_OUTAGE = 10


class ServiceUnavailableMiddleware:
    """A quick, readable 503 with Retry-After when the database is down or a rate limit
    cannot be counted, instead of a 500: the page says to come back in a moment, and
    nothing was written."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not (isinstance(exception, OUTAGES) or is_database_outage(exception)):
            return None
        logger.warning("Service unavailable (%s): %s", type(exception).__name__, exception)
        # Rendered without the request: its context processors would ask the database
        # (who is signed in) again.
        html = render_to_string("503.html", {"retry_after": RETRY_AFTER_OUTAGE})
        response = HttpResponse(html, status=503)
        response["Retry-After"] = str(RETRY_AFTER_OUTAGE)
        if getattr(request, "htmx", False):
            # htmx swaps no 5xx: the page says it where the person acted (static/js/site.js).
            message = _("Unavailable for a moment: nothing was changed. Try again shortly.")
            trigger_client_event(response, "agora:unavailable", {"message": message})
        return response


def is_database_outage(exception) -> bool:
    """The database cannot be reached (down, restarting, refusing connections), as
    opposed to a query that broke a rule (IntegrityError) or was wrong."""
    return isinstance(exception, (OperationalError, InterfaceError))
