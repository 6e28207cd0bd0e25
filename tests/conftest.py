"""The cast, a client that checks CSRF as production does, and the shipped article."""

import base64
import hashlib
import hmac
import json
import struct
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.factories import make_member

ROOT = Path(settings.BASE_DIR)
SHIPPED_ARTICLE = ROOT / "articles" / "content" / "kling-aspi-2024-06.toml"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}


def pytest_configure(config):
    # Hashing passwords for real is the slowest part of a test that signs in.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- A client that proves its forms carry a valid token ---------------------------


class CsrfClient(Client):
    """Django's test client with CSRF checked on every write: a POST without the token
    the site gave this client is a 403, as in production.

    Two honest ways to send the token:
    - ``client.submit(page_url, form_selector, data)`` loads the page and posts the form
      with what the page put in it (its action, hidden inputs and token), as a browser
      does; with ``htmx=True`` it posts like htmx: the form's fields plus the
      ``X-CSRFToken`` header that ``<body data-hx-headers>`` carries.
    - ``client.post(url, data)`` sends the ``csrftoken`` cookie's value as the
      ``X-CSRFToken`` header, like a script reading the cookie. The cookie exists only
      once a page was loaded: a client that loaded nothing has no token to send.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, enforce_csrf_checks=True, **kwargs)
        self._token_from_cookie = True

    def request(self, **request):
        cookie = self.cookies.get(settings.CSRF_COOKIE_NAME)
        if (
            request.get("REQUEST_METHOD") not in SAFE_METHODS
            and self._token_from_cookie
            and cookie is not None
            and settings.CSRF_HEADER_NAME not in request
        ):
            request[settings.CSRF_HEADER_NAME] = cookie.value
        return super().request(**request)

    @contextmanager
    def _page_token_only(self):
        """Send nothing the page did not give: a form missing its token must fail."""
        self._token_from_cookie = False
        try:
            yield
        finally:
            self._token_from_cookie = True

    def open_a_form_page(self):
        """Load a page with a form that posts (the sign-in page), as a visitor about to
        write does: it sets the CSRF cookie, which reading pages no longer set for
        anonymous readers (they share one copy: forum.pagecache)."""
        assert self.get(reverse("account_login")).status_code == 200
        assert settings.CSRF_COOKIE_NAME in self.cookies

    def read_form(self, page_url, form_selector, *, htmx=False) -> tuple[str, dict, dict]:
        """Load ``page_url`` and read the form found by ``form_selector``: where it posts,
        the fields it sends as served, and the headers the browser (or htmx) adds."""
        page = self.get(page_url)
        assert page.status_code == 200, f"{page_url} answered {page.status_code}"
        html = BeautifulSoup(page.content.decode(), "html.parser")
        form = html.select_one(form_selector)
        assert form is not None, f"no {form_selector!r} on {page_url}"
        action = (form.get("data-hx-post") if htmx else None) or form.get("action") or page_url
        headers = {"Referer": f"http://testserver{page_url}"}
        if htmx:
            headers |= {"HX-Request": "true", "X-CSRFToken": body_token(html)}
        return action, form_fields(form), headers

    def post_form(self, action, fields, headers):
        """Post what a form read by ``read_form`` holds, and no token of the client's own."""
        with self._page_token_only():
            return self.post(action, fields, headers=headers)

    def submit(self, page_url, form_selector, data=None, *, htmx=False, headers=None):
        """Load ``page_url``, fill the form found by ``form_selector`` with ``data``, post it."""
        action, fields, sent = self.read_form(page_url, form_selector, htmx=htmx)
        return self.post_form(action, fields | (data or {}), sent | (headers or {}))


def form_fields(form) -> dict:
    """What a browser sends for a form before the person types anything (submit buttons
    send their value only when clicked: put it in ``data``)."""
    fields = {}
    for field in form.select("input[name]"):
        kind = field.get("type", "text")
        if kind in {"submit", "button", "image", "reset", "file"}:
            continue
        if kind in {"checkbox", "radio"}:
            if field.has_attr("checked"):
                fields.setdefault(field["name"], []).append(field.get("value", "on"))
            continue
        fields[field["name"]] = field.get("value", "")
    for field in form.select("textarea[name]"):
        fields[field["name"]] = field.text
    for field in form.select("select[name]"):
        chosen = [option.get("value", option.text) for option in field.select("option[selected]")]
        if field.has_attr("multiple"):
            fields[field["name"]] = chosen
        elif chosen or field.select("option"):
            fields[field["name"]] = (
                chosen[0] if chosen else field.select("option")[0].get("value", "")
            )
    return fields


def body_token(html) -> str:
    """The token htmx sends with every request: the one in ``<body data-hx-headers>``."""
    return json.loads(html.body["data-hx-headers"])["X-CSRFToken"]


@pytest.fixture
def client():
    """An anonymous visitor whose writes are CSRF-checked (see CsrfClient)."""
    return CsrfClient()


@pytest.fixture
def client_for(db):
    """A browser of its own for a member, already signed in: ``client_for(alice)``."""

    def signed_in(user):
        browser = CsrfClient()
        browser.force_login(user)
        return browser

    return signed_in


# --- The cast ---------------------------------------------------------------------


@pytest.fixture(name="make_member")
def make_member_fixture(db):
    """Make more members: ``make_member("Louis", verified=False)``."""
    return make_member


@pytest.fixture
def alice(db):
    return make_member("alice")


@pytest.fixture
def bob(db):
    return make_member("bob")


@pytest.fixture
def charlie(db):
    """Verified, and related to nothing: wrote nothing, moderates nothing."""
    return make_member("charlie")


@pytest.fixture
def carol_unverified(db):
    return make_member("carol", verified=False)


@pytest.fixture
def dave_suspended(db):
    """Suspended by the moderators for three more days, with a reason."""
    from django.utils import timezone

    return make_member(
        "dave",
        suspended_until=timezone.now() + timezone.timedelta(days=3),
        sanction_reason="Insultes répétées.",
    )


@pytest.fixture
def erin_banned(db):
    """Banned by the moderators, with a reason."""
    return make_member("erin", banned=True, sanction_reason="Spam répété.")


@pytest.fixture
def moderator(db):
    from django.contrib.auth.models import Group

    from forum.models import MODERATORS_GROUP

    user = make_member("modo")
    user.groups.add(Group.objects.get_or_create(name=MODERATORS_GROUP)[0])
    return user


# --- The shipped article: for the importer's, the demo's and the browser's tests ------


@pytest.fixture
def article(db):
    """The shipped article, published through the importer as `make run` does."""
    from articles.importer import parse_article
    from articles.publishing import save_article

    parsed = parse_article(SHIPPED_ARTICLE.read_bytes(), filename=SHIPPED_ARTICLE.name)
    return save_article(parsed, publish=True).article


@pytest.fixture
def question(article):
    """The shipped article's third question."""
    return article.questions.get(position=3)


# --- Settings and state ---------------------------------------------------------------


@pytest.fixture
def fast_forms(settings):
    """People in tests type instantly: drop the minimum fill time."""
    settings.ANSWER_MIN_FILL_SECONDS = 0


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters and rendered answers live in the cache, members' page frames and
    a copy of the rendered answers and of the shared threads in the process (forum.frames,
    forum.rendering, forum.pagecache); each test starts empty."""
    from django.core.cache import cache

    from forum import frames, pagecache, rendering

    cache.clear()
    frames.forget_all()
    rendering.forget_all()
    pagecache.forget_threads()
    yield
    cache.clear()
    frames.forget_all()
    rendering.forget_all()
    pagecache.forget_threads()


# PostgreSQL writes the article's page version (forum.pagecache) when a transaction
# commits (migration 0014: constraint triggers deferred to the commit). A test runs in a
# transaction that never commits: there they are told to run at once, after each
# statement, so that the page a test reads next sees the change as a reader would.
PAGE_VERSION_TRIGGERS = (
    "forum_answer_page, forum_slowmode_page, forum_question_page, forum_article_page,"
    " forum_author_page"
)


@pytest.fixture(autouse=True)
def _page_versions_written_at_once(request):
    if "db" not in request.fixturenames and not request.node.get_closest_marker("django_db"):
        return
    from django.db import connection

    # What `db` and the django_db marker use to open the test's transaction: this must
    # run inside it.
    request.getfixturevalue("_django_db_helper")
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute(f"SET CONSTRAINTS {PAGE_VERSION_TRIGGERS} IMMEDIATE")


@pytest.fixture(autouse=True)
def _default_language():
    """A request to an /en/ page leaves English active in the test's thread, and
    reverse() in the next test would build /en/ addresses: start each test in French."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture
def moderator_client(moderator):
    """A client signed in as the moderator, with a second factor enrolled and passed in
    this session, as the desk requires (forum.moderation.access)."""
    return signed_in_with_mfa(moderator)


def enrol_totp(user) -> str:
    """Give ``user`` a TOTP authenticator; return its secret (to compute codes)."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def totp_code(secret: str) -> str:
    """The code an authenticator app shows now for ``secret`` (RFC 6238: 30 s, 6 digits),
    computed here rather than by allauth, so a test of allauth's check proves something."""
    if 30 - time.time() % 30 < 2:  # about to change: type the next one
        time.sleep(30 - time.time() % 30)
    counter = struct.pack(">Q", int(time.time()) // 30)
    digest = hmac.new(base64.b32decode(secret), counter, hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def signed_in_with_mfa(user) -> CsrfClient:
    from allauth.account.internal.flows.login import record_authentication
    from django.http import HttpRequest

    enrol_totp(user)
    client = CsrfClient()
    client.force_login(user)
    request = HttpRequest()
    request.session = client.session
    record_authentication(request, user, "password")
    record_authentication(request, user, "mfa", type="totp")
    request.session.save()
    return client


@pytest.fixture
def database_tasks():
    """Tasks queued in the database, as in production (tests otherwise run them inline)."""
    from django.tasks import task_backends

    saved = task_backends.__dict__.get("settings")
    task_backends.__dict__["settings"] = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"],
                    "OPTIONS": {}, "ENQUEUE_ON_COMMIT": False}
    }  # fmt: skip
    if hasattr(task_backends._connections, "default"):
        delattr(task_backends._connections, "default")
    yield
    if saved is None:
        task_backends.__dict__.pop("settings", None)
    else:
        task_backends.__dict__["settings"] = saved
    if hasattr(task_backends._connections, "default"):  # not if only other threads used it
        delattr(task_backends._connections, "default")
