"""GET /a/<pk>/: an answer with the answers above it and every reply below it."""

import pytest
from django.urls import reverse

from forum.moderation.actions import do_decide, do_flag
from forum.threads import MAX_DEPTH_SHOWN
from tests.factories import (
    long_ago,
    make_answer,
    make_article,
    make_member,
    make_question,
    make_thread,
)
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


def test_a_removed_answer_keeps_its_page_naming_the_rule_broken(
    client, question, alice, bob, moderator
):
    removed = make_answer(question, alice, body="Texte retiré.")
    reply = make_answer(question, bob, parent=removed, body="Réponse gardée.")
    do_decide(
        moderator=moderator, answer=removed, verb="remove", seen_version=removed.version,
        rule="hate", reason="Propos haineux.",
    )  # fmt: skip
    response = client.get("/en" + permalink(removed))
    assert response.status_code == 200
    node = soup(response).select_one(f"#a{removed.pk}")
    assert node.select_one(".answer__body").text == "[removed by moderation: hate]"
    assert node.select_one(f"#a{reply.pk}") and "Réponse gardée." in node.text
    assert "Texte retiré." not in response.content.decode()


def test_an_answer_hidden_by_flags_is_404_to_readers_but_its_author_is_told_why(
    client, client_for, question, alice, settings
):
    settings.TRUST_MEMBER_ANSWERS = 0  # a member by trust through their account's age alone
    held = make_answer(question, alice, body="Signalée.")
    for n in range(3):  # three members of a month's standing: 2 + 2 + 2 reaches 6
        member = make_member(f"flagger{n}", date_joined=long_ago(days=30))
        do_flag(reporter=member, answer=held, reason="spam")
    assert client.get(permalink(held)).status_code == 404
    page = soup(client_for(alice).get("/en" + permalink(held)))
    node = page.select_one(f"#a{held.pk}")
    assert "Signalée." in node.text and node.select_one(".badge").text == "awaiting review"
    assert "hidden from readers until a moderator has reviewed it" in node.text


def test_a_reply_under_spam_still_has_its_page(client, question, alice, bob):
    spam = make_answer(question, alice, body="Achetez.", status="spam")
    reply = make_answer(question, bob, parent=spam, body="Sous le spam.")
    response = client.get(permalink(reply))
    assert response.status_code == 200
    assert "Sous le spam." in response.content.decode()
    assert "Achetez." not in response.content.decode()


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
    client.open_a_form_page()  # the CSRF cookie of a visitor about to write
    response = client.post(permalink(answer))
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"


# --- Which answer a permalink names (forum.views.access.access_answer) -----------------


@pytest.mark.parametrize("state", ["published", "closed", "draft", "scheduled"])
@pytest.mark.parametrize("status", ["published", "pending", "removed", "spam"])
def test_an_answer_is_found_as_the_orm_and_the_rules_find_it(state, status, alice, bob, moderator):
    """access_answer reads the answer, its author, question, article and slow mode in one
    plain statement; it finds what the ORM's select_related and the rules would, for the
    author and for someone else, and the page then asks nothing more of them."""
    from django.db import connection
    from django.http import Http404
    from django.test import RequestFactory
    from django.test.utils import CaptureQueriesContext

    from forum.models import Answer, SlowMode
    from forum.rules import may_see, slow_mode_of
    from forum.views.access import access_answer

    question = make_question(make_article(state))
    SlowMode.objects.create(question=question, minutes=3, set_by=moderator)
    answer = make_answer(question, alice, body="Une réponse.", status=status)
    found_by = []
    for viewer in (alice, bob):
        request = RequestFactory().get("/")
        request.user = viewer
        orm = Answer.objects.select_related(
            "author", "question__article", "question__slow_mode"
        ).get(pk=answer.pk)
        visible = may_see(viewer, orm) and orm.question.article.is_published
        if not visible:
            with pytest.raises(Http404):
                access_answer(request, answer.pk)
            continue
        found = access_answer(request, answer.pk)
        found_by.append(viewer)
        with CaptureQueriesContext(connection) as queries:
            assert (found, found.body_html, found.status) == (orm, orm.body_html, orm.status)
            assert found.author == alice and found.author.username == "alice"
            assert found.question == question and found.question.article == question.article
            assert slow_mode_of(found.question) == 3
        assert queries.captured_queries == []
    if (state, status) == ("published", "published"):  # the case every reader meets
        assert found_by == [alice, bob]
    request = RequestFactory().get("/")
    request.user = bob
    with pytest.raises(Http404):
        access_answer(request, answer.pk + 1000)
