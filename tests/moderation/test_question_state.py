"""Locking, closing and reopening a question from the queue's filter panel."""

import pytest

from articles.models import Question
from forum.models import ModerationAction
from tests.factories import make_article, make_question
from tests.pages import refusal, soup, text_of

EN = "/en/moderation/"  # for the words: the French catalogue may lag behind


def state_url(question) -> str:
    return f"{EN}questions/{question.pk}/state/"


def panel_of(question) -> str:
    return f"{EN}?question={question.pk}"


def state_of(question) -> str:
    return Question.objects.get(pk=question.pk).state


@pytest.mark.parametrize(
    ("start", "verb", "end"),
    [("open", "lock", "locked"), ("open", "close", "closed"), ("locked", "reopen", "open")],
)
def test_a_question_changes_state_from_the_queue(moderator_client, moderator, start, verb, end):
    question = make_question(state=start)

    response = moderator_client.submit(
        panel_of(question), ".desk-question form", {"verb": verb, "reason": "Débat épuisé."}
    )

    assert response.status_code == 302
    assert response["Location"] == f"{EN}?tab=pending&question={question.pk}"
    assert state_of(question) == end
    action = ModerationAction.objects.get()
    assert (action.verb, action.actor, action.question_id, action.reason) == (
        verb,
        moderator,
        question.pk,
        "Débat épuisé.",
    )


def test_the_panel_says_what_was_done(moderator_client):
    question = make_question()

    moderator_client.submit(
        panel_of(question), ".desk-question form", {"verb": "lock", "reason": "Trolls."}
    )
    page = moderator_client.get(panel_of(question))

    assert "The question is locked: nothing can be added to it." in text_of(page)
    assert soup(page).select_one(".desk-question .badge").text == "locked"


def test_a_state_it_already_has_changes_nothing(moderator_client):
    question = make_question(state="closed")
    moderator_client.get(panel_of(question))

    response = moderator_client.post(state_url(question), {"verb": "close", "reason": "Encore."})

    assert response.status_code == 302
    assert not ModerationAction.objects.exists()
    assert "already in that state" in text_of(moderator_client.get(panel_of(question)))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"verb": "lock", "reason": "  "}, "reason: "),
        ({"verb": "archive", "reason": "x"}, "decision: "),
    ],
)
def test_a_wrong_change_is_a_400_that_writes_nothing(moderator_client, data, message):
    question = make_question()

    response = moderator_client.submit(panel_of(question), ".desk-question form", data)

    assert response.status_code == 400
    assert message in text_of(response)
    assert state_of(question) == "open"
    assert not ModerationAction.objects.exists()


@pytest.mark.parametrize("pk", [424242, 2**63])
def test_an_unknown_question_is_a_404(moderator_client, pk):
    moderator_client.get(EN)

    response = moderator_client.post(f"/moderation/questions/{pk}/state/", {"verb": "lock"})

    assert response.status_code == 404


def test_a_member_is_refused(client_for, alice):
    question = make_question()
    client = client_for(alice)
    client.get("/")

    response = client.post(state_url(question), {"verb": "lock", "reason": "x"})

    assert response.status_code == 403
    assert refusal(response)
    assert state_of(question) == "open"


def test_an_anonymous_visitor_is_sent_to_sign_in(client, db):
    question = make_question()
    client.open_a_form_page()  # the CSRF cookie of a visitor about to write

    response = client.post(state_url(question), {"verb": "lock", "reason": "x"})

    assert response.status_code == 302
    assert response["Location"].startswith("/en/accounts/login/")
    assert state_of(question) == "open"


def test_changing_a_state_is_a_post(moderator_client):
    assert moderator_client.get(state_url(make_question())).status_code == 405


def test_the_panel_shows_only_when_a_question_is_chosen(moderator_client):
    article = make_article(questions=["Une ?"])

    assert soup(moderator_client.get(EN)).select_one(".desk-question") is None
    page = soup(moderator_client.get(f"{EN}?article={article.slug}"))
    assert page.select_one(".desk-question") is None
