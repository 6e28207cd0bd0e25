import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
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
