"""GET /articles/<slug>/: an article, then its questions with their most appreciated answer."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.models import Article
from forum.answers import do_delete_answer
from tests.articles.expected import PARAGRAPH_STARTS, QUESTIONS
from tests.factories import long_ago, make_answer, make_article, make_question, vote_on
from tests.pages import soup

pytestmark = pytest.mark.django_db


def plain(text) -> str:
    """Text as typed: the page puts non-breaking spaces before ? ! : ;."""
    return " ".join(text.replace("\u202f", " ").replace("\u00a0", " ").split())


def test_the_shipped_article_once_published_reads_as_written(client, article):
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
    assert [plain(a.text) for a in page.select(".question-card__link")] == QUESTIONS


def test_lists_the_questions_in_order_with_their_answer_counts(client, alice):
    article = make_article(questions=["Première ?", "Seconde ?"])
    make_answer(article.questions.get(position=2), alice)
    cards = soup(client.get(article.get_absolute_url())).select(".question-card")
    assert [plain(card.a.text) for card in cards] == ["Première ?", "Seconde ?"]
    assert cards[0].a["href"] == article.questions.get(position=1).get_absolute_url()
    assert [plain(card.select_one(".meta").text) for card in cards] == ["0 réponse", "1 réponse"]


def test_question_marks_do_not_wrap_alone(client):
    article = make_article(questions=["Faut-il y croire ?"])
    first = soup(client.get(article.get_absolute_url())).select_one(".question-list a").text
    assert first == "Faut-il y croire\u202f?"


def test_each_question_shows_its_most_appreciated_answer(client, alice, bob):
    article = make_article(questions=["Une ?", "Deux ?"])
    question = article.questions.get(position=2)
    plain_answer = make_answer(question, alice, body="Moyenne.", created_at=long_ago(hours=2))
    best = make_answer(
        question, bob, body="La **meilleure**, de loin.", created_at=long_ago(hours=2)
    )
    vote_on(best, up=3)
    vote_on(plain_answer, up=1)
    first, second = soup(client.get(article.get_absolute_url())).select(".question-card")
    assert not first.select_one(".top-answer")
    top = second.select_one(".top-answer")
    assert plain(top.select_one(".top-answer__text").text) == "La meilleure, de loin."
    assert top.select_one(".top-answer__author").text == "bob"
    assert plain(top.select_one(".top-answer__score").text) == "3 points"
    assert top.a["href"] == f"/a/{best.pk}/"


def test_between_equally_ranked_answers_the_newest_is_shown(client, alice):
    question = make_question()
    vote_on(make_answer(question, alice, body="Jumelle 1.", created_at=long_ago(hours=2)), up=2)
    second = make_answer(question, alice, body="Jumelle 2.", created_at=long_ago(hours=2))
    vote_on(second, up=2)
    top = soup(client.get(question.article.get_absolute_url())).select_one(".top-answer")
    assert top.a["href"] == f"/a/{second.pk}/"


def test_no_answer_is_shown_without_upvotes_while_its_score_is_hidden_or_once_deleted(
    client, alice
):
    question = make_question()
    make_answer(question, alice, body="Sans vote.", created_at=long_ago(hours=2))
    vote_on(make_answer(question, alice, body="Trop jeune."), up=5)
    liked = vote_on(
        make_answer(question, alice, body="Reprise.", created_at=long_ago(hours=2)), up=4
    )
    do_delete_answer(answer=liked)
    assert not soup(client.get(question.article.get_absolute_url())).select_one(".top-answer")


def test_has_sharing_and_canonical_tags(client, settings):
    settings.SITE_URL = "https://agora.example"
    article = make_article(title="Un titre à partager", body="Le résumé.\n\nLa suite.")
    page = soup(client.get(article.get_absolute_url()))
    canonical = f"https://agora.example{article.get_absolute_url()}"
    assert page.find("link", rel="canonical")["href"] == canonical
    assert page.find("meta", property="og:url")["content"] == canonical
    assert page.find("meta", property="og:type")["content"] == "article"
    assert plain(page.find("meta", property="og:title")["content"]) == "Un titre à partager"
    assert page.find("meta", attrs={"name": "description"})["content"] == "Le résumé."
    english = page.find("link", hreflang="en")["href"]
    assert english == f"https://agora.example/en{article.get_absolute_url()}"


def test_english_pages_translate_the_interface_not_the_article(client):
    article = make_article(source_name="ASPI", questions=["Et alors ?"])
    page = soup(client.get("/en" + article.get_absolute_url()))
    assert page.html["lang"] == "en"
    assert page.select_one("#questions-title").text == "And you?"
    assert page.select_one("article")["lang"] == "fr"
    assert plain(page.select_one(".article__source").text) == "Source: ASPI"


def test_english_pages_say_the_article_is_in_french_and_mark_it_so(client):
    article = make_article(source_name="ASPI", questions=["Et alors ?"])
    page = soup(client.get("/en" + article.get_absolute_url()))
    note = page.select_one(".article__language")
    assert note.text == "This article is published in French." and note["lang"] == "en"
    assert page.select_one("article")["lang"] == "fr"
    # What the site says inside the French article is in the page's language.
    assert page.select_one("article .meta")["lang"] == "en"
    assert page.select_one(".article__source span")["lang"] == "en"
    assert page.select_one(".question-card__link")["lang"] == "fr"


def test_french_pages_need_no_note_on_the_language(client):
    article = make_article()
    assert not soup(client.get(article.get_absolute_url())).select_one(".article__language")


def test_each_open_question_invites_an_answer(client):
    article = make_article(questions=["Ouverte ?"])
    make_question(article, "locked", text="Verrouillée ?")
    make_question(article, "closed", text="Close ?")
    cards = soup(client.get("/en" + article.get_absolute_url())).select(".question-card")
    invite = cards[0].select_one(".question-card__invite a")
    assert invite.text == "Give your answer"
    assert invite["href"] == article.questions.get(position=1).get_absolute_url() + "#answer-form"
    assert not cards[1].select_one(".question-card__invite")
    assert not cards[2].select_one(".question-card__invite")


def test_no_invitation_once_the_article_is_closed(client):
    article = make_article("closed", questions=["Trop tard ?"])
    assert not soup(client.get(article.get_absolute_url())).select_one(".question-card__invite")


@pytest.mark.parametrize("answers_per_question", [0, 3])
def test_costs_the_same_queries_whatever_the_answers(client, alice, bob, answers_per_question):
    article = make_article(questions=["Un ?", "Deux ?", "Trois ?"])
    for question in article.questions.all():
        for _ in range(answers_per_question):
            vote_on(make_answer(question, alice, created_at=long_ago(hours=2)), up=1)
    expected = 6 if answers_per_question else 5
    with CaptureQueriesContext(connection) as queries:
        client.get(article.get_absolute_url())
    # The page's version and its copy's lifetime (forum.pagecache), the article, its
    # questions with their top answer's id, the editors' picks, then the top answers.
    assert len(queries) == expected, [q["sql"] for q in queries]


@pytest.mark.parametrize("state", ["draft", "scheduled"])
def test_unpublished_articles_are_404(client, state):
    article = make_article(state)
    response = client.get(article.get_absolute_url())
    assert response.status_code == 404
    assert "Page introuvable" in response.content.decode()


def test_an_unknown_article_is_404(client):
    assert client.get(Article(slug="nope").get_absolute_url()).status_code == 404


def test_post_is_a_readable_405(client):
    article = make_article()
    client.open_a_form_page()  # the CSRF cookie of a visitor about to write
    response = client.post(article.get_absolute_url())
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert "Méthode non autorisée" in response.content.decode()
