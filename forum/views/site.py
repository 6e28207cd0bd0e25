"""Site plumbing: health check, robots.txt, and the pages of refusals and errors."""

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe
from django.views.i18n import set_language
from psycopg_pool import PoolTimeout

from ..cache import redis_is_down

DEFAULT_RETRY_AFTER = 60  # seconds; allauth's limits do not say when they reset


def too_many_requests(request, exception=None, *, retry_after: int = DEFAULT_RETRY_AFTER):
    """The readable 429 page, used by allauth's rate limits and by ours."""
    response = render(request, "429.html", {"retry_after": retry_after}, status=429)
    response["Retry-After"] = str(retry_after)
    return response


def permission_denied(request, exception=None):
    """The readable 403 page: why, and a way back to where the reader was."""
    context = {"exception": exception, "back_url": referring_page(request)}
    return render(request, "403.html", context, status=403)


def csrf_failure(request, reason=""):
    """A form sent without the token its page gave (an old tab, cookies off): the site's own
    403 page, in the reader's language, saying what to do."""
    message = _(
        "This form has expired or your browser did not send its security cookie. "
        "Reload the page and try again; nothing was changed."
    )
    return permission_denied(request, PermissionDenied(message))


def page_not_found(request, exception=None):
    """The 404 page. Django's own reads the request's body again (for its CSRF check),
    which raises on a body it could not read the first time: a 500 instead of a 404."""
    return render(request, "404.html", status=404)


def bad_request_page(request, exception=None):
    """The 400 page, without reading the request's body again (see page_not_found)."""
    return render(request, "400.html", status=400)


def server_error(request):
    """The 500 page, rendered from nothing that could fail again: no request, no database."""
    return HttpResponse(render_to_string("500.html"), status=500)


def bad_request(request, reason: str):
    """The readable 400 page for a request this site refuses to act on, with the reason."""
    context = {"reason": reason, "back_url": referring_page(request)}
    return render(request, "400.html", context, status=400)


def same_site_path(request, target: str) -> str:
    """``target`` if it is a path of this site (a form's ``next``), else ""."""
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def referring_page(request) -> str:
    """The page of this site the request came from (its Referer), or ""."""
    referer = request.headers.get("referer", "")
    # A page address: absolute, or a path. A bare word ("x") would be read by redirect()
    # as the name of a view.
    if not referer.startswith(("http://", "https://", "/")) or referer.startswith("//"):
        return ""
    if url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return referer.split("#", 1)[0]
    return ""


@require_POST
def switch_language(request):
    """Django's set_language, remembering the choice on the member's account too."""
    response = set_language(request)
    if request.user.is_authenticated:
        request.user.remember_language(request.POST.get("language", ""))
    return response


@require_safe
def livez(request):
    """The process answers; touches neither database nor cache. The cheapest page of the
    site: the ceiling the benchmarks measure the others against."""
    return HttpResponse("ok", content_type="text/plain")


@require_safe
def healthz(request):
    """For load balancers: 200 while the site can serve (the cache may be degraded: pages
    are then rendered without it), 503 when the database cannot be reached. One quick
    query, one cache read; JSON saying which is which."""
    report = {"database": "ok", "cache": "ok"}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except (DatabaseError, PoolTimeout):
        report["database"] = "down"
    if settings.REDIS_URL:
        cache.get("healthz")  # fails safe, and notes the failure
        if redis_is_down():
            report["cache"] = "degraded"
    status = 503 if report["database"] == "down" else 200
    return JsonResponse(report, status=status)


@require_safe
def robots_txt(request):
    private = ["/admin/", "/accounts/", "/editor/"]
    # The same paths in every language: English lives under /en/.
    prefixes = [
        "" if code == settings.LANGUAGE_CODE else f"/{code}" for code, _ in settings.LANGUAGES
    ]
    lines = [
        "User-agent: *",
        *(f"Disallow: {prefix}{path}" for prefix in prefixes for path in private),
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
