"""What a reader sees on the home, article and question pages."""

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.models import Article
from tests.articles.expected import PARAGRAPH_STARTS, QUESTIONS


def soup(response):
    return BeautifulSoup(response.content.decode(), "html.parser")


def plain(text):
    """Text as typed: the page puts non-breaking spaces before ? ! : ;."""
    return " ".join(text.replace("\u202f", " ").replace("\u00a0", " ").split())


def test_home_lists_the_article_with_its_counts(client, article):
    page = soup(client.get("/"))
    card = page.select_one(".article-card")
    assert card.a["href"] == article.get_absolute_url()
    assert "Kling" in card.a.text
    assert "5 questions" in plain(card.select_one(".meta").text)
    assert "0 réponse" in plain(card.select_one(".meta").text)


def test_home_lists_newest_first_and_hides_drafts(client, article):
    newer = Article.objects.create(
        slug="newer",
        title="Plus récent",
        body="Texte.",
        status="published",
        published_at=article.published_at.replace(year=2025),
    )
    Article.objects.create(slug="brouillon", title="Brouillon", body="Texte.")
    titles = [plain(a.text) for a in soup(client.get("/")).select(".article-card__title a")]
    assert titles == [plain(newer.title), plain(article.title)]


def test_article_page_shows_the_article_faithfully(client, article):
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    page = soup(response)
    assert plain(page.h1.text) == plain(article.title)
    assert page.select_one("article time").text == "juin 2024"
    assert page.select_one("article time")["datetime"] == "2024-06"
    standfirst = page.select_one(".article__standfirst")
    assert standfirst["lang"] == "en"
    assert standfirst.text.startswith("China is fighting on every front")
    paragraphs = [plain(p.text) for p in page.select(".article__body p")]
    assert len(paragraphs) == 7
    for paragraph, start in zip(paragraphs, PARAGRAPH_STARTS, strict=True):
        assert paragraph.startswith(start)
        assert paragraph.endswith(".")
    assert "l’ASPI" in paragraphs[2] and 'l"ASPI' not in response.content.decode()
    source = page.select_one(".article__source")
    assert plain(source.text) == "Source : ASPI"
    assert source.a["href"] == "https://techtracker.aspi.org.au/"
    # The source is apart from the questions, which are each their own item.
    assert "Quelle lecture" not in source.text
    questions = [plain(a.text) for a in page.select(".question-list a")]
    assert questions == QUESTIONS


def test_question_marks_do_not_wrap_alone(client, article):
    page = soup(client.get(article.get_absolute_url()))
    first = page.select_one(".question-list a").text
    assert first.endswith("ASPI\u202f?")


def test_article_page_has_sharing_and_canonical_tags(client, article, settings):
    settings.SITE_URL = "https://agora.example"
    page = soup(client.get(article.get_absolute_url()))
    canonical = f"https://agora.example{article.get_absolute_url()}"
    assert page.find("link", rel="canonical")["href"] == canonical
    assert page.find("meta", property="og:url")["content"] == canonical
    assert page.find("meta", property="og:type")["content"] == "article"
    assert "Kling" in page.find("meta", property="og:title")["content"]
    assert page.find("meta", attrs={"name": "description"})["content"].startswith("Le célèbre")
    english = page.find("link", hreflang="en")["href"]
    assert english == f"https://agora.example/en{article.get_absolute_url()}"


def test_question_page_links_back_to_the_article(client, question):
    response = client.get(question.get_absolute_url())
    page = soup(response)
    assert plain(page.h1.text) == QUESTIONS[2]
    assert page.select_one(".breadcrumb a")["href"] == question.article.get_absolute_url()


def test_english_pages_translate_the_interface_not_the_article(client, article):
    page = soup(client.get("/en" + article.get_absolute_url()))
    assert page.html["lang"] == "en"
    assert page.select_one("#questions-title").text == "And you?"
    assert page.select_one("article")["lang"] == "fr"
    assert plain(page.select_one(".article__source").text) == "Source: ASPI"


@pytest.mark.parametrize(
    "url",
    [
        "/articles/nope/",
        "/articles/kling-aspi-chine-technologies-critiques/nope/",
        "/articles/draft/",
    ],
)
def test_unknown_and_draft_pages_are_styled_404s(client, article, url):
    Article.objects.create(slug="draft", title="Brouillon", body="Texte.")
    response = client.get(url)
    assert response.status_code == 404
    assert "Page introuvable" in response.content.decode()
    assert 'class="site-header"' in response.content.decode()


def test_questions_of_a_draft_are_404(client, article):
    article.status = Article.Status.DRAFT
    article.save()
    assert client.get(article.questions.first().get_absolute_url()).status_code == 404


def test_posting_to_a_page_is_a_readable_405(client, article):
    response = client.post(article.get_absolute_url())
    assert response.status_code == 405
    assert response["Allow"] == "GET"
    assert "Méthode non autorisée" in response.content.decode()


def test_sitemap_lists_article_and_questions_in_both_languages(client, article, settings):
    settings.SITE_URL = "https://agora.example"
    body = client.get("/sitemap.xml").content.decode()
    assert f"https://agora.example{article.get_absolute_url()}" in body
    assert f"https://agora.example/en{article.get_absolute_url()}" in body
    for question in article.questions.all():
        assert question.get_absolute_url() in body


def test_robots_points_to_the_sitemap(client):
    body = client.get("/robots.txt").content.decode()
    assert "Sitemap: http://testserver/sitemap.xml" in body


def test_pages_send_a_strict_content_security_policy(client, article):
    policy = client.get(article.get_absolute_url())["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in policy
    assert "style-src 'self'" in policy and "unsafe-inline" not in policy


@pytest.mark.parametrize("extra_articles", [0, 10])
def test_home_query_count_does_not_grow_with_articles(client, article, extra_articles):
    for n in range(extra_articles):
        Article.objects.create(
            slug=f"a{n}",
            title=f"A{n}",
            body="Texte.",
            status="published",
            published_at=article.published_at,
        )
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200
    assert len(queries) == 1


def test_article_and_question_pages_have_few_queries(client, article, question):
    with CaptureQueriesContext(connection) as queries:
        client.get(article.get_absolute_url())
    assert len(queries) == 2  # the article, its questions with their top answer (none yet)
    with CaptureQueriesContext(connection) as queries:
        client.get(question.get_absolute_url())
    assert len(queries) == 2  # the question with its article, its top-level answers


def test_health_check_answers_without_the_database(db, client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200 and response.content == b"ok"
