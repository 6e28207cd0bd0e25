"""Readers keep reading when Redis is down; writes whose limits cannot be counted, and
everything while the database is down, get a quick, readable 503 with Retry-After."""

import json
import socket
import threading
import time

import pytest
from django.db import OperationalError
from django.test import RequestFactory

from forum import cache as failsafe
from forum.middleware import ServiceUnavailableMiddleware
from tests.factories import make_answer, make_question
from tests.forum.test_ratelimit import REDIS_URL, redis_is_running
from tests.pages import text_of

pytestmark = pytest.mark.django_db


def redis_cache(settings, url):
    settings.REDIS_URL = url
    settings.CACHES = {
        "default": {
            "BACKEND": "forum.cache.FailSafeRedisCache",
            "LOCATION": url,
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25},
        }
    }


@pytest.fixture(autouse=True)
def _redis_answers_again():
    """Each test starts with Redis taken as up, as a restarted worker would."""
    failsafe._down_until = 0.0
    yield
    failsafe._down_until = 0.0


@pytest.fixture
def closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens there once the socket is closed


@pytest.fixture
def silent_port():
    """A server that accepts connections and never answers (a Redis that hangs)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(50)
    accepted, stop = [], threading.Event()

    def accept():
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    for connection in accepted:
        connection.close()
    server.close()


@pytest.fixture
def discussion(alice):
    question = make_question()
    make_answer(question, alice, body="Toujours lisible.")
    return question


@pytest.mark.parametrize("kind", ["closed", "silent"])
def test_readers_keep_reading_when_redis_is_down(
    request, settings, client, client_for, bob, discussion, kind
):
    port = request.getfixturevalue(f"{kind}_port")
    redis_cache(settings, f"redis://127.0.0.1:{port}/0")
    started = time.monotonic()
    for browser in (client, client_for(bob)):
        response = browser.get(discussion.get_absolute_url())
        assert response.status_code == 200
        assert "Toujours lisible." in text_of(response)
    # Not the 5 s a hung Redis used to cost each request: one short timeout, then the
    # pause during which Redis is not asked (a generous bound, not a benchmark).
    assert time.monotonic() - started < 3
    health = client.get("/healthz")
    assert health.status_code == 200
    assert health.json() == {"database": "ok", "cache": "degraded"}


def test_a_vote_whose_limit_cannot_be_counted_is_a_503_with_retry_after(
    settings, client_for, bob, discussion, closed_port
):
    redis_cache(settings, f"redis://127.0.0.1:{closed_port}/0")
    voter = client_for(bob)
    page = voter.get(discussion.get_absolute_url())
    answer = discussion.answers.get()
    response = voter.post(f"/a/{answer.pk}/vote/", {"value": "1"})
    assert response.status_code == 503 and response["Retry-After"] == "10"
    assert "rien n’a été modifié" in text_of(response)
    assert page.status_code == 200 and not answer.votes.exists()
    # Under htmx (which swaps no 5xx) the page is told to say it where the vote was cast.
    swapped = voter.post(f"/a/{answer.pk}/vote/", {"value": "1"}, headers={"HX-Request": "true"})
    assert swapped.status_code == 503
    told = json.loads(swapped["HX-Trigger"])["agora:unavailable"]["message"]
    assert told.startswith("Indisponible un instant")


def test_members_can_still_sign_in_when_redis_is_down(settings, client, alice, closed_port):
    """allauth's own limits on signing in fail open: an outage is no "too many attempts"."""
    redis_cache(settings, f"redis://127.0.0.1:{closed_port}/0")
    response = client.submit(
        "/accounts/login/", "main form", {"login": "alice@example.org", "password": "pw-alice"}
    )
    assert response.status_code == 302
    assert client.get("/").wsgi_request.user == alice


@pytest.mark.skipif(not redis_is_running(), reason="no Redis on 127.0.0.1:6379")
def test_everything_comes_back_by_itself_once_redis_answers(
    settings, client_for, bob, discussion, closed_port
):
    redis_cache(settings, f"redis://127.0.0.1:{closed_port}/0")
    voter = client_for(bob)
    voter.get(discussion.get_absolute_url())
    answer = discussion.answers.get()
    assert voter.post(f"/a/{answer.pk}/vote/", {"value": "1"}).status_code == 503
    redis_cache(settings, REDIS_URL)  # Redis is back, and its pause is over
    failsafe._down_until = 0.0
    assert voter.post(f"/a/{answer.pk}/vote/", {"value": "1"}).status_code == 302
    assert voter.get("/healthz").json() == {"database": "ok", "cache": "ok"}


def test_a_database_outage_is_a_readable_503_that_asks_nothing_of_the_database(
    django_assert_num_queries,
):
    request = RequestFactory().get("/")
    middleware = ServiceUnavailableMiddleware(lambda request: None)
    with django_assert_num_queries(0):
        response = middleware.process_exception(request, OperationalError("server closed"))
    assert response.status_code == 503 and response["Retry-After"] == "10"
    assert "rien n’a été modifié" in response.content.decode()


def test_other_errors_are_not_taken_for_an_outage():
    request = RequestFactory().get("/")
    middleware = ServiceUnavailableMiddleware(lambda request: None)
    assert middleware.process_exception(request, ValueError("a bug")) is None
