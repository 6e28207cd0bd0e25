"""POST /follow/articles/<slug>/, /articles/<slug>/<question>/follow/ and /a/<pk>/follow/:
a member follows (state=on) or stops following (state=off) an article's discussions, a
question, or the replies to an answer; GET /accounts/following/ lists what they follow.

Sentences are read in English (/en/) where a test checks them as written."""

import json
from urllib.parse import unquote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from forum.models import Follow
from forum.views.following import FOLLOWED_PER_PAGE
from tests.factories import make_answer, make_article, make_question
from tests.pages import soup, text_of

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def en(path: str) -> str:
    return "/en" + path.removeprefix("/en")


@pytest.fixture
def article():
    return make_article(title="La Chine en tête")


@pytest.fixture
def question(article):
    return make_question(article, text="Faut-il s’en inquiéter ?")


@pytest.fixture
def answer(question, alice):
    """Alice's answer: she follows its replies from the moment she posts it."""
    return make_answer(question, alice, body="Oui, et voici pourquoi.")


def follow_url(target) -> str:
    if hasattr(target, "standfirst"):
        return reverse("forum:follow_article", kwargs={"slug": target.slug})
    if hasattr(target, "position"):
        kwargs = {"slug": target.article.slug, "question": target.slug}
        return reverse("forum:follow_question", kwargs=kwargs)
    return reverse("forum:follow_answer", kwargs={"pk": target.pk})


def page_of(target) -> str:
    return target.get_absolute_url()


def form_of(kind, target) -> str:
    return f"#follow-{kind}-{target.pk}"


def follows(member, **target) -> int:
    return Follow.objects.filter(member=member, **target).count()


def button_text(page, kind, target) -> str:
    """What the button says aloud: its text, less what is only seen (aria-hidden)."""
    button = page.select_one(f"{form_of(kind, target)} button")
    seen_only = " ".join(m.text for m in button.select("[aria-hidden=true]"))
    text = " ".join(button.text.split())
    return " ".join(text.replace(seen_only, "").split()) if seen_only else text


def announced(response) -> str:
    return json.loads(response["HX-Trigger-After-Settle"])["agora:announce"]["message"]


def messages_of(response) -> str:
    return " ".join(soup(response).select_one(".messages").text.split())


# --- Following and stopping, without JavaScript -------------------------------------------


def test_following_a_question_returns_to_its_page_which_says_so(client_for, question, bob):
    browser = client_for(bob)
    page = en(page_of(question))
    response = browser.submit(page, form_of("question", question))
    assert response.status_code == 302
    assert response["Location"] == page
    assert follows(bob, question=question) == 1
    after = browser.get(response["Location"])
    assert messages_of(after) == ("You follow this question: new answers reach your notifications.")
    button = soup(after).select_one(f"{form_of('question', question)} button")
    assert " ".join(button.text.split()) == "Following ✓ — stop"
    # The check mark is seen, not read out.
    assert button_text(soup(after), "question", question) == "Following — stop"


def test_stopping_following_a_question(client_for, question, bob):
    browser = client_for(bob)
    page = en(page_of(question))
    browser.submit(page, form_of("question", question))
    response = browser.submit(page, form_of("question", question))
    assert response.status_code == 302
    assert follows(bob, question=question) == 0
    after = browser.get(response["Location"])
    assert messages_of(after) == "You no longer follow this question."
    assert button_text(soup(after), "question", question) == "Follow this question"


def test_following_an_articles_discussions_from_its_page(client_for, article, question, bob):
    browser = client_for(bob)
    page = en(page_of(article))
    response = browser.submit(page, form_of("article", article))
    assert response["Location"] == page
    assert follows(bob, article=article) == 1
    after = browser.get(response["Location"])
    assert messages_of(after) == (
        "You follow the discussions of this article: new answers reach your notifications."
    )
    assert button_text(soup(after), "article", article) == "Following the discussions — stop"
    # Its questions' pages say the article brings their answers already.
    question_page = text_of(browser.get(en(page_of(question))))
    assert "You follow every discussion of this article" in question_page
    browser.submit(page, form_of("article", article))
    assert follows(bob, article=article) == 0


def test_following_the_replies_to_an_answer_from_its_permalink(client_for, answer, bob):
    browser = client_for(bob)
    page = en(page_of(answer))
    assert button_text(soup(browser.get(page)), "answer", answer) == "Follow replies"
    response = browser.submit(page, form_of("answer", answer))
    assert response["Location"] == page
    assert follows(bob, answer=answer) == 1
    after = browser.get(response["Location"])
    assert messages_of(after) == (
        "You follow the replies to this answer: they reach your notifications."
    )
    assert button_text(soup(after), "answer", answer) == "Stop following replies"


def test_an_author_follows_the_replies_to_their_answer_and_may_stop(client_for, answer, alice):
    browser = client_for(alice)
    page = en(page_of(answer))
    assert button_text(soup(browser.get(page)), "answer", answer) == "Stop following replies"
    response = browser.submit(page, form_of("answer", answer))
    assert follows(alice, answer=answer) == 0
    after = browser.get(response["Location"])
    assert messages_of(after) == "You no longer follow the replies to this answer."
    assert button_text(soup(after), "answer", answer) == "Follow replies"


@pytest.mark.parametrize("state", ["on", "off"])
def test_the_same_choice_twice_is_the_same_as_once(client_for, question, bob, state):
    browser = client_for(bob)
    browser.get(page_of(question))
    for _ in range(2):
        response = browser.post(follow_url(question), {"state": state})
        assert response.status_code == 302
    assert follows(bob, question=question) == (1 if state == "on" else 0)


def test_following_goes_back_to_the_page_it_was_asked_from_on_this_site_only(
    client_for, question, bob
):
    browser = client_for(bob)
    browser.get(page_of(question))
    here = page_of(question) + "?sort=new"
    response = browser.post(follow_url(question), {"state": "on", "next": here})
    assert response["Location"] == here
    for elsewhere in ("https://evil.example/", "//evil.example/", "javascript:alert(1)"):
        response = browser.post(follow_url(question), {"state": "on", "next": elsewhere})
        assert response["Location"] == page_of(question)


@pytest.mark.parametrize("state", ["", "yes", "ON"])
def test_a_state_other_than_on_or_off_is_400(client_for, question, bob, state):
    browser = client_for(bob)
    browser.get(page_of(question))
    response = browser.post(en(follow_url(question)), {"state": state})
    assert response.status_code == 400
    assert "Say whether to follow (on) or to stop (off)." in text_of(response)
    assert follows(bob) == 0


@pytest.fixture
def members_in_every_standing(carol_unverified, dave_suspended, erin_banned):
    return [carol_unverified, dave_suspended, erin_banned]


def test_unconfirmed_and_sanctioned_members_may_follow_and_stop(
    client_for, question, members_in_every_standing
):
    """Following writes nothing anyone else sees: it only decides what reaches one's inbox."""
    for member in members_in_every_standing:
        browser = client_for(member)
        assert browser.submit(page_of(question), form_of("question", question)).status_code == 302
        assert follows(member, question=question) == 1
        assert browser.submit(page_of(question), form_of("question", question)).status_code == 302
        assert follows(member, question=question) == 0


# --- With htmx: the button swaps itself ------------------------------------------------------


def test_htmx_follow_swaps_the_button_and_announces_it(client_for, question, bob):
    browser = client_for(bob)
    response = browser.submit(en(page_of(question)), form_of("question", question), htmx=True)
    assert response.status_code == 200
    assert "<html" not in response.content.decode()
    fragment = soup(response)
    form = fragment.select_one("form.follow")
    assert form["id"] == f"follow-question-{question.pk}"
    assert form.select_one("input[name=state]")["value"] == "off"
    # The same id before and after, so htmx gives focus back to the button.
    assert form.select_one("button")["id"] == f"follow-question-{question.pk}-button"
    assert button_text(fragment, "question", question) == "Following — stop"
    assert announced(response) == "You follow this question: new answers reach your notifications."
    assert follows(bob, question=question) == 1
    # The swapped-in form is the one the next click posts: its own token must do.
    token = form.select_one("input[name=csrfmiddlewaretoken]")["value"]
    fields = {i["name"]: i["value"] for i in form.select("input[name]")}
    again = browser.post_form(form["data-hx-post"], fields | {"csrfmiddlewaretoken": token}, HTMX)
    assert again.status_code == 200
    assert announced(again) == "You no longer follow this question."
    assert follows(bob, question=question) == 0


def test_htmx_follow_of_an_answer_and_of_an_article(client_for, article, question, answer, bob):
    browser = client_for(bob)
    response = browser.submit(en(page_of(answer)), form_of("answer", answer), htmx=True)
    assert button_text(soup(response), "answer", answer) == "Stop following replies"
    response = browser.submit(en(page_of(article)), form_of("article", article), htmx=True)
    assert button_text(soup(response), "article", article) == "Following the discussions — stop"
    assert follows(bob, answer=answer) == follows(bob, article=article) == 1


# --- Not signed in -------------------------------------------------------------------------


def test_anonymous_readers_see_the_button_and_are_sent_to_sign_in(client, question):
    page_url = en(page_of(question))
    # A link, not a form: an anonymous page holds no token (readers share one copy of it).
    link = soup(client.get(page_url)).select_one(f"{form_of('question', question)} a")
    assert " ".join(link.text.split()) == "Follow this question"
    assert unquote(link["href"]) == f"/en/accounts/login/?next={page_url}"
    assert not Follow.objects.exists()


def test_a_post_without_an_account_is_sent_to_sign_in(client, question):
    """From a page kept open after the session ended, which still has the form."""
    client.open_a_form_page()
    response = client.post(
        en(
            reverse(
                "forum:follow_question",
                kwargs={"slug": question.article.slug, "question": question.slug},
            )
        ),
        {"state": "on", "next": en(page_of(question))},
    )
    assert response.status_code == 302
    # Back to the page after signing in: the POST itself cannot be repeated.
    assert unquote(response["Location"]) == f"/en/accounts/login/?next={en(page_of(question))}"
    assert not Follow.objects.exists()


def test_anonymous_htmx_follow_redirects_the_whole_page_to_sign_in(client, answer):
    client.open_a_form_page()
    response = client.post(
        reverse("forum:follow_answer", kwargs={"pk": answer.pk}),
        {"state": "on", "next": page_of(answer)},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert unquote(response["HX-Redirect"]) == f"/accounts/login/?next={page_of(answer)}"
    assert Follow.objects.count() == 1  # only alice's own


def test_get_is_405(client, article, question, answer):
    for target in (article, question, answer):
        response = client.get(follow_url(target))
        assert response.status_code == 405
        assert response["Allow"] == "POST"


def test_unknown_targets_are_404(client_for, article, bob):
    browser = client_for(bob)
    browser.get("/")
    for url in (
        reverse("forum:follow_article", kwargs={"slug": "nothing-here"}),
        reverse("forum:follow_question", kwargs={"slug": article.slug, "question": "nothing"}),
        reverse("forum:follow_answer", kwargs={"pk": 999_999}),
        f"/a/{2**70}/follow/",
    ):
        assert browser.post(url, {"state": "on"}).status_code == 404, url
    assert not Follow.objects.exists()


@pytest.mark.parametrize("state", ["draft", "scheduled"])
def test_what_an_unpublished_article_holds_is_404(client_for, alice, bob, state):
    article = make_article(state)
    question = make_question(article)
    answer = make_answer(question, alice)
    browser = client_for(bob)
    browser.get("/")
    for target in (article, question, answer):
        assert browser.post(follow_url(target), {"state": "on"}).status_code == 404
    assert follows(bob) == 0


@pytest.mark.parametrize("status", ["pending", "spam"])
def test_an_answer_the_member_may_not_see_is_404(client_for, question, alice, bob, status):
    hidden = make_answer(question, alice, status=status)
    browser = client_for(bob)
    browser.get("/")
    for state in ("on", "off"):
        assert browser.post(follow_url(hidden), {"state": state}).status_code == 404
    assert follows(bob) == 0


def test_the_author_of_an_answer_awaiting_review_may_follow_it(client_for, question, alice):
    pending = make_answer(question, alice, status="pending")
    browser = client_for(alice)
    response = browser.submit(page_of(pending), form_of("answer", pending))
    assert response.status_code == 302
    assert follows(alice, answer=pending) == 1


@pytest.mark.parametrize("status", ["removed", "deleted"])
def test_a_withdrawn_answer_takes_no_new_follower_but_can_be_left(
    client_for, question, alice, bob, status
):
    """It takes no more replies: its page offers no button, following it is 404, and its
    author, who followed it, can still stop."""
    withdrawn = make_answer(question, alice, status=status, removal_reason="spam")
    Follow.objects.get_or_create(member=alice, answer=withdrawn)
    bob_browser = client_for(bob)
    assert not soup(bob_browser.get(page_of(withdrawn))).select_one("form.follow")
    assert bob_browser.post(follow_url(withdrawn), {"state": "on"}).status_code == 404
    assert follows(bob) == 0
    alice_browser = client_for(alice)
    alice_browser.get("/")
    assert alice_browser.post(follow_url(withdrawn), {"state": "off"}).status_code == 302
    assert follows(alice, answer=withdrawn) == 0


# --- The state each viewer sees ------------------------------------------------------------


def test_each_viewer_sees_their_own_state(client_for, article, question, answer, bob, charlie):
    Follow.objects.create(member=bob, question=question)
    Follow.objects.create(member=bob, article=article)
    Follow.objects.create(member=bob, answer=answer)
    bob_browser, charlie_browser = client_for(bob), client_for(charlie)
    for target, kind, bobs, charlies in (
        (question, "question", "Following — stop", "Follow this question"),
        (
            article,
            "article",
            "Following the discussions — stop",
            "Follow the discussions of this article",
        ),
        (answer, "answer", "Stop following replies", "Follow replies"),
    ):
        assert button_text(soup(bob_browser.get(en(page_of(target)))), kind, target) == bobs
        assert button_text(soup(charlie_browser.get(en(page_of(target)))), kind, target) == charlies
    # Charlie's page took the answers bob's page cached: the state is not in them.
    assert not soup(charlie_browser.get(page_of(question))).select("#thread form.follow")


def test_the_question_pages_follow_state_is_one_query_whatever_one_follows(
    client_for, article, question, alice, bob
):
    answers = [make_answer(question, alice, body=f"Réponse {n}.") for n in range(3)]
    browser = client_for(bob)
    browser.get(page_of(question))  # the first visit writes once more

    def queries_of_the_page():
        with CaptureQueriesContext(connection) as queries:
            page = soup(browser.get(page_of(question)))
        return page, [q["sql"] for q in queries]

    _page, before = queries_of_the_page()
    Follow.objects.create(member=bob, question=question)
    Follow.objects.create(member=bob, article=article)
    for answer in answers:
        Follow.objects.create(member=bob, answer=answer)
    page, after = queries_of_the_page()
    assert len(after) == len(before)
    assert len([sql for sql in after if "forum_follow" in sql]) == 1
    assert page.select_one(f"{form_of('question', question)} input[name=state]")["value"] == "off"


# --- The list of what one follows ----------------------------------------------------------


def following_page(query="") -> str:
    return en(reverse("forum:following")) + query


def test_the_list_shows_articles_questions_and_answers(client_for, article, question, answer, bob):
    Follow.objects.create(member=bob, article=article)
    Follow.objects.create(member=bob, question=question)
    Follow.objects.create(member=bob, answer=answer)
    page = soup(client_for(bob).get(following_page()))
    assert page.select_one(".account-nav a[aria-current=page]").text == "Notifications"
    assert page.select_one(".settings-subnav a[aria-current=page]").text == "Following"
    article_link = page.select_one(f"#followed-article-{article.pk}")
    assert article_link.text == "La Chine en tête"
    assert article_link["href"] == article.get_absolute_url()
    question_link = page.select_one(f"#followed-question-{question.pk}")
    assert question_link["href"] == question.get_absolute_url()
    assert "Faut-il s’en inquiéter" in question_link.text
    answer_link = page.select_one(f"#followed-answer-{answer.pk}")
    assert answer_link["href"] == answer.get_absolute_url()
    assert " ".join(answer_link.text.split()) == "alice: Oui, et voici pourquoi."
    # The answer's question is named beside it.
    assert "Faut-il s’en inquiéter" in answer_link.find_parent("li").text
    for kind, target in (("article", article), ("question", question), ("answer", answer)):
        button = page.select_one(f"{form_of(kind, target)} button")
        assert " ".join(button.text.split()) == "Stop following"
        assert button["aria-describedby"] == f"followed-{kind}-{target.pk}"


def test_stopping_from_the_list_returns_to_it(client_for, question, bob):
    Follow.objects.create(member=bob, question=question)
    browser = client_for(bob)
    response = browser.submit(following_page(), form_of("question", question))
    assert response.status_code == 302
    assert response["Location"] == following_page()
    assert follows(bob) == 0
    after = browser.get(response["Location"])
    assert messages_of(after) == "You no longer follow this question."
    assert not soup(after).select_one(f"#followed-question-{question.pk}")
    assert "No question." in text_of(after)


def test_stopping_from_the_list_with_htmx_offers_to_follow_again(client_for, answer, alice):
    browser = client_for(alice)
    response = browser.submit(following_page(), form_of("answer", answer), htmx=True)
    assert response.status_code == 200
    assert button_text(soup(response), "answer", answer) == "Follow again"
    assert announced(response) == "You no longer follow the replies to this answer."
    assert follows(alice) == 0
    form = soup(response).select_one("form.follow")
    fields = {i["name"]: i["value"] for i in form.select("input[name]")}
    again = browser.post_form(form["data-hx-post"], fields, HTMX)
    assert button_text(soup(again), "answer", answer) == "Stop following"
    assert follows(alice, answer=answer) == 1


def test_a_withdrawn_answer_stays_on_the_list_until_left(client_for, question, alice):
    withdrawn = make_answer(question, alice, status="deleted")
    browser = client_for(alice)
    page = soup(browser.get(following_page()))
    assert page.select_one(f"#followed-answer-{withdrawn.pk}").text == "[withdrawn]"
    response = browser.submit(following_page(), form_of("answer", withdrawn), htmx=True)
    # Nothing to follow again: it takes no more replies.
    assert not soup(response).select_one("button")
    assert "No longer followed" in soup(response).text


def test_the_list_leaves_out_what_can_no_longer_be_seen(client_for, alice, bob):
    draft = make_article("draft")
    hidden_question = make_question(draft)
    question = make_question()
    spam = make_answer(question, alice, status="spam")
    for target in ({"article": draft}, {"question": hidden_question}, {"answer": spam}):
        Follow.objects.create(member=bob, **target)
    page = client_for(bob).get(following_page())
    assert "No article." in text_of(page)
    assert "No question." in text_of(page)
    assert "No answer." in text_of(page)


def test_an_empty_list_says_how_to_follow(client_for, charlie):
    text = text_of(client_for(charlie).get(following_page()))
    assert "No article. On an article’s page, follow its discussions" in text
    assert "No question. On a question’s page, follow it" in text
    assert "No answer. On an answer’s own page" in text


def test_answers_are_listed_fifty_to_a_page(client_for, question, alice):
    made = [
        make_answer(question, alice, body=f"Réponse {n}.") for n in range(FOLLOWED_PER_PAGE + 1)
    ]
    browser = client_for(alice)
    first = soup(browser.get(following_page()))
    assert len(first.select("[id^=followed-answer-]")) == 50
    # Newest first: the first answer is on the second page.
    assert not first.select_one(f"#followed-answer-{made[0].pk}")
    pages = first.select_one(".followed__pages")
    assert " ".join(pages.text.split()) == "Page 1 of 2 Next →"
    second = soup(browser.get(following_page() + pages.select_one("a[rel=next]")["href"]))
    assert [a["id"] for a in second.select("[id^=followed-answer-]")] == [
        f"followed-answer-{made[0].pk}"
    ]
    # A page past the end (its last rows just left) shows the last one.
    past = soup(browser.get(following_page("?answers=9")))
    assert past.select_one(f"#followed-answer-{made[0].pk}")


def test_the_lists_cost_the_same_queries_whatever_one_follows(client_for, alice, bob):
    question = make_question()
    browser = client_for(bob)
    browser.get(following_page())

    def count():
        with CaptureQueriesContext(connection) as queries:
            browser.get(following_page())
        return len(queries)

    Follow.objects.create(member=bob, answer=make_answer(question, alice))
    Follow.objects.create(member=bob, question=question)
    Follow.objects.create(member=bob, article=question.article)
    few = count()
    for n in range(10):
        Follow.objects.create(member=bob, answer=make_answer(question, alice, body=f"R {n}."))
        Follow.objects.create(member=bob, question=make_question(question.article))
    assert count() == few


def test_the_list_is_for_signed_in_members(client):
    response = client.get(reverse("forum:following"))
    assert response.status_code == 302
    assert unquote(response["Location"]) == "/accounts/login/?next=/accounts/following/"


def test_the_list_is_read_only(client_for, bob):
    browser = client_for(bob)
    browser.get(following_page())
    assert browser.post(reverse("forum:following")).status_code == 405


def test_anyone_else_s_follows_are_not_on_ones_list(client_for, question, alice, bob):
    Follow.objects.create(member=alice, question=question)
    page = soup(client_for(bob).get(following_page()))
    assert not page.select_one(f"#followed-question-{question.pk}")
