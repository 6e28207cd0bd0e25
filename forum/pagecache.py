"""Article and question pages for anonymous readers, served from the shared cache;
the answers of a thread page for members.

A popular article brings thousands of readers at once, nearly all without an account,
and each of them is shown the same page. The first one's page is kept in the shared
cache (Redis in production, so every app server shares it) and served to the next, by
SharedPagesMiddleware, before the rest of the stack; views say which pages are shared
with @shared_for_anonymous.

Never stale: the copy is keyed by the article's page version (forum.models.PageVersion),
a token the database itself replaces, in the transaction of the change, whenever
anything those pages show changes (migration 0014). The request asks for the token (one
indexed query) before anything else, so a change committed before the request began is
always seen. Besides, the key holds the release (templates, code, translations, settings)
and a copy lives ANONYMOUS_PAGE_SECONDS at most, and never past a moment when the page
changes by itself (the discussion closes, a young answer's score shows).

Never leaked: only a request that carries no session and no pending message is served or
stored, so whoever is signed in (or was just told something) always gets a page of their
own, and a page stored was made for nobody in particular. An anonymous reader's page
holds no CSRF token (it has no form that posts: the language switch and the follow button
are links for them) and no CSP nonce (the site's scripts are files from 'self', none
inline); a page that asked for a token anyway, or sets a cookie, is not stored.

Readers who have a copy revalidate it with ``If-None-Match`` and get a 304. When a
change leaves many readers at once without a copy, one makes it and the others wait for
it (a few milliseconds), rather than all making the same page.

Members get pages of their own, but the answers on them are what everyone sees: the
thread's page is shared too, under the same version (load_shared_thread_page).
"""

import functools
import gzip
import hashlib
import os
import pickle
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.core.signals import setting_changed
from django.db import DatabaseError, connections, router
from django.db.models import OuterRef, Subquery
from django.dispatch import receiver
from django.http import HttpResponse, HttpResponseNotModified
from django.middleware.gzip import re_accepts_gzip
from django.urls import Resolver404, resolve
from django.utils import timezone, translation
from django.utils.cache import patch_cache_control, patch_vary_headers
from psycopg_pool import PoolTimeout

from articles.models import Article

from .cache import KeptInProcess
from .models import MAX_ID, Answer, PageVersion
from .replicas import reads_on_replica
from .rules import hidden_scores
from .threads import load_thread_page, mark_new

# Cookies that mean the page is someone's: a session (signed in, or in the middle of
# signing up), or messages waiting to be shown.
PERSONAL_COOKIES = (settings.SESSION_COOKIE_NAME, "messages")
SHARED_PARAMETERS = {"page", "sort"}
# Headers of the page as made that a copy does not keep: the copy has its own length,
# and these are set for each response (_label) or by the middleware around this one.
UNSTORED_HEADERS = {"content-length", "etag", "x-cache", "cache-control", "vary", "set-cookie"}
# How long the readers who find another one making a copy wait for it (a page takes
# 10-150 ms to make), and how often they look.
MAKING_SECONDS = 2
MAKING_POLL_SECONDS = 0.01


# How a shared page's address names its article, and the query that finds the article's
# page version from it: by the article's slug (its page and its questions'), or by an
# answer's id (the answer's permalink).
_VERSION_SQL = {
    "slug": (
        "SELECT v.token, v.article_id FROM forum_pageversion v"
        " JOIN articles_article a ON a.id = v.article_id WHERE a.slug = %s"
    ),
    "pk": (
        "SELECT v.token, v.article_id FROM forum_answer a"
        " JOIN articles_question q ON q.id = a.question_id"
        " JOIN forum_pageversion v ON v.article_id = q.article_id WHERE a.id = %s"
    ),
}


@dataclass(frozen=True)
class Shared:
    """How a view's page is shared (forum.pagecache): the URL argument that names its
    article (``slug``, or an answer's ``pk``), the cookies that change it."""

    by: str = "slug"
    cookies: tuple[str, ...] = ()


def shared_for_anonymous(view=None, *, by="slug", cookies=()):
    """Mark ``view`` (a page of one article: the article's, a question's, an answer's)
    as served from the shared copy to anonymous readers, by SharedPagesMiddleware.
    ``by``: its URL's argument that names the article (the article's ``slug``, or
    ``pk``, an answer's id). ``cookies``: those that change the page (a remembered
    sort); others do not."""
    if by not in _VERSION_SQL:
        raise ValueError(f"A shared page's article is found by {' or '.join(_VERSION_SQL)}.")
    if view is None:
        return lambda view: shared_for_anonymous(view, by=by, cookies=cookies)
    view.shared_for_anonymous = Shared(by, tuple(cookies))
    return view


class SharedPagesMiddleware:
    """Anonymous readers' copies, served before the session, language, CSRF, messages
    and account middleware run: a reader of a shared page needs none of them, and they
    cost as much as the rest of serving the copy. (After the security, CSP and GZip
    middleware, which every response goes through. On a miss the page is made by the
    whole stack, and kept with the headers it added: its language, its framing rule.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        found = _shared_view(request) if _is_anonymous_reader(request) else None
        if found is None:
            return self.get_response(request)
        with reads_on_replica():
            return self._serve(request, *found)

    def _serve(self, request, shared, match, language):
        try:
            token, article_id = _version_of(shared.by, match.kwargs[shared.by])
        except (DatabaseError, PoolTimeout):  # the stack's 503 says it (forum.middleware)
            return self.get_response(request)
        if token is None:  # no such article (the view says 404), or no token yet
            return self.get_response(request)
        key = _page_key(request, token, language, shared.cookies)
        etag = f'W/"{key}"'
        stored = cache.get(key)
        # Each change to a busy discussion leaves the readers of the next instant without
        # a copy: one of them makes it while the others wait for it, instead of each
        # making the same page at once (a herd that a few votes a second would keep
        # rebuilding). Without Redis, add() says yes: everyone makes their own page.
        making = "making:" + key
        maker = stored is None and cache.add(making, True, MAKING_SECONDS)
        if stored is None and not maker:
            stored = _made_by_another(key, making)
        if stored is not None:
            response = (
                HttpResponseNotModified()
                if etag in request.headers.get("If-None-Match", "")
                else _from_stored(stored, gzip_accepted=_accepts_gzip(request))
            )
            return _label(response, etag=etag, cache_state="hit")
        try:
            response = self.get_response(request)
            if not _is_for_anyone(response):
                return response
            if (seconds := _lifetime(article_id)) > 0:
                cache.set(key, _to_stored(response), seconds)
            return _label(response, etag=etag, cache_state="miss")
        finally:
            if maker:
                cache.delete(making)


def _made_by_another(key: str, making: str):
    """The copy that another reader is making, as soon as it is there; None once they
    stop without one (their page was not for sharing, or it failed) or after
    MAKING_SECONDS (then this reader makes the page itself)."""
    deadline = time.monotonic() + MAKING_SECONDS
    while time.monotonic() < deadline:
        time.sleep(MAKING_POLL_SECONDS)
        found = cache.get_many([key, making])
        if key in found:
            return found[key]
        if making not in found:
            return None
    return None


def _shared_view(request):
    """(how the page is shared, the URL's match, its language) if the address is that of
    a shared page, else None."""
    return _shared_view_at(request.path_info, settings.ROOT_URLCONF, settings.LANGUAGE_CODE)


# Addresses read, per process: an address reads the same way while the URLconf and the
# languages stand, and reading one took 20 of the 25 µs this middleware spent on a page
# it does not share (and as much of a shared page's). Least recently used dropped first,
# so a crawler's endless addresses only push others out.
ADDRESSES_KEPT = 1024


@functools.lru_cache(maxsize=ADDRESSES_KEPT)
def _shared_view_at(path: str, urlconf: str, default_language: str):
    # The language comes from the address, as the locale middleware (not run yet) will
    # find it, and the address is read in that language.
    language = translation.get_language_from_path(path) or default_language
    with translation.override(language):
        try:
            match = resolve(path, urlconf)
        except Resolver404:
            return None
    shared = getattr(match.func, "shared_for_anonymous", None)
    return (shared, match, language) if shared and shared.by in match.kwargs else None


@receiver(setting_changed)
def _forget_addresses(*, setting, **kwargs):
    """Tests change the URLconf and the languages while the process runs."""
    if setting in {"ROOT_URLCONF", "LANGUAGES", "LANGUAGE_CODE", "INSTALLED_APPS"}:
        _shared_view_at.cache_clear()


def _version_of(by: str, value) -> tuple[str | None, int | None]:
    """The page version of the article that ``value`` names (an article's slug, or an
    answer's id: ``by``), and the article's id: the one query of a reader served from the
    copy, in SQL (the ORM would take longer to build it than the database to answer it)."""
    if by == "pk" and value > MAX_ID:
        return None, None
    database = router.db_for_read(PageVersion)
    with connections[database].cursor() as cursor:
        cursor.execute(_VERSION_SQL[by], [value])
        row = cursor.fetchone()
    return row if row else (None, None)


def _is_anonymous_reader(request) -> bool:
    # Under DEBUG templates change while the server runs, which no key would notice.
    return (
        request.method == "GET"
        and settings.ANONYMOUS_PAGE_SECONDS > 0
        and not settings.DEBUG
        and not any(name in request.COOKIES for name in PERSONAL_COOKIES)
        # Other parameters change nothing on these pages: kept apart, any number of
        # made-up addresses could fill the cache.
        and set(request.GET) <= SHARED_PARAMETERS
    )


def _is_for_anyone(response) -> bool:
    """Whether a page made for an anonymous reader may be served to others: one that
    holds a CSRF token (the CSRF middleware then sets its cookie), sets any other cookie,
    or began a session (its cookie too) belongs to its reader."""
    return response.status_code == 200 and not response.streaming and not response.cookies


def _page_key(request, token: str, language: str, cookies) -> str:
    facts = (
        release(),
        token,
        language,
        request.get_full_path(),
        bool(request.headers.get("HX-Request")),
        [request.COOKIES.get(name, "")[:50] for name in cookies],
    )
    return "page:" + hashlib.blake2b(repr(facts).encode(), digest_size=16).hexdigest()


def _lifetime(article_id: int) -> int:
    """Seconds a copy may live: ANONYMOUS_PAGE_SECONDS at most, and never past a moment
    when the pages change without any write: the discussion closes, or a young answer's
    score shows (forum.rules.score_visible; the article page's most appreciated answer
    is chosen among those whose score shows). One query, made by the first reader only;
    it reads the last hour's answers of the article (answer_by_question_age), never all."""
    now = timezone.now()
    oldest_hidden = (
        Answer.objects.filter(hidden_scores(), question__article=OuterRef("pk"))
        .order_by("created_at")
        .values("created_at")[:1]
    )
    closes_at, oldest_hidden_at = (
        Article.objects.filter(pk=article_id)
        .annotate(oldest_hidden_at=Subquery(oldest_hidden))
        .values_list("closes_at", "oldest_hidden_at")
        .first()
    ) or (None, None)
    shows = oldest_hidden_at and oldest_hidden_at + settings.SCORE_HIDDEN_FOR
    changes = [moment for moment in (closes_at, shows) if moment and moment > now]
    seconds = settings.ANONYMOUS_PAGE_SECONDS
    if changes:
        seconds = min(seconds, int((min(changes) - now).total_seconds()))
    return seconds


def _to_stored(response) -> tuple:
    """The page, compressed, with the headers the stack gave it: compressing 150 kB costs
    more than all the rest of serving the copy, so it is done once, not for every reader,
    and Redis sends a sixth of the bytes. (No random padding as the GZip middleware adds
    against BREACH: a page made for nobody holds no secret.)"""
    headers = {
        name: value for name, value in response.items() if name.lower() not in UNSTORED_HEADERS
    }
    vary = [v.strip() for v in response.get("Vary", "").split(",") if v.strip()]
    return (gzip.compress(response.content, mtime=0), headers, vary)


def _from_stored(stored: tuple, *, gzip_accepted: bool) -> HttpResponse:
    compressed, headers, vary = stored
    if gzip_accepted:
        # Content-Encoding set: the GZip middleware leaves it as it is.
        response = HttpResponse(compressed, headers=headers | {"Content-Encoding": "gzip"})
    else:  # rare: every browser accepts gzip
        response = HttpResponse(gzip.decompress(compressed), headers=headers)
    response["Content-Length"] = str(len(response.content))
    patch_vary_headers(response, vary)
    return response


def _accepts_gzip(request) -> bool:
    return re_accepts_gzip.search(request.headers.get("Accept-Encoding", "")) is not None


def _label(response, *, etag: str, cache_state: str):
    """The headers every shared page carries, whether served from the copy or made now."""
    response["ETag"] = etag
    response["X-Cache"] = cache_state
    # Revalidated on each visit (a 304 costs one query); the page differs with the
    # cookies (a member's own page, the remembered sort) and with htmx asking for a part.
    patch_cache_control(response, no_cache=True)
    # Accept-Encoding on a 304 and an uncompressed page too: a 304 says what its 200 says.
    patch_vary_headers(response, ("Accept-Encoding", "Cookie", "HX-Request"))
    return response


# --- Members: the thread, shared ------------------------------------------------
# A member's page is their own (their votes, their forms), but the answers on it, in
# their order, are what every reader sees: loading them (three queries and some
# sixty model instances) was a quarter of a member's page. They are kept once for
# everyone, under the same page version as the anonymous copies, so never stale.

# Each change makes a new key and leaves the old copy to age out: a discussion voted on
# ten times a second leaves 3,000 of them in five minutes, 5 kB each once compressed
# (52 kB as they are). Made again every five minutes, a quiet discussion's copy costs
# nothing.
THREAD_SECONDS = 5 * 60
# Each process keeps the copies it read or made too, in front of the shared cache: a key
# names the page version, so the copy a process kept is the one the shared cache holds
# under that key, and never stale. A member's page then reads its answers without a round
# trip to Redis (forum.rendering keeps the rendered answers likewise). The compressed
# copy is kept, and unpickled for each page, which marks it for its member. Least
# recently used dropped first; 0 turns it off, as does DEBUG.
THREADS_KEPT = 256  # about 1.3 MB a process
_threads_kept = KeptInProcess()


def load_shared_thread_page(
    question, *, viewer, sort, number, per_page, seen_at=None, version=None
):
    """The page of answers load_thread_page gives ``viewer``, from the shared copy when
    they see what everyone sees (no answer of theirs awaits review in the question: only
    its author sees such an answer); what is new to them since ``seen_at`` is marked on
    the copy. One query (the version) when the copy is there, none when the caller read
    the ``version`` already (thread_version_sql)."""
    # Anonymous readers share the whole page already (SharedPagesMiddleware read the
    # version just before): a second read would be all this could save them.
    if not viewer.is_authenticated:
        token, sees_own_pending = None, False
    else:
        token, sees_own_pending = (
            version if version is not None else _thread_version(question, viewer)
        )
    if token is None or sees_own_pending:
        return load_thread_page(
            question, viewer=viewer, sort=sort, number=number, per_page=per_page,
            seen_at=seen_at,
        )  # fmt: skip
    key = _thread_key(token, question.pk, sort, number, per_page)
    if (stored := _stored_thread(key)) is not None:
        page = pickle.loads(zlib.decompress(stored))  # noqa: S301 (our own copy, from our cache)
    else:
        page = load_thread_page(
            question, viewer=AnonymousUser(), sort=sort, number=number, per_page=per_page
        )
        stored = zlib.compress(pickle.dumps(page, pickle.HIGHEST_PROTOCOL), level=1)
        cache.set(key, stored, THREAD_SECONDS)
        _keep_thread(key, stored)
    mark_new(page, seen_at=seen_at, viewer_id=viewer.pk)
    return page


def _stored_thread(key: str) -> bytes | None:
    """The compressed copy under ``key``: this process's, else the shared cache's."""
    if THREADS_KEPT and not settings.DEBUG and (kept := _threads_kept.get_many([key])):
        return kept[key]
    if (stored := cache.get(key)) is not None:
        _keep_thread(key, stored)
    return stored


def _keep_thread(key: str, stored: bytes) -> None:
    if THREADS_KEPT and not settings.DEBUG:
        _threads_kept.set_many({key: stored}, limit=THREADS_KEPT)


def forget_threads() -> None:
    """Drop the copies of threads this process kept (tests; a deploy restarts them)."""
    _threads_kept.clear()


def _thread_version(question, viewer) -> tuple[str | None, bool]:
    """The article's page version, and whether ``viewer`` has an answer awaiting review
    in ``question`` (forum.rules.visible_answers shows it to them alone)."""
    expressions, params = thread_version_sql(question, viewer)
    with connections[router.db_for_read(PageVersion)].cursor() as cursor:
        cursor.execute(f"SELECT {expressions}", params)
        token, sees_own_pending = cursor.fetchone()
    return token, bool(sees_own_pending)  # SQLite answers booleans as integers


def thread_version_sql(question, viewer) -> tuple[str, list]:
    """_thread_version's two SQL expressions and their parameters, for a page that reads
    them along with other facts, then passes (token, bool) as load_shared_thread_page's
    ``version``. The token is NULL for an article without a page version yet."""
    expressions = (
        "(SELECT v.token FROM forum_pageversion v WHERE v.article_id = %s), "
        "EXISTS (SELECT 1 FROM forum_answer a"
        " WHERE a.question_id = %s AND a.author_id = %s AND a.status = %s)"
    )
    return expressions, [question.article_id, question.pk, viewer.pk, Answer.Status.PENDING]


def _thread_key(token: str, question_id: int, sort: str, number: int, per_page: int) -> str:
    facts = (release(), token, question_id, sort, number, per_page)
    return "thread:" + hashlib.blake2b(repr(facts).encode(), digest_size=16).hexdigest()


@functools.cache
def release() -> str:
    """What this deployment serves: a digest of its templates, code, translations and
    settings, so that a copy made by another release (a new template, a changed
    setting) is never served. Computed once per process; RELEASE overrides it."""
    return os.environ.get("RELEASE") or _digest_of_release()


def _digest_of_release() -> str:
    # The files' contents, not their dates: every server of one release, checked out on
    # its own machine, must come to the same digest to share the copies.
    digest = hashlib.blake2b(digest_size=8)
    root = Path(settings.BASE_DIR)
    for folder in ("templates", "locale", "forum", "articles"):
        for path in sorted((root / folder).rglob("*")):
            if path.suffix in {".html", ".txt", ".mo", ".py"}:
                digest.update(str(path.relative_to(root)).encode())
                digest.update(path.read_bytes())
    # Only plain values: others (functions, lazy texts) print their address in memory,
    # which differs between the processes that must share the copies.
    for name in sorted(dir(settings)):
        if not name.isupper() or name == "SECRET_KEY":
            continue
        if _is_plain(value := getattr(settings, name)):
            digest.update(f"{name}={value!r}".encode())
    return digest.hexdigest()


def _is_plain(value) -> bool:
    if isinstance(value, (str, int, float, bool, type(None), Path)):
        return True
    if isinstance(value, (list, tuple)):  # not sets: their order differs between processes
        return all(_is_plain(item) for item in value)
    if isinstance(value, dict):
        return all(_is_plain(k) and _is_plain(v) for k, v in value.items())
    return False
