"""Closing and locking a discussion, as readers and members meet it through the pages.

- An article's discussions close by themselves at its ``closes_at``: no job runs, no row
  changes, the rulebook reads the date.
- Closed (by that date or by a moderator): no new answers; replies to the answers there,
  votes and flags go on.
- Locked by a moderator: read-only; no answers, replies, votes or flags.
Both say why, where the answer form was.
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from articles.models import Article, Question
from forum.models import Answer, ModerationAction, Vote
from forum.moderation.actions import do_set_question_state
from tests.factories import make_answer, make_article, make_question
from tests.pages import soup, text_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_forms")]


def in_french(sentence: str) -> str:
    """The rulebook's sentence as a French reader reads it (its words are the rulebook's
    tests' to check, and `make lint` fails on one left untranslated)."""
    with translation.override("fr"):
        return " ".join(gettext(sentence).replace("\u202f", " ").replace("\xa0", " ").split())


CLOSED = in_french("This discussion is closed to new answers.")
LOCKED = in_french("This discussion is locked: answers can be read but not added.")
VOTES_LOCKED = in_french("This discussion is locked: votes are closed too.")


def post_url(question):
    return reverse(
        "forum:post_answer", kwargs={"slug": question.article.slug, "question": question.slug}
    )


def reply_url(answer):
    return reverse("forum:reply", kwargs={"pk": answer.pk})


def vote_form(answer):
    return f"#a{answer.pk} form.vote"


def where_the_form_was(response) -> str:
    """What the question page shows in the answer form's place."""
    spot = soup(response).select_one("#answer-form")
    assert spot.name == "p", "the answer form is still there"
    return " ".join(spot.text.replace("\u202f", " ").replace("\xa0", " ").split())


def links_of(response, answer) -> set[str]:
    """What the answer's actions offer: "reply", "flag", "vote"."""
    actions = soup(response).select_one(f"#actions-{answer.pk}")
    offered = {
        link["href"].rstrip("/").rsplit("/", 1)[-1] for link in actions.select("a[href]")
    } & {"reply", "flag"}
    return offered | ({"vote"} if actions.select_one("form.vote button") else set())


# --- By its date -------------------------------------------------------------------


def test_a_discussion_closes_by_itself_at_its_articles_closing_date(client_for, alice, bob):
    article = make_article(closes_at=timezone.now() + timedelta(hours=1))
    question = make_question(article)
    bob_browser = client_for(bob)
    assert soup(bob_browser.get(question.get_absolute_url())).select_one("form#answer-form")
    top = make_answer(question, alice)
    # The date passes; nothing runs, nothing is written.
    Article.objects.filter(pk=article.pk).update(closes_at=timezone.now() - timedelta(seconds=1))
    assert Question.objects.get(pk=question.pk).state == Question.State.OPEN
    page = bob_browser.get(question.get_absolute_url())
    assert CLOSED in where_the_form_was(page)
    refused = bob_browser.post(post_url(question), {"body": "Trop tard ?"})
    assert refused.status_code == 403 and CLOSED in text_of(refused)
    assert list(Answer.objects.all()) == [top]
    assert not ModerationAction.objects.exists()


def test_past_its_closing_date_a_discussion_takes_replies_votes_and_flags(client_for, alice, bob):
    question = make_question(make_article("closed"))
    top = make_answer(question, alice, body="Avant la clôture.")
    bob_browser = client_for(bob)
    page = bob_browser.get(question.get_absolute_url())
    assert links_of(page, top) == {"reply", "vote", "flag"}
    replied = bob_browser.submit(reply_url(top), "form.answer-form", {"body": "Après."})
    assert replied.status_code == 302
    voted = bob_browser.submit(question.get_absolute_url(), vote_form(top), {"value": "1"})
    assert voted.status_code == 302
    flag_url = reverse("forum:flag", kwargs={"pk": top.pk})
    flagged = bob_browser.submit(flag_url, "form.flag-form", {"reason": "off_topic"})
    assert flagged.status_code == 302
    top.refresh_from_db()
    assert (top.reply_count, top.upvotes, top.flag_weight) == (1, 1, 1)


# --- Closed or locked by a moderator --------------------------------------------------


@pytest.mark.parametrize(("verb", "sentence"), [("close", CLOSED), ("lock", LOCKED)])
def test_readers_see_why_the_answer_form_is_gone(client, alice, moderator, verb, sentence):
    question = make_question()
    make_answer(question, alice)
    do_set_question_state(moderator=moderator, question=question, verb=verb)
    assert sentence in where_the_form_was(client.get(question.get_absolute_url()))


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize(("verb", "sentence"), [("close", CLOSED), ("lock", LOCKED)])
def test_a_closed_or_locked_discussion_takes_no_new_answer(
    client_for, bob, moderator, verb, sentence, htmx
):
    question = make_question()
    bob_browser = client_for(bob)
    bob_browser.get(question.get_absolute_url())
    do_set_question_state(moderator=moderator, question=question, verb=verb)
    headers = {"HX-Request": "true"} if htmx else {}
    response = bob_browser.post(post_url(question), {"body": "Encore ?"}, headers=headers)
    assert response.status_code == 403 and sentence in text_of(response)
    assert not Answer.objects.exists()


def test_a_closed_discussion_takes_replies_and_votes(client_for, alice, bob, moderator):
    question = make_question()
    top = make_answer(question, alice)
    do_set_question_state(moderator=moderator, question=question, verb="close")
    bob_browser = client_for(bob)
    page = bob_browser.get(question.get_absolute_url())
    assert links_of(page, top) == {"reply", "vote", "flag"}
    replied = bob_browser.submit(
        reply_url(top), "form.answer-form", {"body": "Je réponds."}, htmx=True
    )
    assert replied.status_code == 200
    voted = bob_browser.submit(question.get_absolute_url(), vote_form(top), {"value": "1"})
    assert voted.status_code == 302
    top.refresh_from_db()
    assert (top.reply_count, top.upvotes) == (1, 1)


def test_a_locked_discussion_shows_no_way_to_write(client_for, alice, bob, moderator):
    question = make_question()
    top = make_answer(question, alice)
    bob_browser = client_for(bob)
    before = bob_browser.get(question.get_absolute_url())  # cached with its links
    assert links_of(before, top) == {"reply", "vote", "flag"}
    do_set_question_state(moderator=moderator, question=question, verb="lock")
    after = bob_browser.get(question.get_absolute_url())
    assert links_of(after, top) == set()


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_a_locked_discussion_refuses_replies_votes_and_flags(
    client_for, alice, bob, moderator, htmx
):
    question = make_question()
    top = make_answer(question, alice)
    bob_browser = client_for(bob)
    bob_browser.get(question.get_absolute_url())
    do_set_question_state(moderator=moderator, question=question, verb="lock")
    headers = {"HX-Request": "true"} if htmx else {}
    writes = {
        "reply": (reply_url(top), {"body": "Et pourtant."}, LOCKED),
        "vote": (reverse("forum:vote", kwargs={"pk": top.pk}), {"value": "1"}, VOTES_LOCKED),
        "flag": (reverse("forum:flag", kwargs={"pk": top.pk}), {"reason": "spam"}, LOCKED),
    }
    for write, (url, data, sentence) in writes.items():
        response = bob_browser.post(url, data, headers=headers)
        assert response.status_code == 403, write
        assert sentence in text_of(response), write
    top.refresh_from_db()
    assert (Answer.objects.count(), Vote.objects.count(), top.flag_weight) == (1, 0, 0)


def test_a_locked_discussion_lets_authors_delete_but_not_edit(client_for, alice, moderator):
    question = make_question()
    mine = make_answer(question, alice)
    do_set_question_state(moderator=moderator, question=question, verb="lock")
    alice_browser = client_for(alice)
    alice_browser.get(question.get_absolute_url())
    edit = alice_browser.post(reverse("forum:edit", kwargs={"pk": mine.pk}), {"body": "Non."})
    assert edit.status_code == 403 and LOCKED in text_of(edit)
    deleted = alice_browser.post(reverse("forum:delete", kwargs={"pk": mine.pk}))
    assert deleted.status_code == 302
    mine.refresh_from_db()
    assert mine.status == Answer.Status.DELETED


def test_reopening_gives_the_form_back(client_for, bob, moderator):
    question = make_question()
    do_set_question_state(moderator=moderator, question=question, verb="lock")
    do_set_question_state(moderator=moderator, question=question, verb="reopen")
    response = client_for(bob).submit(
        question.get_absolute_url(), "#answer-form", {"body": "Enfin."}
    )
    assert response.status_code == 302
    assert Answer.objects.get().body == "Enfin."
