"""GET /: the published articles, newest first, with their questions and answers."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import long_ago, make_answer, make_article
from tests.pages import soup

pytestmark = pytest.mark.django_db


def plain(text) -> str:
    return " ".join(text.replace("\u202f", " ").replace("\xa0", " ").split())


def titles(response) -> list[str]:
    return [plain(a.text) for a in soup(response).select(".article-card__title a")]


def test_lists_each_article_with_its_questions_and_answers(client, alice):
    article = make_article(title="Une nouvelle", questions=["Un ?", "Deux ?"])
    make_answer(article.questions.first(), alice)
    make_answer(article.questions.last(), alice)
    make_answer(article.questions.last(), alice, status="deleted")
    card = soup(client.get("/")).select_one(".article-card")
    assert card.a["href"] == article.get_absolute_url()
    assert plain(card.a.text) == "Une nouvelle"
    meta = plain(card.select_one(".meta").text)
    assert "2 questions" in meta and "2 réponses" in meta  # the deleted one is not counted


def test_an_article_without_answers_says_zero(client):
    make_article(questions=["Seule ?"])
    meta = plain(soup(client.get("/")).select_one(".article-card .meta").text)
    assert "1 question" in meta and "0 réponse" in meta


def test_lists_the_newest_first_and_ties_by_newest_id(client):
    moment = long_ago(days=3)
    make_article(title="Ancienne", published_at=long_ago(days=30))
    make_article(title="Jumelle 1", published_at=moment)
    make_article(title="Jumelle 2", published_at=moment)
    make_article(title="Récente", published_at=long_ago(days=1))
    assert titles(client.get("/")) == ["Récente", "Jumelle 2", "Jumelle 1", "Ancienne"]


def test_drafts_and_scheduled_articles_are_not_listed(client):
    make_article(title="Publiée")
    make_article("draft", title="Brouillon")
    make_article("scheduled", title="Demain")
    assert titles(client.get("/")) == ["Publiée"]


def test_says_so_when_nothing_is_published(client):
    make_article("draft")
    assert "Aucun article n’a encore été publié." in client.get("/").content.decode()


@pytest.mark.parametrize("articles", [1, 10])
def test_is_one_query_whatever_the_number_of_articles(client, articles):
    for _ in range(articles):
        make_article(questions=["Une ?"])
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200
    assert len(queries) == 1


def test_post_is_a_readable_405(client):
    client.open_a_form_page()  # the CSRF cookie of a visitor about to write
    response = client.post("/")
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert "Méthode non autorisée" in response.content.decode()


# --- The teaser, in the reader's language where the article has one --------------------------


def teaser(response):
    return soup(response).select_one(".article-card__teaser")


def test_a_french_page_teases_with_the_opening_not_the_english_standfirst(client):
    make_article(
        standfirst="China is fighting on every front.",
        standfirst_lang="en",
        body="La Chine devance les États-Unis.\n\nLa suite.",
    )
    shown = teaser(client.get("/"))
    assert plain(shown.text) == "La Chine devance les États-Unis."
    assert shown["lang"] == "fr"
    assert "China is fighting" not in client.get("/").content.decode()


def test_an_english_page_teases_with_the_english_standfirst(client):
    make_article(
        standfirst="China is fighting on every front.",
        standfirst_lang="en",
        body="La Chine devance les États-Unis.",
    )
    shown = teaser(client.get("/en/"))
    assert shown.text == "China is fighting on every front." and shown["lang"] == "en"


def test_without_a_standfirst_the_opening_is_the_teaser_in_its_own_language(client):
    make_article(body="Un premier paragraphe.\n\nUn second.")
    shown = teaser(client.get("/en/"))
    assert shown.text == "Un premier paragraphe." and shown["lang"] == "fr"


def test_the_article_title_is_marked_french_on_english_pages(client):
    make_article(title="Une nouvelle")
    assert soup(client.get("/en/")).select_one(".article-card__title")["lang"] == "fr"
