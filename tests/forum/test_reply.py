"""GET and POST /a/<pk>/reply/: a member replies to an answer, at any depth."""

import json

import pytest
from django.urls import reverse

from forum.models import Answer
from tests.factories import make_answer, make_article, make_question, make_thread
from tests.pages import soup, text_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_forms")]

FORM = "form.answer-form"


def reply_url(answer):
    return reverse("forum:reply", kwargs={"pk": answer.pk})


@pytest.fixture
def question():
    return make_question()


@pytest.fixture
def top(question, alice):
    return make_answer(question, alice, body="Premier avis.")


# --- Success --------------------------------------------------------------------------


def test_member_replies_at_any_depth_and_lands_under_the_parent(client_for, question, alice, bob):
    line = make_thread(question, [alice, bob], 15)  # depths 0 to 14
    parent = line[-1]
    response = client_for(alice).submit(reply_url(parent), FORM, {"body": "Profond."})
    reply = Answer.objects.get(body="Profond.")
    assert response.status_code == 302
    assert response["Location"] == f"/a/{parent.pk}/#a{reply.pk}"
    assert (reply.parent, reply.root, reply.depth) == (parent, line[0], 15)
    parent.refresh_from_db()
    assert parent.reply_count == 1
    question.refresh_from_db()
    assert question.answer_count == 16


def test_the_reply_page_quotes_the_answer_and_works_without_javascript(client_for, top, bob):
    response = client_for(bob).get(reply_url(top))
    assert response.status_code == 200
    page = soup(response)
    assert "Premier avis." in page.select_one(".quoted-answer").text
    assert page.select_one(FORM)["action"] == f"/a/{top.pk}/reply/"


def test_the_reply_form_under_htmx_is_a_fragment_ready_to_type(client_for, top, bob):
    response = client_for(bob).get(reply_url(top), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "<html" not in response.content.decode()
    assert soup(response).find("textarea").has_attr("data-autofocus")


def test_the_inline_reply_form_has_ids_of_its_own(client_for, question, top, bob):
    """It opens inside the question page, which already holds the answer form."""
    member = client_for(bob)
    page = soup(member.get(question.get_absolute_url()))
    fragment = soup(member.get(reply_url(top), headers={"HX-Request": "true"}))
    page_ids = {tag["id"] for tag in page.select("[id]")}
    fragment_ids = [tag["id"] for tag in fragment.select("[id]")]
    assert fragment_ids and not page_ids & set(fragment_ids)
    textarea = fragment.find("textarea")
    assert fragment.find("label", attrs={"for": textarea["id"]}) is not None


def test_htmx_reply_updates_the_reply_counts_above_it_and_asks_for_focus(
    client_for, question, top, alice, bob
):
    middle = make_answer(question, bob, parent=top)
    make_answer(question, alice, parent=top)
    response = client_for(bob).submit(reply_url(middle), FORM, {"body": "Au fond."}, htmx=True)
    new = Answer.objects.get(body="Au fond.")
    counts = {tag["id"]: tag.text for tag in soup(response).select("[data-hx-swap-oob]")}
    assert counts == {f"replies-{middle.pk}": "1 réponse", f"replies-{top.pk}": "3 réponses"}
    trigger = json.loads(response["HX-Trigger-After-Settle"])
    assert trigger["agora:posted"]["id"] == new.pk


def test_htmx_reply_returns_the_reply_as_a_list(client_for, top, bob):
    response = client_for(bob).submit(reply_url(top), FORM, {"body": "Oui."}, htmx=True)
    assert response.status_code == 200
    replies = soup(response).select_one("ol.replies")
    assert "Oui." in replies.text and "bob" in replies.text
    assert "<html" not in response.content.decode()


# --- Not signed in --------------------------------------------------------------------


def test_anonymous_readers_are_sent_to_sign_in_and_back(client, top):
    client.open_a_form_page()  # the CSRF cookie of a visitor about to write
    response = client.get(reply_url(top))
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next=/a/{top.pk}/reply/"
    posted = client.post(reply_url(top), {"body": "Anonyme."})
    assert posted["Location"] == f"/accounts/login/?next=/a/{top.pk}/reply/"
    assert Answer.objects.count() == 1


# --- Not allowed ----------------------------------------------------------------------


@pytest.mark.parametrize("status", ["deleted", "removed"])
def test_tombstones_take_no_reply(client_for, question, alice, bob, status):
    tombstone = make_answer(question, alice, status=status, removal_reason="hors sujet")
    bob_browser = client_for(bob)
    page = bob_browser.get(question.get_absolute_url())
    assert not soup(page).select_one(f"#a{tombstone.pk} a[href$='/reply/']")
    for response in (
        bob_browser.get(reply_url(tombstone)),
        bob_browser.post(reply_url(tombstone), {"body": "Trop tard."}),
    ):
        assert response.status_code == 403
        assert "On ne peut pas répondre à une réponse supprimée ou retirée." in text_of(response)
    assert Answer.objects.count() == 1


def test_unverified_members_are_told_to_confirm_their_address(client_for, top, carol_unverified):
    carol_browser = client_for(carol_unverified)
    carol_browser.get(top.question.get_absolute_url())
    response = carol_browser.post(reply_url(top), {"body": "Moi aussi."})
    assert response.status_code == 403
    assert "Confirmez votre adresse e-mail pour répondre" in text_of(response)
    assert Answer.objects.count() == 1


def test_suspended_members_are_told_why(client_for, top, dave_suspended):
    dave_browser = client_for(dave_suspended)
    dave_browser.get(top.question.get_absolute_url())
    response = dave_browser.post(reply_url(top), {"body": "Moi aussi."})
    assert response.status_code == 403
    assert "suspendu jusqu’au" in text_of(response) and "Insultes répétées." in text_of(response)
    assert Answer.objects.count() == 1


def test_banned_members_are_told_so(client_for, top, erin_banned):
    erin_browser = client_for(erin_banned)
    erin_browser.get(top.question.get_absolute_url())
    response = erin_browser.post(reply_url(top), {"body": "Moi aussi."})
    assert response.status_code == 403
    assert "Votre compte est banni" in text_of(response)


def test_locked_questions_take_no_reply(client_for, alice, bob):
    question = make_question(state="locked")
    top = make_answer(question, alice)
    bob_browser = client_for(bob)
    bob_browser.get(question.get_absolute_url())
    response = bob_browser.post(reply_url(top), {"body": "Moi aussi."})
    assert response.status_code == 403
    assert "Cette discussion est verrouillée" in text_of(response)
    assert Answer.objects.count() == 1


@pytest.mark.parametrize("closed", ["by a moderator", "past the article's closing date"])
def test_closed_discussions_still_take_replies_to_their_answers(client_for, alice, bob, closed):
    if closed == "by a moderator":
        question = make_question(state="closed")
    else:
        question = make_question(make_article("closed"))
    top = make_answer(question, alice)
    response = client_for(bob).submit(reply_url(top), FORM, {"body": "Moi aussi."})
    assert response.status_code == 302
    assert Answer.objects.get(body="Moi aussi.").parent == top


# --- Missing --------------------------------------------------------------------------


def test_an_unknown_answer_is_404(client_for, top, bob):
    bob_browser = client_for(bob)
    assert bob_browser.get(reverse("forum:reply", kwargs={"pk": 999})).status_code == 404
    bob_browser.get(top.question.get_absolute_url())
    unknown = bob_browser.post(reverse("forum:reply", kwargs={"pk": 999}), {"body": "Perdue."})
    assert unknown.status_code == 404


def test_someone_elses_pending_answer_is_404(client_for, question, alice, bob):
    pending = make_answer(question, alice, status="pending")
    assert client_for(bob).get(reply_url(pending)).status_code == 404


def test_answers_of_unpublished_articles_are_404(client_for, alice, bob):
    top = make_answer(make_question(make_article("scheduled")), alice)
    assert client_for(bob).get(reply_url(top)).status_code == 404


# --- Wrong method, bad input ----------------------------------------------------------


def test_put_is_405(client_for, top, bob):
    bob_browser = client_for(bob)
    bob_browser.get(top.question.get_absolute_url())
    response = bob_browser.put(reply_url(top))
    assert response.status_code == 405
    assert response["Allow"] == "GET, POST"


def test_empty_reply_is_a_400_on_the_reply_page(client_for, top, bob):
    response = client_for(bob).submit(reply_url(top), FORM, {"body": ""})
    assert response.status_code == 400
    assert "Écrivez quelque chose avant de publier." in text_of(response)
    assert "Premier avis." in soup(response).select_one(".quoted-answer").text
    assert Answer.objects.count() == 1
