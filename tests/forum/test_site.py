"""The site's plumbing: health check, robots.txt, sitemap.xml, security headers, error pages."""

import gzip

import pytest
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from forum.middleware import GZIP_MIN_LENGTH, GZipMiddleware
from tests.factories import make_article, make_question
from tests.pages import soup, text_of

pytestmark = pytest.mark.django_db


# --- /healthz --------------------------------------------------------------------------


def test_health_check_says_the_database_and_cache_answer_in_one_query(
    client, django_assert_num_queries
):
    with django_assert_num_queries(1):
        response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "cache": "ok"}


def test_liveness_answers_without_the_database_or_the_cache(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get(reverse("livez"))
    assert response.status_code == 200 and response.content == b"ok"


def test_health_check_by_post_is_405(client):
    client.open_a_form_page()  # the CSRF cookie of a visitor about to write
    assert client.post(reverse("healthz")).status_code == 405


# --- /robots.txt -----------------------------------------------------------------------


def test_robots_points_to_the_sitemap_and_keeps_crawlers_off_private_pages(client):
    body = client.get(reverse("robots")).content.decode()
    assert "Sitemap: http://testserver/sitemap.xml" in body
    assert "Disallow: /admin/" in body and "Disallow: /accounts/" in body
    # The same private pages in English, under /en/.
    assert "Disallow: /en/admin/" in body and "Disallow: /en/accounts/" in body
    assert "Disallow: /editor/" in body and "Disallow: /en/editor/" in body


def test_pages_go_out_compressed_to_browsers_that_accept_it(client):
    make_question()
    response = client.get("/", headers={"accept-encoding": "gzip, br"})
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    assert int(response["Content-Length"]) == len(response.content)
    plain = client.get("/")
    assert not plain.has_header("Content-Encoding")
    assert gzip.decompress(response.content) == plain.content


def test_responses_that_fit_a_packet_go_out_as_they_are(rf):
    """Under GZIP_MIN_LENGTH bytes (a vote's widget, most htmx fragments) compressing
    costs the server time and saves the reader nothing; from it on, responses are
    compressed."""
    request = rf.get("/", headers={"accept-encoding": "gzip"})
    for length, compressed in ((GZIP_MIN_LENGTH - 1, False), (GZIP_MIN_LENGTH, True)):
        body = ("<p>vote</p>" * length)[:length]
        response = GZipMiddleware(lambda request, body=body: HttpResponse(body))(request)
        assert response.has_header("Content-Encoding") is compressed
        content = gzip.decompress(response.content) if compressed else response.content
        assert content == body.encode()


def test_a_members_compressed_page_varies_in_length_whatever_it_holds(client_for, alice):
    """BREACH: an attacker who makes a member's browser send guesses learns a secret on the
    page when the compressed length shrinks for a right guess. Each compressed page carries
    a name of random length in its gzip header, so equal pages differ in length."""
    question = make_question()
    member = client_for(alice)
    lengths, names = set(), set()
    for _ in range(20):
        page = member.get(question.get_absolute_url(), headers={"accept-encoding": "gzip"})
        assert page.status_code == 200 and page["Content-Encoding"] == "gzip"
        assert page.content[3] & gzip.FNAME  # the header says a name follows it
        name = page.content[10 : page.content.index(b"\x00", 10)]
        assert set(name) <= {ord("a")}
        lengths.add(len(page.content))
        names.add(len(name))
        assert alice.display_name in gzip.decompress(page.content).decode()
    assert len(names) > 1 and len(lengths) > 1


def test_probes_are_answered_over_plain_http_whatever_the_host(settings):
    """A load balancer probes each server by its address, over plain HTTP: the probes are
    answered before the redirect to HTTPS and the host check that pages get."""
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["agora.example"]
    balancer = Client()
    assert balancer.get("/", headers={"Host": "agora.example"}).status_code == 301
    for probe in ("/healthz", "/livez"):
        response = balancer.get(probe, headers={"Host": "10.0.0.7:8000"})
        assert response.status_code == 200 and not response.cookies
    assert balancer.get("/healthz", headers={"Host": "10.0.0.7"}).json()["database"] == "ok"


@pytest.mark.parametrize("name", ["articles:home", "robots", "healthz"])
def test_head_is_answered_like_get(client, name):
    assert client.head(reverse(name)).status_code == 200


# --- /sitemap.xml ------------------------------------------------------------------------


def test_sitemap_lists_articles_and_questions_in_both_languages(client, settings):
    settings.SITE_URL = "https://agora.example"
    question = make_question()
    body = client.get(reverse("sitemap")).content.decode()
    for path in (question.article.get_absolute_url(), question.get_absolute_url()):
        assert f"<loc>https://agora.example{path}</loc>" in body
        assert f"<loc>https://agora.example/en{path}</loc>" in body


def test_sitemap_leaves_out_unpublished_articles(client):
    draft = make_question(make_article("draft"))
    scheduled = make_question(make_article("scheduled"))
    body = client.get(reverse("sitemap")).content.decode()
    for question in (draft, scheduled):
        assert question.article.get_absolute_url() not in body
        assert question.get_absolute_url() not in body


# --- Headers and error pages -------------------------------------------------------------


def test_pages_send_a_strict_content_security_policy(client):
    response = client.get(make_article().get_absolute_url())
    policy = response["Content-Security-Policy"]
    # Scripts from this site's files only: nothing inline, so no nonce (a per-response
    # secret would keep anonymous readers from sharing one copy of the page).
    assert "script-src 'self';" in policy
    assert "style-src 'self'" in policy and "unsafe-inline" not in policy
    scripts = soup(response).select("script")
    assert scripts and all(script.get("src") and not script.string for script in scripts)


@pytest.mark.parametrize(("prefix", "title"), [("", "Page introuvable"), ("/en", "Page not found")])
def test_unknown_addresses_are_404s_in_the_site_layout(client, prefix, title):
    response = client.get(prefix + "/nowhere/at/all/")
    assert response.status_code == 404
    assert title in response.content.decode()
    assert 'class="site-header"' in response.content.decode()


# --- A form without its token ------------------------------------------------------------


def test_a_refused_token_gets_the_sites_page_in_the_readers_language(client):
    make_question()
    response = client.post("/en/i18n/setlang/", {"language": "fr"})  # no page, no token
    assert response.status_code == 403
    page = text_of(response)
    assert "Reload the page and try again; nothing was changed." in page
    assert "Agora" in page  # the site's layout, not Django's bare page
