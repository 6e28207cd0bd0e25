"""GET and POST /a/<pk>/delete/: the author takes an answer back; its place stays."""

import json

import pytest
from django.urls import reverse

from forum.models import Answer
from tests.factories import make_answer, make_article, make_question
from tests.pages import refusal, soup, text_of

pytestmark = pytest.mark.django_db

FORM = "form[action$='/delete/']"


def delete_url(answer):
    return reverse("forum:delete", kwargs={"pk": answer.pk})


def status_of(answer) -> str:
    answer.refresh_from_db()
    return answer.status


def answer_count(question) -> int:
    question.refresh_from_db()
    return question.answer_count


@pytest.fixture
def question():
    return make_question()


@pytest.fixture
def mine(question, alice):
    return make_answer(question, alice, body="À retirer.")


# --- Success --------------------------------------------------------------------------


def test_the_author_confirms_and_replies_stay_readable(client_for, question, mine, alice, bob):
    make_answer(question, bob, parent=mine, body="Je te réponds.")
    assert answer_count(question) == 2
    alice_browser = client_for(alice)
    confirm = alice_browser.get(delete_url(mine))
    assert confirm.status_code == 200
    assert "À retirer." in soup(confirm).select_one(".quoted-answer").text
    response = alice_browser.submit(delete_url(mine), FORM)
    assert response.status_code == 302
    assert response["Location"] == f"/a/{mine.pk}/#a{mine.pk}"
    assert status_of(mine) == "deleted"
    assert answer_count(question) == 1
    page = text_of(alice_browser.get(question.get_absolute_url()))
    assert "[supprimé par l’auteur]" in page and "À retirer." not in page
    assert "Je te réponds." in page


def test_a_deleted_reply_returns_to_its_whole_conversation(client_for, question, mine, bob):
    reply = make_answer(question, bob, parent=mine)
    deep = make_answer(question, bob, parent=reply)
    response = client_for(bob).submit(delete_url(deep), FORM)
    # The conversation's first answer, scrolled to where the deleted one stays.
    assert response["Location"] == f"/a/{mine.pk}/#a{deep.pk}"


def test_under_htmx_the_question_is_asked_in_place(client_for, mine, alice):
    response = client_for(alice).get(delete_url(mine), headers={"HX-Request": "true"})
    assert response.status_code == 200 and "<html" not in response.content.decode()
    form = soup(response).select_one("form.delete-confirm")
    assert form["data-hx-target"] == f"#body-{mine.pk}"
    assert form.select_one("button[data-autofocus]") and form.select_one("a[data-cancel]")
    assert status_of(mine) == "published"


def test_under_htmx_the_answer_is_withdrawn_in_place(client_for, question, mine, alice):
    alice_browser = client_for(alice)
    alice_browser.get(question.get_absolute_url())  # the page the form opens in
    response = alice_browser.post(delete_url(mine), headers={"HX-Request": "true"})
    assert response.status_code == 200 and status_of(mine) == "deleted"
    page = soup(response)
    assert page.find("p").text == "[supprimé par l’auteur]"
    swapped = {tag["id"] for tag in page.select("[data-hx-swap-oob]")}
    assert swapped == {f"byline-{mine.pk}", f"actions-{mine.pk}", f"reply-{mine.pk}"}
    assert "alice" not in page.text
    announced = json.loads(response["HX-Trigger-After-Settle"])["agora:announce"]["message"]
    assert announced == "Votre réponse est supprimée."


def test_the_author_may_delete_a_pending_answer(client_for, question, alice):
    pending = make_answer(question, alice, status="pending")
    response = client_for(alice).submit(delete_url(pending), FORM)
    assert response.status_code == 302
    assert status_of(pending) == "deleted"
    assert answer_count(question) == 0


# --- Not signed in --------------------------------------------------------------------


def test_anonymous_readers_are_sent_to_sign_in_and_back(client, mine):
    response = client.get(delete_url(mine))
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next=/a/{mine.pk}/delete/"
    assert status_of(mine) == "published"


# --- Not allowed ----------------------------------------------------------------------


def test_someone_else_cannot_delete_and_is_told_why(client_for, question, mine, bob):
    bob_browser = client_for(bob)
    assert bob_browser.get(delete_url(mine)).status_code == 403
    bob_browser.get(question.get_absolute_url())
    response = bob_browser.post(delete_url(mine))
    assert response.status_code == 403
    assert "Seul l’auteur peut modifier cette réponse." in text_of(response)
    assert status_of(mine) == "published"


def test_deleting_twice_is_refused_and_counts_once(client_for, question, mine, alice):
    alice_browser = client_for(alice)
    action, fields, headers = alice_browser.read_form(delete_url(mine), FORM)
    assert alice_browser.post_form(action, fields, headers).status_code == 302
    again = alice_browser.post_form(action, fields, headers)
    assert again.status_code == 403
    assert refusal(again)
    assert answer_count(question) == 0


# --- Missing --------------------------------------------------------------------------


def test_an_unknown_answer_is_404(client_for, alice):
    assert client_for(alice).get(reverse("forum:delete", kwargs={"pk": 999})).status_code == 404


def test_answers_of_unpublished_articles_are_404(client_for, alice):
    hidden = make_answer(make_question(make_article("scheduled")), alice)
    assert client_for(alice).get(delete_url(hidden)).status_code == 404


# --- Wrong method ---------------------------------------------------------------------


def test_put_is_405(client_for, question, mine, alice):
    alice_browser = client_for(alice)
    alice_browser.get(question.get_absolute_url())
    response = alice_browser.put(delete_url(mine))
    assert response.status_code == 405
    assert response["Allow"] == "GET, POST"
    assert status_of(mine) == "published"


def test_a_delete_without_the_pages_token_is_refused(client_for, mine, alice):
    response = client_for(alice).post(delete_url(mine))  # no page loaded, no token
    assert response.status_code == 403
    assert status_of(mine) == "published"


def test_the_confirmation_page_changes_nothing(client_for, mine, alice):
    client_for(alice).get(delete_url(mine))
    assert Answer.objects.get(pk=mine.pk).status == "published"
