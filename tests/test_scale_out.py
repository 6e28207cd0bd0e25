"""Two app servers, one PostgreSQL, one Redis: what is done on one server shows on the other.

Two real `make serve` (collectstatic, migrate, gunicorn with production settings) run on
two ports against the test's own PostgreSQL database and a Redis database of this file's
own, as the README's "Running in production" describes. Everything goes over HTTP; the
data is made here and committed, and members are signed in with sessions written to the
shared database under the servers' SECRET_KEY.
"""

import http.client
import os
import secrets
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import redis
from bs4 import BeautifulSoup
from django.conf import settings
from django.test import Client, override_settings

from tests.factories import long_ago, make_answer, make_member, make_question

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),  # the servers only see committed rows
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
        reason="two servers need one shared PostgreSQL",
    ),
]

ROOT = Path(settings.BASE_DIR)
# Database 15 belongs to tests/forum/test_ratelimit.py; this one is emptied before each test.
REDIS_URL = "redis://127.0.0.1:6379/14"
# Shared by both servers and the test, so a session written here signs a member in on both.
SECRET_KEY = secrets.token_urlsafe(48)
VOTE_LIMIT = 4  # votes per member per minute on the servers (RATE_LIMIT_VOTE_MEMBER)
# Seconds for one `make serve` (collectstatic, migrate, rerender_answers, gunicorn): about
# 10 on this 2-core machine, 25 while other jobs load it.
START_TIMEOUT = 90


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen
    log: Path

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]


@dataclass
class Reply:
    status: int
    headers: Message
    text: str


def request(server: Server, path: str, *, method="GET", headers=None, body=None) -> Reply:
    """One HTTP request to ``server``, on a connection of its own."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=15)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return Reply(response.status, response.headers, response.read().decode())
    finally:
        conn.close()


# --- The servers ---------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _require_redis() -> None:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        message = "No Redis answers on 127.0.0.1:6379 (apt-get install redis-server)."
        if os.environ.get("CI") == "true" or os.environ.get("REQUIRE_REDIS") == "1":
            pytest.fail(message + " CI or REQUIRE_REDIS=1: Redis tests may not be skipped.")
        pytest.skip(message)


def _server_env(database_url: str) -> dict:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_URL,
        "DEBUG": "0",
        "SECRET_KEY": SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",  # plain HTTP here, no proxy in front
        "EMAIL_URL": "console://",
        "RATE_LIMIT_VOTE_MEMBER": f"{VOTE_LIMIT}/60",
        "WEB_CONCURRENCY": "2",
    }
    # Under `make test-postgres` these would tie the servers' make to the outer one.
    for name in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "SINGLE_PROCESS"):
        env.pop(name, None)
    return env


def _start(name: str, env: dict, log_dir: Path) -> Server:
    port = _free_port()
    log = log_dir / f"server-{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603
            ["make", "--no-print-directory", "serve", f"PORT={port}"],  # noqa: S607
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: make, gunicorn and its workers
        )
    return Server(name, port, process, log)


def _wait_until_healthy(server: Server) -> None:
    """Until /healthz says both the database and Redis answer."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"server {server.name} stopped while starting:\n{server.log_tail()}")
        try:
            reply = request(server, "/healthz")
            if reply.status == 200 and '"cache": "ok"' in reply.text:
                return
        except OSError:
            pass
        time.sleep(0.3)
    pytest.fail(f"server {server.name} not healthy after {START_TIMEOUT} s:\n{server.log_tail()}")


def _stop(server: Server) -> None:
    """SIGTERM to the whole group (gunicorn stops its workers), SIGKILL if it lingers."""
    group = server.process.pid
    try:
        os.killpg(group, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        server.process.poll()  # reap make, so its pid no longer counts as alive
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    os.killpg(group, signal.SIGKILL)
    server.process.wait(timeout=5)


@pytest.fixture(scope="module")
def servers(django_db_setup, tmp_path_factory):
    """Servers A and B, one `make serve` each on its own port, against the test database.

    They start one after the other, so two collectstatic never write staticfiles/ at once."""
    from django.db import connection

    _require_redis()
    redis.Redis.from_url(REDIS_URL).flushdb()
    test_database = connection.settings_dict["NAME"]  # pytest-django's, not the configured one
    database_url = urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{test_database}")
    env = _server_env(database_url.geturl())
    log_dir = tmp_path_factory.mktemp("scale-out")
    started: list[Server] = []
    try:
        for name in ("A", "B"):
            started.append(_start(name, env, log_dir))
            _wait_until_healthy(started[-1])
        yield started
    finally:
        for server in started:
            _stop(server)


@pytest.fixture
def a_and_b(servers):
    """The two servers, with the shared Redis emptied (rate-limit counters, cached pages)."""
    redis.Redis.from_url(REDIS_URL).flushdb()
    return servers


# --- Visitors ------------------------------------------------------------------------


@dataclass
class Member:
    session: str
    csrf: str

    @property
    def cookie(self) -> str:
        session, csrf = settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME
        return f"{session}={self.session}; {csrf}={self.csrf}"


def signed_in(user) -> Member:
    """A browser signed in as ``user`` on both servers: the session is in the shared
    database, signed with the servers' key."""
    with override_settings(SECRET_KEY=SECRET_KEY):
        client = Client()
        client.force_login(user)
    return Member(client.cookies[settings.SESSION_COOKIE_NAME].value, secrets.token_hex(16))


def read_page(server: Server, path: str, member: Member | None = None, **headers) -> Reply:
    if member is not None:
        headers["Cookie"] = member.cookie
    reply = request(server, path, headers=headers)
    assert reply.status in (200, 304), f"{path} on {server.name}: {reply.status}"
    return reply


def vote(server: Server, member: Member, answer, value: int, *, htmx=False) -> Reply:
    """The vote buttons' form, as posted without JavaScript (or by htmx with ``htmx``)."""
    headers = {
        "Cookie": member.cookie,
        "X-CSRFToken": member.csrf,
        "Content-Type": "application/x-www-form-urlencoded",
    }
    if htmx:
        headers["HX-Request"] = "true"
    return request(
        server, f"/a/{answer.pk}/vote/", method="POST", headers=headers, body=f"value={value}"
    )


def score_shown(page: Reply, answer) -> str:
    node = BeautifulSoup(page.text, "html.parser").select_one(
        f"#a{answer.pk} .vote__score [aria-hidden]"
    )
    assert node is not None, f"no score for answer {answer.pk} on the page"
    return node.get_text(strip=True)


def my_upvote_pressed(page: Reply, answer) -> bool:
    button = BeautifulSoup(page.text, "html.parser").select_one(f"#a{answer.pk} .vote__button--up")
    return button is not None and button["aria-pressed"] == "true"


@pytest.fixture
def answer(transactional_db):
    """An answer two hours old (its score is shown to everyone), written and committed."""
    return make_answer(
        make_question(), make_member("autrice"), body="Un avis.", created_at=long_ago(hours=2)
    )


# --- What one server does, the other sees ---------------------------------------------


def test_a_vote_cast_on_one_server_shows_on_the_other(a_and_b, answer):
    a, b = a_and_b
    alice = signed_in(make_member("alice"))
    page = answer.question.get_absolute_url()
    assert score_shown(read_page(b, page), answer) == "0"
    assert score_shown(read_page(b, page, alice), answer) == "0"

    assert vote(a, alice, answer, 1).status == 302

    member_page = read_page(b, page, alice)
    assert score_shown(member_page, answer) == "1"
    assert my_upvote_pressed(member_page, answer)
    assert score_shown(read_page(b, page), answer) == "1"


def test_a_vote_on_one_server_renews_the_anonymous_page_of_both(a_and_b, answer):
    a, b = a_and_b
    bob = signed_in(make_member("bob"))
    page = answer.question.get_absolute_url()
    old = {}
    for server in (a, b):
        read_page(server, page)
        warm = read_page(server, page)
        assert warm.headers["X-Cache"] == "hit", f"second read on {server.name}"
        assert score_shown(warm, answer) == "0"
        old[server.name] = warm.headers["ETag"]
        # The ETag is honoured, so the 200 after the vote below means something.
        assert read_page(server, page, **{"If-None-Match": old[server.name]}).status == 304

    assert vote(a, bob, answer, 1).status == 302

    for server in (a, b):
        fresh = read_page(server, page)
        assert score_shown(fresh, answer) == "1", f"stale page on {server.name}"
        assert fresh.headers["ETag"] not in (None, old[server.name])
        revalidated = read_page(server, page, **{"If-None-Match": old[server.name]})
        assert revalidated.status == 200, f"old ETag still valid on {server.name}"
        assert score_shown(revalidated, answer) == "1"


def test_the_vote_limit_counts_votes_on_both_servers(a_and_b, answer):
    a, b = a_and_b
    carol = signed_in(make_member("carol"))
    # Limits count in windows aligned on the clock: start well inside one.
    if (into_minute := time.time() % 60) > 50:
        time.sleep(60.5 - into_minute)

    turns = [(a, 1), (b, -1), (a, 1), (b, -1)]  # the limit, taking turns
    allowed = [vote(server, carol, answer, value, htmx=True).status for server, value in turns]
    assert allowed == [200] * VOTE_LIMIT

    for server in (a, b):  # the fifth vote, then the sixth: refused wherever they land
        refused = vote(server, carol, answer, 1, htmx=True)
        assert refused.status == 429, f"vote past the limit on {server.name}"
        assert "Vous votez trop souvent." in refused.text
        assert 0 < int(refused.headers["Retry-After"]) <= 60
    answer.refresh_from_db()
    assert (answer.score, answer.downvotes) == (-1, 1)  # the fourth vote, nothing after it
