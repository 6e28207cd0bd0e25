"""GET /a/<pk>/: an answer with the answers above it and every reply below it."""

import pytest
from django.urls import reverse

from forum.threads import MAX_DEPTH_SHOWN
from tests.factories import make_answer, make_article, make_question, make_thread
from tests.pages import soup

pytestmark = pytest.mark.django_db


def permalink(answer):
    return reverse("forum:answer", kwargs={"pk": answer.pk})


@pytest.fixture
def question():
    return make_question()


def test_shows_its_ancestors_itself_highlighted_and_its_replies(client, question, alice, bob):
    top, middle, bottom = make_thread(question, [alice, bob], 3)
    sibling = make_answer(question, alice, parent=top, body="À côté.")
    response = client.get(permalink(middle))
    assert response.status_code == 200
    page = soup(response)
    crumbs = [a["href"] for a in page.select(".breadcrumb a")]
    assert crumbs == [
        question.article.get_absolute_url(),
        question.get_absolute_url(),
        f"/a/{top.pk}/",
    ]
    assert page.select_one(f"#a{middle.pk} .answer--focus")
    assert page.select_one(f"#a{bottom.pk}")
    assert not page.select_one(f"#a{sibling.pk}") and not page.select_one(f"#a{top.pk}")


def test_a_thread_deeper_than_the_page_shows_continues_here(client, question, alice, bob):
    line = make_thread(question, [alice, bob], MAX_DEPTH_SHOWN + 3)
    page = soup(client.get(question.get_absolute_url()))
    shown = {int(li["id"][1:]) for li in page.select("li.node")}
    assert line[MAX_DEPTH_SHOWN].pk in shown and line[MAX_DEPTH_SHOWN + 1].pk not in shown
    link = page.select_one(f"#a{line[MAX_DEPTH_SHOWN].pk} .answer__continue")
    assert link["href"] == permalink(line[MAX_DEPTH_SHOWN])
    deeper = soup(client.get(link["href"]))
    assert deeper.select_one(f"#a{line[MAX_DEPTH_SHOWN + 2].pk}")


def test_a_deleted_answer_keeps_its_page_as_a_tombstone(client, question, alice):
    deleted = make_answer(question, alice, body="Regrettée.", status="deleted")
    response = client.get(permalink(deleted))
    assert response.status_code == 200
    shown = soup(response).select_one("main").text
    assert "[supprimé par l’auteur]" in shown and "Regrettée." not in shown


@pytest.mark.parametrize("status", ["deleted", "removed"])
def test_a_tombstones_text_is_nowhere_in_its_page(client, question, alice, status):
    tombstone = make_answer(question, alice, body="Texte retiré.", status=status)
    assert "Texte retiré." not in client.get(permalink(tombstone)).content.decode()


def test_a_pending_answer_is_shown_to_its_author_only(client, client_for, question, alice, bob):
    pending = make_answer(question, alice, body="En attente.", status="pending")
    assert "En attente." in client_for(alice).get(permalink(pending)).content.decode()
    assert client_for(bob).get(permalink(pending)).status_code == 404
    assert client.get(permalink(pending)).status_code == 404


def test_spam_is_404(client, question, alice):
    spam = make_answer(question, alice, status="spam")
    assert client.get(permalink(spam)).status_code == 404


def test_an_unknown_answer_is_404(client, db):
    response = client.get(reverse("forum:answer", kwargs={"pk": 424242}))
    assert response.status_code == 404
    assert "Page introuvable" in response.content.decode()


@pytest.mark.parametrize("state", ["draft", "scheduled"])
def test_answers_of_unpublished_articles_are_404(client, alice, state):
    hidden = make_answer(make_question(make_article(state)), alice)
    assert client.get(permalink(hidden)).status_code == 404


def test_post_is_405(client, question, alice):
    answer = make_answer(question, alice)
    client.get(permalink(answer))
    response = client.post(permalink(answer))
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
