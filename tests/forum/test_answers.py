"""Members answer, reply, edit and delete; everyone else is told why they cannot."""

import re
import uuid
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse
from django.utils import timezone

from articles.models import Question
from forum.answers import do_post_answer
from forum.forms import AnswerForm
from forum.models import Answer, Revision

pytestmark = pytest.mark.usefixtures("fast_forms")


def soup(response):
    return BeautifulSoup(response.content.decode(), "html.parser")


def form_data(body="Une réponse argumentée.", **extra):
    """What the browser sends: the form's own hidden fields plus the text."""
    initial = AnswerForm().initial
    return {
        "body": body,
        "idempotency_key": str(initial["idempotency_key"]),
        "shown_at": initial["shown_at"],
        "website": "",
        **extra,
    }


def post_url(question):
    return reverse(
        "forum:post_answer", kwargs={"slug": question.article.slug, "question": question.slug}
    )


def answer(question, author, body="Réponse.", parent=None):
    return do_post_answer(author=author, question=question, body=body, parent=parent)[0]


# --- Answering ------------------------------------------------------------


def test_member_answers_a_question(client, question, alice):
    client.force_login(alice)
    response = client.post(post_url(question), form_data("Je suis **surprise**."))
    posted = Answer.objects.get()
    assert response.status_code == 302
    assert response["Location"].endswith(f"?sort=new#a{posted.pk}")
    assert posted.author == alice and posted.depth == 0 and posted.root_id == posted.pk
    assert posted.body_html == "<p>Je suis <strong>surprise</strong>.</p>\n"
    question.refresh_from_db()
    assert question.answer_count == 1
    page = client.get(question.get_absolute_url())
    assert "Je suis <strong>surprise</strong>." in page.content.decode()


def test_answer_form_is_shown_to_verified_members_only(client, question, alice, carol_unverified):
    assert (
        "Connectez-vous pour répondre" in client.get(question.get_absolute_url()).content.decode()
    )
    client.force_login(carol_unverified)
    page = client.get(question.get_absolute_url()).content.decode()
    assert "Confirmez votre adresse e-mail pour répondre" in page
    assert 'id="answer-form"' in page and "<textarea" not in page
    client.force_login(alice)
    assert "<textarea" in client.get(question.get_absolute_url()).content.decode()


def test_anonymous_post_is_sent_to_login(client, question):
    response = client.post(post_url(question), form_data())
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not Answer.objects.exists()


def test_unverified_member_cannot_post(client, question, carol_unverified):
    client.force_login(carol_unverified)
    response = client.post(post_url(question), form_data())
    assert response.status_code == 403
    assert "Confirmez votre adresse e-mail" in response.content.decode()
    assert not Answer.objects.exists()


def test_suspended_member_is_told_why_instead_of_the_form_and_cannot_post(
    client, question, alice, dave_suspended
):
    parent = answer(question, alice)
    client.force_login(dave_suspended)
    page = soup(client.get(question.get_absolute_url()))
    notice = page.select_one("#answer-form").text
    assert "suspendu jusqu’au" in notice and "Insultes répétées." in notice
    assert not page.select("form textarea[name=body]")
    assert client.post(post_url(question), form_data()).status_code == 403
    reply_url = reverse("forum:reply", kwargs={"pk": parent.pk})
    assert client.post(reply_url, form_data()).status_code == 403
    assert Answer.objects.count() == 1


@pytest.mark.parametrize("state", [Question.State.LOCKED, Question.State.CLOSED])
def test_locked_or_closed_question_takes_no_answer(client, question, alice, state):
    question.state = state
    question.save()
    client.force_login(alice)
    assert client.post(post_url(question), form_data()).status_code == 403
    assert not Answer.objects.exists()


def test_article_past_its_closing_date_takes_no_answer(client, question, alice):
    question.article.closes_at = timezone.now() - timedelta(minutes=1)
    question.article.save()
    client.force_login(alice)
    assert client.post(post_url(question), form_data()).status_code == 403


def test_answer_to_unknown_question_is_404(client, alice, article):
    client.force_login(alice)
    url = reverse("forum:post_answer", kwargs={"slug": article.slug, "question": "nope"})
    assert client.post(url, form_data()).status_code == 404


def test_get_on_the_post_url_is_405(client, question, alice):
    client.force_login(alice)
    assert client.get(post_url(question)).status_code == 405


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "Écrivez quelque chose avant de publier."),
        ("x", "au moins 2 caractères"),
        ("x" * 10_001, "au plus 10000 caractères"),
    ],
)
def test_bad_text_is_a_400_with_the_reason_and_keeps_the_text(
    client, question, alice, body, message
):
    client.force_login(alice)
    response = client.post(post_url(question), form_data(body))
    assert response.status_code == 400
    assert message in response.content.decode().replace("\u202f", " ").replace("\xa0", " ")
    assert not Answer.objects.exists()
    if body:
        assert soup(response).find("textarea", attrs={"name": "body"}).text == body


def test_hostile_html_is_stored_as_typed_and_shown_as_text(client, question, alice):
    client.force_login(alice)
    client.post(post_url(question), form_data('<script>alert("x")</script> bonjour'))
    page = client.get(question.get_absolute_url()).content.decode()
    assert '<script>alert("x")' not in page
    assert "&lt;script&gt;alert" in page


def test_honeypot_refuses_bots(client, question, alice):
    client.force_login(alice)
    response = client.post(post_url(question), form_data(website="http://spam.example"))
    assert response.status_code == 400
    assert "Cette réponse n’a pas pu être publiée." in response.content.decode()
    assert not Answer.objects.exists()


def test_too_fast_submit_is_refused(client, question, alice, settings):
    settings.ANSWER_MIN_FILL_SECONDS = 30
    client.force_login(alice)
    response = client.post(post_url(question), form_data())
    assert response.status_code == 400
    assert "très rapide" in response.content.decode()


def test_forged_timestamp_is_refused(client, question, alice):
    client.force_login(alice)
    response = client.post(post_url(question), form_data(shown_at="1700000000"))
    assert response.status_code == 400
    assert not Answer.objects.exists()


def test_double_submit_posts_once(client, question, alice):
    client.force_login(alice)
    data = form_data()
    first = client.post(post_url(question), data)
    second = client.post(post_url(question), data)
    assert Answer.objects.count() == 1
    assert first["Location"] == second["Location"]
    question.refresh_from_db()
    assert question.answer_count == 1


def test_same_key_from_another_member_is_another_answer(question, alice, bob):
    key = uuid.uuid4()
    a, _ = do_post_answer(author=alice, question=question, body="Un.", idempotency_key=key)
    b, created = do_post_answer(author=bob, question=question, body="Deux.", idempotency_key=key)
    assert created and a != b


def test_posting_too_often_is_a_429_with_retry_after(client, question, alice, settings):
    settings.RATE_LIMIT_ANSWER_MEMBER = "2/600"
    client.force_login(alice)
    for _ in range(2):
        assert client.post(post_url(question), form_data()).status_code == 302
    response = client.post(post_url(question), form_data("Encore une fois."))
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 600
    assert "Vous publiez trop souvent" in response.content.decode()
    assert soup(response).find("textarea", attrs={"name": "body"}).text == "Encore une fois."
    assert Answer.objects.count() == 2


def test_ip_limit_applies_across_members(client, question, alice, bob, settings):
    settings.RATE_LIMIT_ANSWER_IP = "1/600"
    client.force_login(alice)
    assert client.post(post_url(question), form_data()).status_code == 302
    client.force_login(bob)
    assert client.post(post_url(question), form_data()).status_code == 429


def test_preview_without_javascript_shows_rendered_text_and_saves_nothing(client, question, alice):
    client.force_login(alice)
    response = client.post(post_url(question), form_data("*aperçu*", preview="1"))
    assert response.status_code == 200
    assert "<em>aperçu</em>" in soup(response).select_one(".preview").decode_contents()
    assert not Answer.objects.exists()


def test_live_preview_renders_markdown(client, alice):
    client.force_login(alice)
    response = client.post(
        reverse("forum:preview"), {"body": "**vite**"}, headers={"HX-Request": "true"}
    )
    assert response.content.decode().strip() == "<p><strong>vite</strong></p>"


def test_live_preview_is_rate_limited(client, alice, settings):
    settings.RATE_LIMIT_PREVIEW = "2/60"
    client.force_login(alice)
    for _ in range(2):
        assert client.post(reverse("forum:preview"), {"body": "x"}).status_code == 200
    response = client.post(reverse("forum:preview"), {"body": "x"})
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert "Aperçu en pause" in response.content.decode()


def test_live_preview_needs_a_member(client):
    assert client.post(reverse("forum:preview"), {"body": "x"}).status_code == 403


def test_htmx_answer_returns_the_answer_and_a_fresh_form(client, question, alice):
    client.force_login(alice)
    response = client.post(
        post_url(question), form_data("En place."), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'hx-swap-oob="afterbegin:#thread"' in html and "En place." in html
    fresh = soup(response).find("form", id="answer-form")
    assert fresh.find("textarea").text == ""


def test_htmx_error_returns_the_form_fragment_only(client, question, alice):
    client.force_login(alice)
    response = client.post(post_url(question), form_data(""), headers={"HX-Request": "true"})
    assert response.status_code == 400
    assert "<html" not in response.content.decode()
    assert soup(response).find("form", id="answer-form")


# --- Replying -------------------------------------------------------------


def test_member_replies_at_any_depth(client, question, alice, bob):
    top = answer(question, alice)
    parent = top
    for _ in range(14):
        parent = answer(question, bob if parent.author == alice else alice, parent=parent)
    client.force_login(bob)
    response = client.post(reverse("forum:reply", kwargs={"pk": parent.pk}), form_data("Profond."))
    reply = Answer.objects.latest("id")
    assert response.status_code == 302
    assert response["Location"] == f"/a/{parent.pk}/#a{reply.pk}"
    assert (reply.parent, reply.root, reply.depth) == (parent, top, 15)
    parent.refresh_from_db()
    assert parent.reply_count == 1
    question.refresh_from_db()
    assert question.answer_count == 16


def test_reply_form_page_without_javascript(client, question, alice, bob):
    top = answer(question, alice, "Premier avis.")
    client.force_login(bob)
    response = client.get(reverse("forum:reply", kwargs={"pk": top.pk}))
    assert response.status_code == 200
    page = soup(response)
    assert "Premier avis." in page.select_one(".quoted-answer").text
    assert page.find("form", id="answer-form")["action"] == f"/a/{top.pk}/reply/"


def test_reply_form_under_htmx_is_a_fragment(client, question, alice, bob):
    top = answer(question, alice)
    client.force_login(bob)
    response = client.get(
        reverse("forum:reply", kwargs={"pk": top.pk}), headers={"HX-Request": "true"}
    )
    assert "<html" not in response.content.decode()
    assert soup(response).find("textarea").has_attr("data-autofocus")


def test_htmx_reply_returns_the_reply_as_a_list(client, question, alice, bob):
    top = answer(question, alice)
    client.force_login(bob)
    response = client.post(
        reverse("forum:reply", kwargs={"pk": top.pk}),
        form_data("Oui."),
        headers={"HX-Request": "true"},
    )
    replies = soup(response).select_one("ol.replies")
    assert "Oui." in replies.text and "bob" in replies.text


def test_cannot_reply_to_a_deleted_answer(client, question, alice, bob):
    top = answer(question, alice)
    top.status = Answer.Status.DELETED
    top.save()
    client.force_login(bob)
    response = client.post(reverse("forum:reply", kwargs={"pk": top.pk}), form_data())
    assert response.status_code == 403
    assert Answer.objects.count() == 1


def test_reply_to_unknown_answer_is_404(client, bob, db):
    client.force_login(bob)
    assert client.post(reverse("forum:reply", kwargs={"pk": 999}), form_data()).status_code == 404


# --- Editing --------------------------------------------------------------


def test_author_edits_within_the_window_and_a_revision_is_kept(client, question, alice):
    mine = answer(question, alice, "Premier jet.")
    client.force_login(alice)
    response = client.post(
        reverse("forum:edit", kwargs={"pk": mine.pk}), {"body": "Version *finale*."}
    )
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.body_html == "<p>Version <em>finale</em>.</p>\n" and mine.edited_at
    assert Revision.objects.get().body == "Premier jet."
    page = client.get(question.get_absolute_url()).content.decode()
    assert "modifié" in page


def test_someone_else_cannot_edit(client, question, alice, bob):
    mine = answer(question, alice)
    client.force_login(bob)
    response = client.post(reverse("forum:edit", kwargs={"pk": mine.pk}), {"body": "Piraté."})
    assert response.status_code == 403
    mine.refresh_from_db()
    assert mine.body == "Réponse."


def test_edit_window_closes_after_15_minutes_once_someone_replied(client, question, alice, bob):
    mine = answer(question, alice)
    answer(question, bob, parent=mine)
    Answer.objects.filter(pk=mine.pk).update(created_at=timezone.now() - timedelta(minutes=16))
    client.force_login(alice)
    response = client.post(reverse("forum:edit", kwargs={"pk": mine.pk}), {"body": "Trop tard."})
    assert response.status_code == 403
    assert "ne peut plus être modifiée" in response.content.decode()


def test_unanswered_answer_stays_editable_for_a_day(client, question, alice):
    mine = answer(question, alice)
    Answer.objects.filter(pk=mine.pk).update(created_at=timezone.now() - timedelta(hours=23))
    client.force_login(alice)
    assert (
        client.post(
            reverse("forum:edit", kwargs={"pk": mine.pk}), {"body": "Encore ok."}
        ).status_code
        == 302
    )
    Answer.objects.filter(pk=mine.pk).update(created_at=timezone.now() - timedelta(hours=25))
    assert (
        client.post(reverse("forum:edit", kwargs={"pk": mine.pk}), {"body": "Non."}).status_code
        == 403
    )


def test_empty_edit_is_a_400_and_keeps_the_old_text(client, question, alice):
    mine = answer(question, alice, "Intact.")
    client.force_login(alice)
    response = client.post(reverse("forum:edit", kwargs={"pk": mine.pk}), {"body": ""})
    assert response.status_code == 400
    mine.refresh_from_db()
    assert mine.body == "Intact."


def test_htmx_edit_swaps_the_body(client, question, alice):
    mine = answer(question, alice)
    client.force_login(alice)
    form = client.get(reverse("forum:edit", kwargs={"pk": mine.pk}), headers={"HX-Request": "true"})
    assert "<html" not in form.content.decode() and "<textarea" in form.content.decode()
    saved = client.post(
        reverse("forum:edit", kwargs={"pk": mine.pk}),
        {"body": "Neuf."},
        headers={"HX-Request": "true"},
    )
    body, _oob = saved.content.decode().split("\n", 1)
    assert body == "<p>Neuf.</p>"
    # the first edit also marks the answer's header as edited, out of band
    assert soup(saved).select_one(f"div[hx-swap-oob='beforeend:#meta-{mine.pk}'] .answer__edited")


def test_moderators_read_the_edit_history(client, question, alice, bob, moderator):
    mine = answer(question, alice, "Avant.")
    client.force_login(alice)
    client.post(reverse("forum:edit", kwargs={"pk": mine.pk}), {"body": "Après."})
    url = reverse("forum:history", kwargs={"pk": mine.pk})
    client.force_login(bob)
    assert client.get(url).status_code == 403
    client.force_login(moderator)
    page = client.get(url).content.decode()
    assert "Avant." in page and "Après." in page


# --- Deleting -------------------------------------------------------------


def test_author_deletes_and_replies_stay_readable(client, question, alice, bob):
    mine = answer(question, alice, "À retirer.")
    answer(question, bob, "Je te réponds.", parent=mine)
    client.force_login(alice)
    confirm = client.get(reverse("forum:delete", kwargs={"pk": mine.pk}))
    assert confirm.status_code == 200 and "À retirer." in confirm.content.decode()
    response = client.post(reverse("forum:delete", kwargs={"pk": mine.pk}))
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.status == Answer.Status.DELETED
    page = client.get(question.get_absolute_url()).content.decode()
    assert "[supprimé par l’auteur]" in page and "À retirer." not in page
    assert "Je te réponds." in page
    question.refresh_from_db()
    assert question.answer_count == 1


def test_someone_else_cannot_delete(client, question, alice, bob):
    mine = answer(question, alice)
    client.force_login(bob)
    assert client.post(reverse("forum:delete", kwargs={"pk": mine.pk})).status_code == 403
    mine.refresh_from_db()
    assert mine.status == Answer.Status.PUBLISHED


def test_deleting_twice_is_refused(client, question, alice):
    mine = answer(question, alice)
    client.force_login(alice)
    client.post(reverse("forum:delete", kwargs={"pk": mine.pk}))
    assert client.post(reverse("forum:delete", kwargs={"pk": mine.pk})).status_code == 403
    question.refresh_from_db()
    assert question.answer_count == 0


def test_delete_with_a_wrong_method_is_405(client, question, alice):
    mine = answer(question, alice)
    client.force_login(alice)
    assert client.put(reverse("forum:delete", kwargs={"pk": mine.pk})).status_code == 405


def test_own_answers_show_edit_and_delete_links_others_do_not(client, question, alice, bob):
    mine = answer(question, alice)
    theirs = answer(question, bob)
    client.force_login(alice)
    page = soup(client.get(question.get_absolute_url()))
    mine_links = [a["href"] for a in page.select(f"#a{mine.pk} .answer__actions a")]
    theirs_links = [a["href"] for a in page.select(f"#a{theirs.pk} .answer__actions a")]
    assert f"/a/{mine.pk}/edit/" in mine_links and f"/a/{mine.pk}/delete/" in mine_links
    assert not any(re.search(r"/(edit|delete)/$", h) for h in theirs_links)


def test_a_damaged_hidden_field_is_a_400_with_a_message(client, question, alice):
    client.force_login(alice)
    response = client.post(post_url(question), form_data(idempotency_key="not-a-uuid"))
    assert response.status_code == 400
    assert soup(response).select_one(".notice--error").text.strip()
    assert not Answer.objects.exists()
