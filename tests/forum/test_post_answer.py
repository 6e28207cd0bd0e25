"""POST /articles/<slug>/<question>/answer/: a member answers a reader question."""

import uuid

import pytest
from django.urls import reverse

from forum.answers import do_post_answer
from forum.models import Answer
from tests.factories import make_article, make_question
from tests.pages import soup

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_forms")]

FORM = "#answer-form"


def text_of(response) -> str:
    """The page's text, with the non-breaking spaces French typography puts in."""
    return " ".join(soup(response).text.replace("\u202f", " ").replace("\xa0", " ").split())


def post_url(question):
    return reverse(
        "forum:post_answer", kwargs={"slug": question.article.slug, "question": question.slug}
    )


@pytest.fixture
def question():
    return make_question()


# --- Success --------------------------------------------------------------------------


def test_member_answers_and_lands_on_their_answer(client_for, question, alice):
    alice_browser = client_for(alice)
    response = alice_browser.submit(
        question.get_absolute_url(), FORM, {"body": "Je suis **surprise**."}
    )
    posted = Answer.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/a/{posted.pk}/#a{posted.pk}"
    assert posted.author == alice and posted.depth == 0 and posted.root_id == posted.pk
    assert posted.body_html == "<p>Je suis <strong>surprise</strong>.</p>\n"
    question.refresh_from_db()
    assert question.answer_count == 1
    page = alice_browser.get(question.get_absolute_url()).content.decode()
    assert "Je suis <strong>surprise</strong>." in page


def test_htmx_answer_returns_the_answer_and_a_fresh_form(client_for, question, alice):
    response = client_for(alice).submit(
        question.get_absolute_url(), FORM, {"body": "En place."}, htmx=True
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert 'data-hx-swap-oob="afterbegin:#thread"' in html and "En place." in html
    fresh = soup(response).find("form", id="answer-form")
    assert fresh.find("textarea").text == ""


def test_hostile_html_is_stored_as_typed_and_shown_as_text(client_for, question, alice):
    alice_browser = client_for(alice)
    alice_browser.submit(
        question.get_absolute_url(), FORM, {"body": '<script>alert("x")</script> ok'}
    )
    assert Answer.objects.get().body == '<script>alert("x")</script> ok'
    page = alice_browser.get(question.get_absolute_url()).content.decode()
    assert '<script>alert("x")' not in page
    assert "&lt;script&gt;alert" in page


def test_a_double_submit_posts_once(client_for, question, alice):
    alice_browser = client_for(alice)
    action, fields, headers = alice_browser.read_form(question.get_absolute_url(), FORM)
    fields["body"] = "Une seule fois."
    first = alice_browser.post_form(action, fields, headers)
    second = alice_browser.post_form(action, fields, headers)
    assert Answer.objects.count() == 1
    assert first["Location"] == second["Location"]
    question.refresh_from_db()
    assert question.answer_count == 1


def test_the_same_key_from_another_member_is_another_answer(question, alice, bob):
    key = uuid.uuid4()
    first, _ = do_post_answer(author=alice, question=question, body="Un.", idempotency_key=key)
    second, created = do_post_answer(
        author=bob, question=question, body="Deux.", idempotency_key=key
    )
    assert created and first != second


def test_a_key_protects_only_its_own_submission(question, alice):
    """Reused for another text or another place, the key returns nothing old: the new
    text is posted, not silently dropped."""
    key = uuid.uuid4()
    first, _ = do_post_answer(author=alice, question=question, body="Un.", idempotency_key=key)
    again, created = do_post_answer(
        author=alice, question=question, body="Un.", idempotency_key=key
    )
    assert again == first and not created
    other, created = do_post_answer(
        author=alice, question=question, body="Autre chose.", idempotency_key=key
    )
    assert created and other != first and other.body == "Autre chose."
    elsewhere, created = do_post_answer(
        author=alice, question=make_question(), body="Un.", idempotency_key=key
    )
    assert created and elsewhere.question_id != question.pk


def test_preview_without_javascript_shows_the_rendered_text_and_saves_nothing(
    client_for, question, alice
):
    response = client_for(alice).submit(
        question.get_absolute_url(), FORM, {"body": "*aperçu*", "preview": "1"}
    )
    assert response.status_code == 200
    assert "<em>aperçu</em>" in soup(response).select_one(".preview").decode_contents()
    assert soup(response).find("textarea", attrs={"name": "body"}).text == "*aperçu*"
    assert not Answer.objects.exists()


def test_a_preview_right_after_loading_the_form_is_not_taken_for_a_bot(
    client_for, question, alice, settings
):
    settings.ANSWER_MIN_FILL_SECONDS = 60
    response = client_for(alice).submit(
        question.get_absolute_url(), FORM, {"body": "*vite*", "preview": "1"}
    )
    assert response.status_code == 200
    assert "<em>vite</em>" in soup(response).select_one(".preview").decode_contents()
    assert not soup(response).select(".answer-form .errorlist, .answer-form [role=alert]")


def test_posting_leaves_the_readers_chosen_sort_alone(client_for, question, alice):
    member = client_for(alice)
    member.get(question.get_absolute_url() + "?sort=top")
    response = member.submit(question.get_absolute_url(), FORM, {"body": "Une de plus."})
    assert response.status_code == 302 and "sort=" not in response["Location"]
    assert member.cookies["answer_sort"].value == "top"


def test_a_post_without_the_pages_token_is_refused(client_for, question, alice):
    alice_browser = client_for(alice)  # has loaded no page, so holds no token
    data = {"body": "Venue d’ailleurs.", "idempotency_key": str(uuid.uuid4())}
    assert alice_browser.post(post_url(question), data).status_code == 403
    assert not Answer.objects.exists()


# --- Not signed in --------------------------------------------------------------------


def test_anonymous_post_goes_to_sign_in_and_back(client, question):
    client.open_a_form_page()  # the CSRF cookie of a visitor about to write
    response = client.post(post_url(question), {"body": "Anonyme."})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=" + post_url(question)
    assert not Answer.objects.exists()


def test_anonymous_htmx_post_redirects_the_whole_page_to_sign_in(client, question):
    client.open_a_form_page()  # the CSRF cookie of a visitor about to write
    response = client.post(post_url(question), {"body": "Anonyme."}, headers={"HX-Request": "true"})
    assert response["HX-Redirect"] == "/accounts/login/?next=" + post_url(question)
    assert not Answer.objects.exists()


# --- Not allowed ----------------------------------------------------------------------


def refused(browser, question):
    browser.get(question.get_absolute_url())
    return browser.post(post_url(question), {"body": "Essai de réponse."})


def test_unverified_members_are_told_to_confirm_their_address(
    client_for, question, carol_unverified
):
    response = refused(client_for(carol_unverified), question)
    assert response.status_code == 403
    assert "Confirmez votre adresse e-mail pour répondre" in text_of(response)
    assert not Answer.objects.exists()


def test_suspended_members_are_told_why_and_until_when(client_for, question, dave_suspended):
    response = refused(client_for(dave_suspended), question)
    assert response.status_code == 403
    assert "suspendu jusqu’au" in text_of(response) and "Insultes répétées." in text_of(response)
    assert not Answer.objects.exists()


def test_banned_members_are_told_so(client_for, question, erin_banned):
    response = refused(client_for(erin_banned), question)
    assert response.status_code == 403
    assert "Votre compte est banni" in text_of(response)
    assert not Answer.objects.exists()


@pytest.mark.parametrize(
    ("state", "reason"),
    [("locked", "Cette discussion est verrouillée"), ("closed", "Cette discussion est close")],
)
def test_locked_or_closed_questions_take_no_answer(client_for, alice, state, reason):
    question = make_question(state=state)
    response = refused(client_for(alice), question)
    assert response.status_code == 403
    assert reason in text_of(response)
    assert not Answer.objects.exists()


def test_discussions_past_their_closing_date_take_no_answer(client_for, alice):
    question = make_question(make_article("closed"))
    response = refused(client_for(alice), question)
    assert response.status_code == 403
    assert "Cette discussion est close" in text_of(response)


# --- Missing --------------------------------------------------------------------------


def test_an_unknown_question_is_404(client_for, question, alice):
    alice_browser = client_for(alice)
    alice_browser.get(question.get_absolute_url())
    url = reverse("forum:post_answer", kwargs={"slug": question.article.slug, "question": "nope"})
    assert alice_browser.post(url, {"body": "Perdue."}).status_code == 404


@pytest.mark.parametrize("state", ["draft", "scheduled"])
def test_questions_of_unpublished_articles_are_404(client_for, alice, state):
    question = make_question(make_article(state))
    alice_browser = client_for(alice)
    alice_browser.get("/")
    assert alice_browser.post(post_url(question), {"body": "Trop tôt."}).status_code == 404
    assert not Answer.objects.exists()


# --- Wrong method, bad input, too often -----------------------------------------------


def test_get_is_405(client_for, question, alice):
    response = client_for(alice).get(post_url(question))
    assert response.status_code == 405
    assert response["Allow"] == "POST"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "Écrivez quelque chose avant de publier."),
        ("x", "au moins 2 caractères"),
        ("x" * 10_001, "au plus 10000 caractères"),
        ("Un octet nul : \x00 ici.", "Le caractère nul n’est pas autorisé."),
        # Zero-width spaces, a byte-order mark, braille blanks, a Hangul filler.
        ("\u200b\u200b\ufeff\u2800\u2800 \u3164", "Écrivez quelque chose avant de publier."),
    ],
)
def test_bad_text_is_a_400_with_the_reason_and_keeps_the_text(
    client_for, question, alice, body, message
):
    response = client_for(alice).submit(question.get_absolute_url(), FORM, {"body": body})
    assert response.status_code == 400
    assert message in text_of(response)
    assert soup(response).find("textarea", attrs={"name": "body"}).text == body
    assert not Answer.objects.exists()


def test_a_form_sent_back_with_an_error_keeps_its_submission_key(client_for, question, alice):
    """Corrected and sent again, it is still the one submission it was: a second click
    on the corrected form does not post twice."""
    alice_browser = client_for(alice)
    action, fields, headers = alice_browser.read_form(question.get_absolute_url(), FORM)
    assert fields["idempotency_key"] and fields["shown_at"] and fields["website"] == ""
    refused = alice_browser.post_form(action, fields | {"body": "x"}, headers)
    assert refused.status_code == 400
    again = soup(refused).select_one(FORM)
    for name in ("idempotency_key", "shown_at"):
        field = again.find("input", attrs={"name": name})
        assert field["value"] == fields[name] and field["id"] == f"id_{name}"
    corrected = {**fields, "body": "Corrigée."}
    first = alice_browser.post_form(action, corrected, headers)
    second = alice_browser.post_form(action, corrected, headers)
    assert first.status_code == second.status_code == 302
    assert Answer.objects.count() == 1


def test_errors_are_summarised_at_the_top_and_tied_to_the_field(client_for, question, alice):
    response = client_for(alice).submit(question.get_absolute_url(), FORM, {"body": "x"})
    form = soup(response).select_one(FORM)
    textarea = form.find("textarea", attrs={"name": "body"})
    summary = form.select_one("[role=alert]")
    assert summary.select_one(f"a[href='#{textarea['id']}']") is not None
    assert textarea["aria-invalid"] == "true"
    described = [form.find(id=part) for part in textarea["aria-describedby"].split()]
    assert all(described) and "caractères" in described[0].text


def test_htmx_bad_text_returns_the_form_fragment_only(client_for, question, alice):
    response = client_for(alice).submit(question.get_absolute_url(), FORM, {"body": ""}, htmx=True)
    assert response.status_code == 400
    assert "<html" not in response.content.decode()
    assert soup(response).find("form", id="answer-form")


def test_the_honeypot_refuses_bots(client_for, question, alice):
    response = client_for(alice).submit(
        question.get_absolute_url(), FORM, {"body": "Achetez.", "website": "http://spam.example"}
    )
    assert response.status_code == 400
    assert "Cette réponse n’a pas pu être publiée." in text_of(response)
    assert not Answer.objects.exists()


def test_a_submit_faster_than_a_person_types_is_refused(client_for, question, alice, settings):
    settings.ANSWER_MIN_FILL_SECONDS = 30
    response = client_for(alice).submit(question.get_absolute_url(), FORM, {"body": "Vite."})
    assert response.status_code == 400
    assert "très rapide" in text_of(response)
    assert not Answer.objects.exists()


def test_a_forged_timestamp_is_refused(client_for, question, alice):
    response = client_for(alice).submit(
        question.get_absolute_url(), FORM, {"body": "Horodatée.", "shown_at": "1700000000"}
    )
    assert response.status_code == 400
    assert "trop ancien ou abîmé" in text_of(response)
    assert not Answer.objects.exists()


def test_a_damaged_hidden_field_is_a_400_with_a_message(client_for, question, alice):
    response = client_for(alice).submit(
        question.get_absolute_url(), FORM, {"body": "Clé.", "idempotency_key": "not-a-uuid"}
    )
    assert response.status_code == 400
    assert soup(response).select_one(".notice--error").text.strip()
    assert not Answer.objects.exists()


def test_posting_too_often_is_a_429_with_retry_after_and_keeps_the_text(
    client_for, question, alice, settings
):
    settings.RATE_LIMIT_ANSWER_MEMBER = "2/600"
    alice_browser = client_for(alice)
    for n in range(2):
        posted = alice_browser.submit(question.get_absolute_url(), FORM, {"body": f"Réponse {n}."})
        assert posted.status_code == 302
    response = alice_browser.submit(question.get_absolute_url(), FORM, {"body": "Encore une fois."})
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 600
    assert "Vous publiez trop souvent" in text_of(response)
    assert soup(response).find("textarea", attrs={"name": "body"}).text == "Encore une fois."
    assert Answer.objects.count() == 2


def test_the_address_limit_applies_across_members(client_for, question, alice, bob, settings):
    settings.RATE_LIMIT_ANSWER_IP = "1/600"
    url = question.get_absolute_url()
    assert client_for(alice).submit(url, FORM, {"body": "D’Alice."}).status_code == 302
    assert client_for(bob).submit(url, FORM, {"body": "De Bob."}).status_code == 429
    assert Answer.objects.count() == 1
