"""Blocking a member: POST /members/<username>/block/ (state=on|off), the list of blocked
members (/accounts/blocked/), and the answers of a blocked member collapsed for the blocker.

Texts are read on the English pages (/en/): the French catalogue is the translators'."""

import json

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from forum import rules
from forum.accounts import anonymise_member
from forum.models import Block
from tests.conftest import form_fields
from tests.factories import make_answer, make_question
from tests.pages import soup, text_of

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
BLOCKED_MESSAGE = (
    "You blocked alice. Their answers are collapsed for you and they cause you no notifications."
)


def en(path: str) -> str:
    return "/en" + path


def member_url(username: str) -> str:
    """The French (unprefixed) address, whatever language the last request left active."""
    with translation.override("fr"):
        return reverse("forum:member", kwargs={"username": username})


def block_url(username: str) -> str:
    with translation.override("fr"):
        return reverse("forum:block", kwargs={"username": username})


BLOCKED_LIST = "/accounts/blocked/"


def blocks_of(user) -> list[str]:
    return list(Block.objects.filter(blocker=user).values_list("blocked__username", flat=True))


# --- Blocking and unblocking ---------------------------------------------------------


def test_blocking_from_the_members_page_without_javascript(client_for, alice, bob):
    browser = client_for(bob)
    response = browser.submit(en(member_url("alice")), "form.block-control")
    assert response.status_code == 302
    assert response["Location"] == en(member_url("alice"))
    assert blocks_of(bob) == ["alice"]
    page = browser.get(response["Location"])
    assert BLOCKED_MESSAGE in text_of(page)
    control = soup(page).select_one("form.block-control")
    assert "You blocked this member on" in control.text
    assert control.select_one("button").text.strip() == "Unblock alice"


def test_unblocking_from_the_members_page(client_for, alice, bob):
    Block.objects.create(blocker=bob, blocked=alice)
    browser = client_for(bob)
    response = browser.submit(en(member_url("alice")), "form.block-control")
    assert response.status_code == 302
    assert blocks_of(bob) == []
    page = browser.get(response["Location"])
    assert "You unblocked alice." in text_of(page)
    assert soup(page).select_one("form.block-control button").text.strip() == "Block alice"


def test_blocking_twice_or_unblocking_someone_not_blocked_changes_nothing(client_for, alice, bob):
    browser = client_for(bob)
    browser.get(member_url("alice"))
    for _ in range(2):
        assert browser.post(block_url("alice"), {"state": "on"}).status_code == 302
    assert blocks_of(bob) == ["alice"]
    for _ in range(2):
        assert browser.post(block_url("alice"), {"state": "off"}).status_code == 302
    assert blocks_of(bob) == []


def test_with_htmx_the_button_swaps_in_place_and_says_what_happened(client_for, alice, bob):
    browser = client_for(bob)
    response = browser.submit(en(member_url("alice")), "form.block-control", htmx=True)
    assert response.status_code == 200
    fragment = soup(response)
    control = fragment.select_one("form.block-control")
    assert control["id"] == f"block-{alice.pk}"
    assert control.select_one("input[name=state]")["value"] == "off"
    assert control.select_one("button").text.strip() == "Unblock alice"
    assert control.select_one("button")["id"] == f"block-{alice.pk}-button"  # focus stays
    assert "You blocked this member on" in control.text
    trigger = json.loads(response["HX-Trigger-After-Settle"])
    assert trigger["agora:announce"]["message"] == BLOCKED_MESSAGE
    assert blocks_of(bob) == ["alice"]

    again = browser.submit(en(member_url("alice")), "form.block-control", htmx=True)
    assert soup(again).select_one("button").text.strip() == "Block alice"
    assert json.loads(again["HX-Trigger-After-Settle"])["agora:announce"]["message"] == (
        "You unblocked alice."
    )
    assert blocks_of(bob) == []


def test_the_page_it_came_from_is_where_it_goes_back(client_for, alice, bob):
    browser = client_for(bob)
    browser.get(member_url("alice"))
    response = browser.post(block_url("alice"), {"state": "on", "next": "/members/alice/?page=1"})
    assert response["Location"] == "/members/alice/?page=1"


def test_a_next_of_another_site_is_ignored(client_for, alice, bob):
    browser = client_for(bob)
    browser.get(member_url("alice"))
    for elsewhere in ("https://evil.example/", "//evil.example/", "javascript:alert(1)"):
        response = browser.post(block_url("alice"), {"state": "on", "next": elsewhere})
        assert response["Location"] == member_url("alice")


def test_a_moderator_can_be_blocked(client_for, bob, moderator):
    browser = client_for(bob)
    browser.get(member_url("modo"))
    assert browser.post(block_url("modo"), {"state": "on"}).status_code == 302
    assert blocks_of(bob) == ["modo"]


def test_the_pseudonym_is_found_whatever_its_case(client_for, alice, bob):
    browser = client_for(bob)
    browser.get(member_url("alice"))
    assert browser.post(block_url("ALICE"), {"state": "on"}).status_code == 302
    assert blocks_of(bob) == ["alice"]


def test_nobody_can_block_themself(client_for, alice):
    browser = client_for(alice)
    browser.get(member_url("alice"))
    response = browser.post(en(block_url("alice")), {"state": "on"})
    assert response.status_code == 400
    assert "You cannot block yourself." in text_of(response)
    fragment = browser.post(en(block_url("alice")), {"state": "on"}, headers=HTMX)
    assert fragment.status_code == 400
    assert soup(fragment).select_one("[role=alert]").text == "You cannot block yourself."
    assert blocks_of(alice) == []


@pytest.mark.parametrize("state", ["", "yes", "ON"])
def test_a_state_other_than_on_or_off_is_400(client_for, alice, bob, state):
    browser = client_for(bob)
    browser.get(member_url("alice"))
    response = browser.post(en(block_url("alice")), {"state": state})
    assert response.status_code == 400
    assert "to block this member (state “on”) or to unblock them (“off”)" in text_of(response)
    assert blocks_of(bob) == []


def test_an_unknown_member_is_404(client_for, bob):
    browser = client_for(bob)
    browser.get(member_url("bob"))
    assert browser.post(block_url("nobody"), {"state": "on"}).status_code == 404
    assert browser.post("/members/%00/block/", {"state": "on"}).status_code == 404


def test_a_deleted_account_is_404(client_for, alice, bob):
    browser = client_for(bob)
    browser.get(member_url("alice"))
    anonymise_member(user=alice)
    assert browser.post(block_url(alice.username), {"state": "on"}).status_code == 404
    assert blocks_of(bob) == []


def test_get_is_405(client_for, alice, bob):
    response = client_for(bob).get(block_url("alice"))
    assert response.status_code == 405
    assert response["Allow"] == "POST"


def test_a_reader_is_sent_to_sign_in_then_back_to_the_members_page(client, alice):
    client.open_a_form_page()  # the CSRF cookie of a visitor about to write
    response = client.post(block_url("alice"), {"state": "on"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/members/alice/"
    under_htmx = client.post(block_url("alice"), {"state": "on"}, headers=HTMX)
    assert under_htmx["HX-Redirect"] == "/accounts/login/?next=%2Fmembers%2Falice%2F"
    assert not Block.objects.exists()


def test_a_form_without_its_token_is_refused(client_for, alice, bob):
    browser = client_for(bob)
    response = browser.post(block_url("alice"), {"state": "on"})  # no page loaded: no token
    assert response.status_code == 403
    assert blocks_of(bob) == []


# --- The list of blocked members ----------------------------------------------------


def test_the_list_names_each_blocked_member_with_the_date_newest_first(
    client_for, alice, bob, charlie
):
    Block.objects.create(blocker=bob, blocked=alice)
    Block.objects.create(blocker=bob, blocked=charlie)
    Block.objects.create(blocker=charlie, blocked=bob)  # not bob's
    page = soup(client_for(bob).get(en(BLOCKED_LIST)))
    rows = page.select(".blocked-list__item")
    assert [row.a.text for row in rows] == ["charlie", "alice"]
    assert rows[1].a["href"] == "/en/members/alice/"
    assert "blocked on" in rows[1].select_one(".meta").text
    button = rows[1].select_one("form.block-control button")
    assert button.text.strip() == "Unblock"
    assert button["aria-describedby"] == f"blocked-{alice.pk}"  # "Unblock" whom: the row's name


def test_the_list_is_in_the_account_pages_nav(client_for, bob):
    page = soup(client_for(bob).get(en(BLOCKED_LIST)))
    # The account's "Notifications" tab, and within it the blocked list.
    assert page.select_one(".account-nav a[aria-current=page]").text == "Notifications"
    current = page.select_one(".settings-subnav a[aria-current=page]")
    assert current.text == "Blocked members"
    assert current["href"] == en(BLOCKED_LIST)


def test_an_empty_list_says_how_to_block(client_for, bob):
    page = client_for(bob).get(en(BLOCKED_LIST))
    assert "You have blocked nobody." in text_of(page)
    assert not soup(page).select(".blocked-list")


def test_a_deleted_account_leaves_the_list(client_for, alice, bob):
    Block.objects.create(blocker=bob, blocked=alice)
    anonymise_member(user=alice)
    assert "You have blocked nobody." in text_of(client_for(bob).get(en(BLOCKED_LIST)))


def test_unblocking_from_the_list_without_javascript(client_for, alice, bob):
    Block.objects.create(blocker=bob, blocked=alice)
    browser = client_for(bob)
    response = browser.submit(en(BLOCKED_LIST), f"#block-{alice.pk}")
    assert response.status_code == 302
    assert response["Location"] == en(BLOCKED_LIST)
    page = browser.get(response["Location"])
    assert "You unblocked alice." in text_of(page)
    assert "You have blocked nobody." in text_of(page)
    assert blocks_of(bob) == []


def test_unblocking_from_the_list_with_htmx_offers_to_block_again(client_for, alice, bob):
    Block.objects.create(blocker=bob, blocked=alice)
    browser = client_for(bob)
    response = browser.submit(en(BLOCKED_LIST), f"#block-{alice.pk}", htmx=True)
    assert response.status_code == 200
    button = soup(response).select_one(f"#block-{alice.pk} button")
    assert button.text.strip() == "Block again"
    assert button["aria-describedby"] == f"blocked-{alice.pk}"
    assert blocks_of(bob) == []
    # The swapped-in button blocks again, and stays a row of the list.
    form = soup(response).select_one(f"#block-{alice.pk}")
    again = browser.post(form["data-hx-post"], form_fields(form), headers=HTMX)
    assert blocks_of(bob) == ["alice"]
    assert soup(again).select_one("button").text.strip() == "Unblock"


def test_the_list_needs_signing_in(client):
    response = client.get(BLOCKED_LIST)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/accounts/blocked/"


def test_the_list_takes_no_post(client_for, bob):
    browser = client_for(bob)
    browser.get(BLOCKED_LIST)
    assert browser.post(BLOCKED_LIST).status_code == 405


# --- Answers of a blocked member, collapsed for the blocker only ------------------------


@pytest.fixture
def thread(alice, charlie):
    """alice's answer to a question, and charlie's reply to it."""
    question = make_question()
    answer = make_answer(question, alice, body="Le texte d’alice.")
    reply = make_answer(question, charlie, parent=answer, body="La réplique de charlie.")
    return answer, reply


def hidden_part(response, answer):
    """The folded part of ``answer`` on the page, if it is folded."""
    return soup(response).select_one(f"#a{answer.pk} > details > article > details.answer__hidden")


@pytest.mark.parametrize("where", ["question", "permalink"])
def test_a_blocked_members_answer_is_collapsed_for_the_blocker_only(
    client, client_for, alice, bob, charlie, thread, where
):
    answer, reply = thread
    with translation.override("en"):
        url = (
            answer.question.get_absolute_url() if where == "question" else answer.get_absolute_url()
        )
    Block.objects.create(blocker=bob, blocked=alice)
    # Others first, so their markup is in the cache when bob comes.
    for reader in (client, client_for(charlie)):
        page = reader.get(url)
        assert hidden_part(page, answer) is None
        assert "Le texte d’alice." in soup(page).select_one(f"#body-{answer.pk}").text

    page = client_for(bob).get(url)
    folded = hidden_part(page, answer)
    assert folded is not None and not folded.has_attr("open")
    assert " ".join(folded.summary.text.split()) == "Hidden answer You blocked this member."
    # It opens on demand: the text is there, inside the fold.
    assert "Le texte d’alice." in folded.select_one(f"#body-{answer.pk}").text
    # The byline still says whose it is, and the reply stays in view.
    assert soup(page).select_one(f"#byline-{answer.pk} .answer__author").text == "alice"
    assert hidden_part(page, reply) is None
    assert soup(page).select_one(f"#a{reply.pk}").find_parent("details", "answer__hidden") is None

    # Another reader after bob still gets the answer as it is.
    assert hidden_part(client_for(charlie).get(url), answer) is None


def test_the_permalink_of_a_reply_shows_no_word_of_a_blocked_member_above_it(
    client_for, alice, bob, charlie, thread
):
    _answer, reply = thread
    Block.objects.create(blocker=bob, blocked=alice)
    url = "/en" + reply.get_absolute_url()
    crumbs = soup(client_for(bob).get(url)).select_one("nav.breadcrumb").text
    assert "alice — Hidden answer" in " ".join(crumbs.split())
    assert "Le texte d’alice" not in crumbs
    others = soup(client_for(charlie).get(url)).select_one("nav.breadcrumb").text
    assert "Le texte d’alice" in others


def test_unblocking_unfolds_the_answers_again(client_for, alice, bob, thread):
    answer, _reply = thread
    browser = client_for(bob)
    url = answer.question.get_absolute_url()
    Block.objects.create(blocker=bob, blocked=alice)
    assert hidden_part(browser.get(url), answer) is not None
    browser.post(block_url("alice"), {"state": "off"})
    assert hidden_part(browser.get(url), answer) is None


def test_a_withdrawn_answer_of_a_blocked_member_is_not_folded(client_for, alice, bob, thread):
    """A tombstone shows no text and no author: there is nothing to fold away."""
    question = thread[0].question
    gone = make_answer(question, alice, body="Retirée.", status="deleted")
    Block.objects.create(blocker=bob, blocked=alice)
    page = client_for(bob).get(question.get_absolute_url())
    assert hidden_part(page, gone) is None
    assert hidden_part(page, thread[0]) is not None


def test_the_facts_of_a_blocker_cost_no_extra_query(
    alice, bob, charlie, thread, django_assert_num_queries
):
    """The members a viewer blocked come with their votes and flags: one query, as for
    anyone."""
    answer, reply = thread
    Block.objects.create(blocker=bob, blocked=alice)
    question = type(answer.question).objects.select_related("article").get(pk=answer.question_id)
    with django_assert_num_queries(1):
        facts = rules.hydrate(bob, question, [answer, reply])
    assert facts[answer.pk].author_blocked and not facts[reply.pk].author_blocked
    with django_assert_num_queries(1):
        facts = rules.hydrate(charlie, question, [answer, reply])
    assert not facts[answer.pk].author_blocked
    with django_assert_num_queries(0):
        facts = rules.hydrate(AnonymousUser(), question, [answer, reply])
    assert not facts[answer.pk].author_blocked


def test_votes_stay_votes_beside_the_blocks(alice, bob, charlie, thread):
    """Votes and blocks come back in one read: neither is taken for the other."""
    from forum.voting import do_set_vote

    answer, reply = thread
    do_set_vote(voter=bob, answer=reply, value=-1)
    Block.objects.create(blocker=bob, blocked=alice)
    facts = rules.hydrate(bob, answer.question, [answer, reply])
    assert facts[reply.pk].my_vote == -1 and facts[answer.pk].my_vote == 0
    assert facts[answer.pk].author_blocked and not facts[reply.pk].author_blocked


def test_the_question_page_costs_the_same_with_a_block(
    client_for, alice, bob, thread, django_assert_num_queries
):
    """Whatever the page's queries are, a block adds none."""
    browser = client_for(bob)
    url = thread[0].question.get_absolute_url()
    browser.get(url)
    with CaptureQueriesContext(connection) as before:
        browser.get(url)
    Block.objects.create(blocker=bob, blocked=alice)
    with django_assert_num_queries(len(before)):
        page = browser.get(url)
    assert hidden_part(page, thread[0]) is not None
