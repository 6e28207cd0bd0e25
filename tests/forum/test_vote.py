"""POST /a/<pk>/vote/: a member sets their vote on an answer to +1, -1 or 0."""

import json
import re
from urllib.parse import unquote

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse
from django.utils import translation

from forum.models import Vote
from tests.factories import long_ago, make_answer, make_article, make_member, make_question
from tests.pages import soup

pytestmark = pytest.mark.django_db


def vote_url(answer):
    return reverse("forum:vote", kwargs={"pk": answer.pk})


def vote_form(answer):
    return f"#a{answer.pk} form.vote"


def refusal(response) -> str:
    """The reason a 403 page gives."""
    return " ".join(soup(response).select_one(".error-page").text.split())


def rendered_templates(response) -> list[str]:
    return [template.name for template in response.templates]


def counted(answer):
    answer.refresh_from_db()
    return answer.upvotes, answer.downvotes, answer.score


@pytest.fixture
def question():
    return make_question()


@pytest.fixture
def answer(question, alice):
    """Alice's answer, old enough for its score to show."""
    return make_answer(question, alice, created_at=long_ago(hours=2))


# --- Success --------------------------------------------------------------------------


def test_vote_without_javascript_returns_to_the_page_it_was_cast_from(
    client_for, question, answer, bob
):
    bob_browser = client_for(bob)
    page_url = question.get_absolute_url() + "?sort=top"
    response = bob_browser.submit(page_url, vote_form(answer), {"value": "1"})
    assert response.status_code == 302
    assert response["Location"] == f"http://testserver{page_url}#a{answer.pk}"
    assert counted(answer) == (1, 0, 1)
    widget = soup(bob_browser.get(page_url)).select_one(vote_form(answer))
    up = widget.select_one(".vote__button--up")
    assert up["aria-pressed"] == "true" and up["value"] == "0"  # pressing again takes it back
    assert widget.select_one(".vote__score").text.strip().startswith("1")


def test_vote_without_a_referer_returns_to_the_answer(client_for, question, answer, bob):
    bob_browser = client_for(bob)
    bob_browser.get(question.get_absolute_url())
    response = bob_browser.post(vote_url(answer), {"value": "1"})
    assert response.status_code == 302
    assert response["Location"] == f"/a/{answer.pk}/#a{answer.pk}"


def test_htmx_vote_answers_with_the_widget_and_its_token_works_for_the_next_vote(
    client_for, question, answer, bob
):
    bob_browser = client_for(bob)
    response = bob_browser.submit(
        question.get_absolute_url(), vote_form(answer), {"value": "-1"}, htmx=True
    )
    assert response.status_code == 200
    assert "<html" not in response.content.decode()
    widget = soup(response).select_one("form.vote")
    assert widget.select_one(".vote__button--down")["aria-pressed"] == "true"
    assert widget.select_one(".vote__button--up")["aria-pressed"] == "false"
    assert "-1" in widget.select_one(".vote__score").text
    assert counted(answer) == (0, 1, -1)
    # Said to screen readers once the widget is in place (forum/static/js/site.js).
    trigger = json.loads(response["HX-Trigger-After-Settle"])
    assert trigger == {"agora:announce": {"message": "Vote enregistré."}}
    # The swapped-in widget is the one the next click submits: its own token must do.
    token = widget.select_one("input[name=csrfmiddlewaretoken]")["value"]
    again = bob_browser.post(
        widget["data-hx-post"],
        {"csrfmiddlewaretoken": token, "value": "0"},
        headers={"HX-Request": "true"},
    )
    assert again.status_code == 200
    assert counted(answer) == (0, 0, 0)
    assert (
        "Vote retiré." in json.loads(again["HX-Trigger-After-Settle"])["agora:announce"]["message"]
    )


def _without_token(widget) -> str:
    for field in widget.select("input[name=csrfmiddlewaretoken]"):
        field["value"] = "token"
    return str(widget)


def test_every_htmx_vote_answers_with_the_widget_its_page_then_shows(
    client_for, question, alice, bob
):
    """Widgets are kept per situation with the answer and the token left out (forum.
    rendering): votes on several answers, in every situation a member meets and in both
    languages, each answered with the widget that the page shows for that answer right
    after, with the voter's token."""
    old, other = (make_answer(question, alice, created_at=long_ago(hours=2)) for _ in "ab")
    fresh = make_answer(question, alice)  # its score hidden for its first hour
    bob_browser = client_for(bob)
    for language in ("fr", "en"):
        with translation.override(language):
            page_url = question.get_absolute_url()
        for answer, value in [
            (old, "1"), (other, "1"), (fresh, "1"), (old, "-1"), (other, "-1"), (old, "0"),
            (other, "0"), (fresh, "0"),
        ]:  # fmt: skip
            action, fields, headers = bob_browser.read_form(page_url, vote_form(answer), htmx=True)
            response = bob_browser.post_form(action, fields | {"value": value}, headers)
            assert response.status_code == 200
            widget = soup(response).select_one("form.vote")
            assert (
                widget.select_one("input[name=csrfmiddlewaretoken]")["value"]
                == (fields["csrfmiddlewaretoken"])
            )
            shown = soup(bob_browser.get(page_url)).select_one(vote_form(answer))
            assert _without_token(widget) == _without_token(shown)
            assert widget["data-hx-post"] == action


def test_an_htmx_vote_gives_back_the_token_it_came_with_and_leaves_the_cookie_alone(
    client_for, question, answer, bob
):
    """The widget's form carries the masked token the vote was sent with (the page's):
    no new mask, no cookie set again; the page's token keeps working."""
    bob_browser = client_for(bob)
    action, fields, headers = bob_browser.read_form(
        question.get_absolute_url(), vote_form(answer), htmx=True
    )
    response = bob_browser.post_form(action, fields | {"value": "1"}, headers)
    assert response.status_code == 200 and counted(answer) == (1, 0, 1)
    widget_token = soup(response).select_one("input[name=csrfmiddlewaretoken]")["value"]
    assert widget_token == fields["csrfmiddlewaretoken"]
    assert settings.CSRF_COOKIE_NAME not in response.cookies
    again = bob_browser.post_form(action, fields | {"value": "0"}, headers)
    assert again.status_code == 200 and counted(answer) == (0, 0, 0)


def test_a_vote_sent_with_the_raw_secret_never_gets_it_written_into_the_widget(
    client_for, question, answer, bob
):
    """A script may send the cookie's value (the secret itself) as the header: the widget
    then holds a freshly masked token, never the secret, and that token works."""
    bob_browser = client_for(bob)
    bob_browser.get(question.get_absolute_url())
    secret = bob_browser.cookies[settings.CSRF_COOKIE_NAME].value
    response = bob_browser.post(vote_url(answer), {"value": "1"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert secret not in response.content.decode()
    widget = soup(response).select_one("form.vote")
    token = widget.select_one("input[name=csrfmiddlewaretoken]")["value"]
    assert len(token) == 64
    again = bob_browser.post_form(
        widget["data-hx-post"], {"csrfmiddlewaretoken": token, "value": "0"}, {"HX-Request": "true"}
    )
    assert again.status_code == 200 and counted(answer) == (0, 0, 0)


def test_each_reader_votes_with_the_token_their_own_page_gave_them(
    client_for, question, answer, bob, charlie
):
    """Answers are rendered once and cached for every reader; each reader's page must
    still carry that reader's own CSRF token, or only the first reader could vote."""
    bob_browser, charlie_browser = client_for(bob), client_for(charlie)
    bob_response = bob_browser.get(question.get_absolute_url())
    charlie_response = charlie_browser.get(question.get_absolute_url())
    # Bob's visit rendered the answer ("node", a partial of forum/question.html) and
    # cached it; Charlie's page took it from the cache without rendering it again.
    assert "node" in rendered_templates(bob_response)
    assert "node" not in rendered_templates(charlie_response)
    bob_page, charlie_page = soup(bob_response), soup(charlie_response)
    bob_form, charlie_form = (
        bob_page.select_one(vote_form(answer)),
        charlie_page.select_one(vote_form(answer)),
    )
    bob_token = bob_form.select_one("input[name=csrfmiddlewaretoken]")["value"]
    charlie_token = charlie_form.select_one("input[name=csrfmiddlewaretoken]")["value"]
    # The same cached markup, each with its reader's token in it.
    assert str(bob_form).replace(bob_token, "") == str(charlie_form).replace(charlie_token, "")
    assert bob_token != charlie_token

    # Each posts the form as their page gave it, and nothing else (no token of their own).
    stolen = charlie_browser.post_form(
        bob_form["action"], {"csrfmiddlewaretoken": bob_token, "value": "1"}, {}
    )
    assert stolen.status_code == 403
    assert counted(answer) == (0, 0, 0)

    by_bob = bob_browser.post_form(
        bob_form["action"], {"csrfmiddlewaretoken": bob_token, "value": "1"}, {}
    )
    by_charlie = charlie_browser.post_form(
        charlie_form["action"],
        {"csrfmiddlewaretoken": charlie_token, "value": "1"},
        {"HX-Request": "true"},
    )
    assert (by_bob.status_code, by_charlie.status_code) == (302, 200)
    assert counted(answer) == (2, 0, 2)


def test_a_vote_without_a_token_from_the_site_is_refused(client_for, answer, bob):
    bob_browser = client_for(bob)  # has loaded no page, so holds no token
    response = bob_browser.post(vote_url(answer), {"value": "1"})
    assert response.status_code == 403
    assert not Vote.objects.exists()


def test_a_vote_costs_three_statements_on_postgresql(
    client_for, question, answer, bob, django_assert_num_queries
):
    """The session with the member (kept in the database, so a Redis outage loses no
    sign-out; read together, forum.sessions), the answer with everything deciding the
    vote, then the vote itself (one call to forum_set_vote). SQLite runs the vote's steps
    one by one."""
    bob_browser = client_for(bob)
    bob_browser.get(question.get_absolute_url())
    # SQLite: + savepoint, the old vote, the counters, upsert, write, release
    steps = 3 if connection.vendor == "postgresql" else 8
    with django_assert_num_queries(steps):
        response = bob_browser.post(
            vote_url(answer), {"value": "1"}, headers={"HX-Request": "true"}
        )
    assert response.status_code == 200
    assert counted(answer) == (1, 0, 1)


# --- Not signed in --------------------------------------------------------------------


def test_anonymous_vote_goes_to_sign_in_and_back_to_the_answer(client, question, answer):
    client.open_a_form_page()  # the CSRF cookie of a visitor about to write
    response = client.post(vote_url(answer), {"value": "1"})
    assert response.status_code == 302
    back = f"/a/{answer.pk}/#a{answer.pk}"
    assert unquote(response["Location"]) == f"/accounts/login/?next={back}"
    assert not Vote.objects.exists()


def test_an_anonymous_readers_vote_buttons_open_the_sign_in_page_and_lead_back(
    client, question, answer
):
    """An anonymous page holds no token (anonymous readers share one copy of it): its vote
    buttons submit a plain GET to the sign-in page, which leads back to the answer."""
    form = soup(client.get(question.get_absolute_url())).select_one(vote_form(answer))
    assert form["method"] == "get" and form["action"] == "/accounts/login/"
    assert len(form.select("button[type=submit]")) == 2
    sign_in = client.get(form["action"], {"next": form.select_one("input[name=next]")["value"]})
    assert sign_in.status_code == 200
    assert f'value="/a/{answer.pk}/"' in sign_in.content.decode()  # where it returns
    assert not Vote.objects.exists()


def test_an_anonymous_htmx_vote_redirects_the_whole_page_to_sign_in(client, question, answer):
    """A reader whose session ended keeps a page with the old forms: a vote from it sends
    the whole page to sign in."""
    client.open_a_form_page()
    response = client.post(vote_url(answer), {"value": "1"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    back = f"/a/{answer.pk}/#a{answer.pk}"
    assert unquote(response["HX-Redirect"]) == f"/accounts/login/?next={back}"
    assert not Vote.objects.exists()


# --- Not allowed ----------------------------------------------------------------------


def test_one_cannot_vote_on_ones_own_answer_nor_is_offered_to(client_for, question, answer, alice):
    alice_browser = client_for(alice)
    page = soup(alice_browser.get(question.get_absolute_url()))
    assert not page.select(f"#a{answer.pk} .vote__button")
    response = alice_browser.post(vote_url(answer), {"value": "1"})
    assert response.status_code == 403
    assert "votre propre réponse" in refusal(response)
    assert not Vote.objects.exists()


def test_htmx_refusal_is_shown_in_the_widget(client_for, question, answer, alice):
    alice_browser = client_for(alice)
    alice_browser.get(question.get_absolute_url())
    response = alice_browser.post(vote_url(answer), {"value": "1"}, headers={"HX-Request": "true"})
    assert response.status_code == 403
    assert "votre propre réponse" in soup(response).select_one(".vote__error").text


@pytest.mark.parametrize("status", ["deleted", "removed"])
def test_tombstones_take_no_vote(client_for, question, alice, bob, status):
    tombstone = make_answer(question, alice, status=status, removal_reason="hors sujet")
    bob_browser = client_for(bob)
    page = soup(bob_browser.get(question.get_absolute_url()))
    assert not page.select(f"#a{tombstone.pk} form.vote")
    response = bob_browser.post(vote_url(tombstone), {"value": "1"})
    assert response.status_code == 403
    assert "réponses publiées" in refusal(response)
    assert not Vote.objects.exists()


def test_locked_questions_take_no_vote(client_for, alice, bob):
    question = make_question(state="locked")
    answer = make_answer(question, alice)
    bob_browser = client_for(bob)
    bob_browser.get(question.get_absolute_url())
    response = bob_browser.post(vote_url(answer), {"value": "1"})
    assert response.status_code == 403
    assert "votes" in refusal(response)
    assert not Vote.objects.exists()


@pytest.mark.parametrize("closed", ["by a moderator", "past the article's closing date"])
def test_closed_discussions_still_take_votes(client_for, alice, bob, closed):
    if closed == "by a moderator":
        question = make_question(state="closed")
    else:
        question = make_question(make_article("closed"))
    answer = make_answer(question, alice)
    response = client_for(bob).submit(
        question.get_absolute_url(), vote_form(answer), {"value": "1"}
    )
    assert response.status_code == 302
    assert counted(answer) == (1, 0, 1)


def test_unverified_members_are_told_to_confirm_their_address(
    client_for, question, answer, carol_unverified
):
    carol_browser = client_for(carol_unverified)
    response = carol_browser.submit(question.get_absolute_url(), vote_form(answer), {"value": "1"})
    assert response.status_code == 403
    assert "Confirmez votre adresse e-mail pour voter" in refusal(response)
    assert not Vote.objects.exists()


def test_suspended_members_are_told_why_and_until_when(
    client_for, question, answer, dave_suspended
):
    dave_browser = client_for(dave_suspended)
    response = dave_browser.submit(question.get_absolute_url(), vote_form(answer), {"value": "1"})
    assert response.status_code == 403
    assert "Votre compte est suspendu jusqu’au" in refusal(response)
    assert "Insultes répétées." in refusal(response)
    widget = dave_browser.submit(
        question.get_absolute_url(), vote_form(answer), {"value": "1"}, htmx=True
    )
    assert widget.status_code == 403
    assert "suspendu" in soup(widget).select_one(".vote__error").text
    assert not Vote.objects.exists()


def test_a_suspension_ends_on_its_date(client_for, question, answer):
    served = make_member("oscar", suspended_until=long_ago(minutes=1), sanction_reason="Fini.")
    response = client_for(served).submit(
        question.get_absolute_url(), vote_form(answer), {"value": "1"}
    )
    assert response.status_code == 302
    assert Vote.objects.filter(user=served).count() == 1


def test_banned_members_are_told_so(client_for, question, answer, erin_banned):
    response = client_for(erin_banned).submit(
        question.get_absolute_url(), vote_form(answer), {"value": "-1"}
    )
    assert response.status_code == 403
    assert "Votre compte est banni" in refusal(response)
    assert "Spam répété." in refusal(response)
    assert not Vote.objects.exists()


def test_a_refusal_offers_the_way_back_to_a_page_of_this_site_only(
    client_for, question, answer, dave_suspended
):
    dave_browser = client_for(dave_suspended)
    page_url = "http://testserver" + question.get_absolute_url()
    dave_browser.get(page_url)
    refused = soup(
        dave_browser.post(vote_url(answer), {"value": "1"}, headers={"referer": page_url})
    )
    assert refused.find("a", string="Revenir à la page précédente")["href"] == page_url
    elsewhere = "https://elsewhere.example/trap"
    refused = soup(
        dave_browser.post(vote_url(answer), {"value": "1"}, headers={"referer": elsewhere})
    )
    assert not refused.find("a", string="Revenir à la page précédente")


# --- Missing --------------------------------------------------------------------------


def test_vote_on_an_unknown_answer_is_404(client_for, question, bob):
    bob_browser = client_for(bob)
    bob_browser.get(question.get_absolute_url())
    assert (
        bob_browser.post(reverse("forum:vote", kwargs={"pk": 424242}), {"value": "1"}).status_code
        == 404
    )


def test_someone_elses_pending_answer_is_404(client_for, question, alice, bob):
    pending = make_answer(question, alice, status="pending")
    bob_browser = client_for(bob)
    bob_browser.get(question.get_absolute_url())
    assert bob_browser.post(vote_url(pending), {"value": "1"}).status_code == 404
    assert not Vote.objects.exists()


@pytest.mark.parametrize("state", ["draft", "scheduled"])
def test_answers_of_unpublished_articles_are_404(client_for, alice, bob, state):
    question = make_question(make_article(state))
    answer = make_answer(question, alice)
    bob_browser = client_for(bob)
    bob_browser.get("/")
    assert bob_browser.post(vote_url(answer), {"value": "1"}).status_code == 404
    assert not Vote.objects.exists()


# --- Wrong method, bad input, too often -----------------------------------------------


def test_get_is_405(client_for, answer, bob):
    response = client_for(bob).get(vote_url(answer))
    assert response.status_code == 405
    assert response["Allow"] == "POST"


@pytest.mark.parametrize("value", ["2", "", "up", "1.0", "-2"])
def test_a_value_other_than_1_0_or_minus_1_is_400_with_the_reason(
    client_for, question, answer, bob, value
):
    bob_browser = client_for(bob)
    response = bob_browser.submit(question.get_absolute_url(), vote_form(answer), {"value": value})
    assert response.status_code == 400
    assert "Un vote vaut 1, 0 ou -1." in response.content.decode()
    assert not Vote.objects.exists()


def test_voting_too_often_is_a_429_with_retry_after(client_for, question, answer, bob, settings):
    settings.RATE_LIMIT_VOTE_MEMBER = "2/60"
    bob_browser = client_for(bob)
    bob_browser.get(question.get_absolute_url())
    for value in ("1", "0"):
        assert bob_browser.post(vote_url(answer), {"value": value}).status_code == 302
    response = bob_browser.post(vote_url(answer), {"value": "1"})
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    assert not Vote.objects.exists()


def test_htmx_vote_too_often_says_so_in_the_widget(client_for, question, answer, bob, settings):
    settings.RATE_LIMIT_VOTE_MEMBER = "1/60"
    bob_browser = client_for(bob)
    bob_browser.get(question.get_absolute_url())
    bob_browser.post(vote_url(answer), {"value": "1"}, headers={"HX-Request": "true"})
    response = bob_browser.post(vote_url(answer), {"value": "-1"}, headers={"HX-Request": "true"})
    assert response.status_code == 429
    error = soup(response).select_one(".vote__error").text
    assert re.search(r"Vous votez trop souvent\. Patientez \d+ secondes\.", error)
    assert counted(answer) == (1, 0, 1)
