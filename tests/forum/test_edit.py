"""GET and POST /a/<pk>/edit/: the author rewrites their answer, within a time window."""

import pytest
from django.urls import reverse

from forum.models import Answer, Revision
from tests.factories import long_ago, make_answer, make_article, make_question
from tests.pages import refusal, soup, text_of

pytestmark = pytest.mark.django_db

FORM = "form.answer-form--edit"


def edit_url(answer):
    return reverse("forum:edit", kwargs={"pk": answer.pk})


def body_of(answer) -> str:
    answer.refresh_from_db()
    return answer.body


@pytest.fixture
def question():
    return make_question()


@pytest.fixture
def mine(question, alice):
    return make_answer(question, alice, body="Premier jet.")


# --- Success --------------------------------------------------------------------------


def test_the_author_edits_and_the_previous_text_is_kept(client_for, question, mine, alice):
    alice_browser = client_for(alice)
    response = alice_browser.submit(edit_url(mine), FORM, {"body": "Version *finale*."})
    assert response.status_code == 302
    assert response["Location"] == f"/a/{mine.pk}/#a{mine.pk}"
    mine.refresh_from_db()
    assert mine.body_html == "<p>Version <em>finale</em>.</p>\n" and mine.edited_at
    assert Revision.objects.get().body == "Premier jet."
    page = soup(alice_browser.get(question.get_absolute_url()))
    assert page.select_one(f"#a{mine.pk} .answer__edited").text == "modifié"


def test_the_edit_page_holds_the_current_text(client_for, mine, alice):
    response = client_for(alice).get(edit_url(mine))
    assert response.status_code == 200
    assert soup(response).select_one(f"{FORM} textarea").text == "Premier jet."


def test_htmx_edit_swaps_the_form_then_the_body(client_for, question, mine, alice):
    alice_browser = client_for(alice)
    form = alice_browser.get(edit_url(mine), headers={"HX-Request": "true"})
    assert form.status_code == 200
    assert "<html" not in form.content.decode() and soup(form).select_one(FORM)
    saved = alice_browser.submit(edit_url(mine), FORM, {"body": "Neuf."}, htmx=True)
    assert saved.status_code == 200
    body, _oob = saved.content.decode().split("\n", 1)
    assert body == "<p>Neuf.</p>"
    # The first edit also marks the answer's header as edited, out of band.
    assert soup(saved).select_one(
        f"div[data-hx-swap-oob='beforeend:#byline-{mine.pk}'] .answer__edited"
    )


def test_an_unchanged_text_makes_no_revision(client_for, mine, alice):
    response = client_for(alice).submit(edit_url(mine), FORM, {"body": "Premier jet."})
    assert response.status_code == 302
    assert not Revision.objects.exists()


def test_an_answer_nobody_replied_to_stays_editable_for_a_day(client_for, question, alice):
    day_old = make_answer(question, alice, created_at=long_ago(hours=23))
    response = client_for(alice).submit(edit_url(day_old), FORM, {"body": "Encore à temps."})
    assert response.status_code == 302
    assert body_of(day_old) == "Encore à temps."


# --- Not signed in --------------------------------------------------------------------


def test_anonymous_readers_are_sent_to_sign_in_and_back(client, mine):
    response = client.get(edit_url(mine))
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next=/a/{mine.pk}/edit/"


# --- Not allowed ----------------------------------------------------------------------


def test_someone_else_cannot_edit_and_is_told_why(client_for, question, mine, bob):
    bob_browser = client_for(bob)
    assert bob_browser.get(edit_url(mine)).status_code == 403
    bob_browser.get(question.get_absolute_url())
    response = bob_browser.post(edit_url(mine), {"body": "Piraté."})
    assert response.status_code == 403
    assert "Seul l’auteur peut modifier cette réponse." in text_of(response)
    assert body_of(mine) == "Premier jet."


def test_once_someone_replied_the_window_closes_after_15_minutes(client_for, question, alice, bob):
    answered = make_answer(question, alice, body="Avant.", created_at=long_ago(minutes=16))
    make_answer(question, bob, parent=answered)
    alice_browser = client_for(alice)
    assert alice_browser.get(edit_url(answered)).status_code == 403
    alice_browser.get(question.get_absolute_url())
    response = alice_browser.post(edit_url(answered), {"body": "Trop tard."})
    assert response.status_code == 403
    assert "Cette réponse ne peut plus être modifiée." in text_of(response)
    assert body_of(answered) == "Avant."


def test_an_answer_nobody_replied_to_closes_after_a_day(client_for, question, alice):
    old = make_answer(question, alice, body="Avant.", created_at=long_ago(hours=25))
    alice_browser = client_for(alice)
    alice_browser.get(question.get_absolute_url())
    response = alice_browser.post(edit_url(old), {"body": "Trop tard."})
    assert response.status_code == 403
    assert "Cette réponse ne peut plus être modifiée." in text_of(response)
    assert body_of(old) == "Avant."


def test_a_deleted_answer_cannot_be_edited(client_for, question, alice):
    deleted = make_answer(question, alice, body="Retirée.", status="deleted")
    alice_browser = client_for(alice)
    alice_browser.get(question.get_absolute_url())
    response = alice_browser.post(edit_url(deleted), {"body": "Revenue."})
    assert response.status_code == 403
    assert refusal(response)
    assert body_of(deleted) == "Retirée."
    assert not Revision.objects.exists()


# --- Missing --------------------------------------------------------------------------


def test_an_unknown_answer_is_404(client_for, alice):
    assert client_for(alice).get(reverse("forum:edit", kwargs={"pk": 999})).status_code == 404


def test_answers_of_unpublished_articles_are_404(client_for, alice):
    hidden = make_answer(make_question(make_article("draft")), alice)
    assert client_for(alice).get(edit_url(hidden)).status_code == 404


# --- Wrong method, bad input ----------------------------------------------------------


def test_put_is_405(client_for, question, mine, alice):
    alice_browser = client_for(alice)
    alice_browser.get(question.get_absolute_url())
    response = alice_browser.put(edit_url(mine))
    assert response.status_code == 405
    assert response["Allow"] == "GET, POST"


def test_an_empty_edit_is_a_400_with_the_reason_and_keeps_the_old_text(client_for, mine, alice):
    response = client_for(alice).submit(edit_url(mine), FORM, {"body": ""})
    assert response.status_code == 400
    assert "Écrivez quelque chose avant de publier." in text_of(response)
    assert body_of(mine) == "Premier jet."
    assert Answer.objects.get(pk=mine.pk).edited_at is None


def test_htmx_bad_edit_returns_the_form_fragment(client_for, mine, alice):
    response = client_for(alice).submit(edit_url(mine), FORM, {"body": "x"}, htmx=True)
    assert response.status_code == 400
    assert "<html" not in response.content.decode()
    assert "au moins 2 caractères" in text_of(response)
