"""The editors' pick ("sélection de la rédaction") on the article page: under each question,
the answers moderators featured. Read in English, where the label is written as is."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from forum.moderation.actions import do_decide, do_sanction
from tests.factories import long_ago, make_answer, make_article, make_question, vote_on
from tests.pages import soup

pytestmark = pytest.mark.django_db


def feature(answer, moderator, verb="feature"):
    do_decide(moderator=moderator, answer=answer, verb=verb, seen_version=answer.version)


def page_of(client, article):
    return soup(client.get("/en" + article.get_absolute_url().removeprefix("/en")))


@pytest.fixture
def article():
    return make_article(questions=["Faut-il s’en inquiéter ?", "Que faire ?"])


def test_featured_answers_show_under_their_question_with_author_excerpt_and_link(
    client, article, alice, bob, moderator
):
    first, _second = article.questions.order_by("position")
    picked = make_answer(first, alice, body="Une analyse **solide**.\n\nSur deux paragraphes.")
    make_answer(first, bob, body="Pas choisie.")
    feature(picked, moderator)
    page = page_of(client, article)
    cards = page.select(".question-card")
    featured = cards[0].select_one(".featured")
    assert featured.select_one(".featured__label").text == "Editors’ pick"
    (pick,) = featured.select("figure")
    assert [p.text for p in pick.select("blockquote p")] == [
        "Une analyse solide.",
        "Sur deux paragraphes.",
    ]
    assert pick.select_one(".top-answer__author").text == "alice"
    assert pick.select_one("a")["href"] == f"/en/a/{picked.pk}/"
    assert "Pas choisie." not in page.text
    assert not cards[1].select_one(".featured")


def test_several_picks_show_oldest_first(client, article, alice, bob, moderator):
    question = article.questions.first()
    older = make_answer(question, alice, body="Plus ancienne.", created_at=long_ago(hours=3))
    newer = make_answer(question, bob, body="Plus récente.")
    feature(newer, moderator)
    feature(older, moderator)
    texts = [p.text for p in page_of(client, article).select(".featured blockquote p")]
    assert texts == ["Plus ancienne.", "Plus récente."]


def test_an_answer_no_longer_featured_or_no_longer_public_leaves_the_pick(
    client, article, alice, bob, moderator
):
    question = article.questions.first()
    unfeatured = make_answer(question, alice, body="Retirée de la sélection.")
    feature(unfeatured, moderator)
    unfeatured.refresh_from_db()
    feature(unfeatured, moderator, verb="unfeature")
    spam = make_answer(question, bob, body="Était choisie.")
    feature(spam, moderator)
    # A spam-ban marks every answer of the member as spam, featured or not.
    do_sanction(moderator=moderator, member=bob, verb="spam_ban", reason="Spam.")
    page = page_of(client, article)
    assert not page.select(".featured")
    assert "Retirée de la sélection." not in page.text and "Était choisie." not in page.text


def test_a_featured_answer_that_is_also_the_most_appreciated_shows_once(
    client, article, alice, moderator
):
    question = article.questions.first()
    answer = make_answer(question, alice, body="Appréciée et choisie.", created_at=long_ago(days=1))
    answer = vote_on(answer, up=3)
    feature(answer, moderator)
    page = page_of(client, article)
    assert page.text.count("Appréciée et choisie.") == 1
    assert page.select_one(".featured") and not page.select_one(".top-answer:not(.featured *)")


def test_the_question_page_marks_the_pick_too(client, article, alice, moderator):
    question = article.questions.first()
    answer = make_answer(question, alice)
    feature(answer, moderator)
    page = soup(client.get("/en" + question.get_absolute_url()))
    assert page.select_one(f"#a{answer.pk} .badge--featured").text == "Editors’ pick"


@pytest.mark.parametrize("questions", [1, 6])
def test_the_article_page_costs_the_same_queries_whatever_the_number_of_questions(
    client, alice, bob, moderator, questions
):
    article = make_article()
    for _n in range(questions):
        question = make_question(article)
        feature(make_answer(question, alice, created_at=long_ago(days=1)), moderator)
        vote_on(make_answer(question, bob, created_at=long_ago(days=1)), up=1)
    with CaptureQueriesContext(connection) as queries:
        page = page_of(client, article)
    assert len(page.select(".featured figure")) == questions
    assert len(page.select(".top-answer")) == 2 * questions  # with the most appreciated
    # the page's version and its copy's lifetime (forum.pagecache), the article, its
    # questions with their most appreciated answer's id, those answers, the featured
    # answers with their authors
    assert len(queries) == 6, [q["sql"] for q in queries]
