"""A member votes, changes and takes back a vote; the sort menu reorders answers."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from forum.answers import do_post_answer
from forum.models import Answer, Vote
from forum.voting import do_set_vote

pytestmark = pytest.mark.django_db(transaction=True)


def sign_in(page, live_server, user):
    page.goto("/accounts/login/")
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", "pw-" + user.username)
    page.locator("form").filter(has=page.locator("input[name=password]")).locator(
        "button[type=submit]"
    ).click()
    expect(page.locator("body")).not_to_contain_text("mot de passe incorrect")


def old_answer(question, author, body):
    answer = do_post_answer(author=author, question=question, body=body)[0]
    Answer.objects.filter(pk=answer.pk).update(created_at=timezone.now() - timedelta(hours=3))
    return answer


def check_vote_cycle(page, answer):
    """Up, then down instead, then take it back: the widget says so each time."""

    # Locate afresh each time: under htmx the widget is swapped for a new one.
    def widget(part):
        return page.locator(f"#a{answer.pk} form.vote {part}").first

    widget(".vote__button--up").click()
    expect(widget(".vote__button--up")).to_have_attribute("aria-pressed", "true")
    expect(widget(".vote__score")).to_contain_text("1")
    widget(".vote__button--down").click()
    expect(widget(".vote__button--down")).to_have_attribute("aria-pressed", "true")
    expect(widget(".vote__button--up")).to_have_attribute("aria-pressed", "false")
    expect(widget(".vote__score")).to_contain_text("-1")
    widget(".vote__button--down").click()  # pressed again: the vote is taken back
    expect(widget(".vote__button--down")).to_have_attribute("aria-pressed", "false")
    expect(widget(".vote__score")).to_contain_text("0")


def test_member_votes_changes_and_takes_back(page, live_server, question, alice, bob):
    theirs = old_answer(question, alice, "Un avis à juger.")
    sign_in(page, live_server, bob)
    page.goto(question.get_absolute_url())
    check_vote_cycle(page, theirs)
    assert not Vote.objects.exists()
    theirs.refresh_from_db()
    assert (theirs.upvotes, theirs.downvotes) == (0, 0)


def test_member_votes_without_javascript(page_without_js, live_server, question, alice, bob):
    page = page_without_js
    theirs = old_answer(question, alice, "Un avis à juger.")
    sign_in(page, live_server, bob)
    page.goto(question.get_absolute_url())
    check_vote_cycle(page, theirs)
    # every vote came back to the same page, at the answer
    assert page.url.endswith(f"#a{theirs.pk}")


@pytest.mark.parametrize("debug", [False, True], ids=["production", "development"])
def test_a_refused_vote_is_explained_in_the_widget_and_the_page_stays(
    page, live_server, question, alice, dave_suspended, settings, debug
):
    """Refusals come back as a 403 fragment that htmx swaps in place, in development
    too (DEBUG): django-htmx's debug helper would show it as a whole page instead."""
    settings.DEBUG = debug
    theirs = old_answer(question, alice, "Un avis à juger.")
    sign_in(page, live_server, dave_suspended)
    page.goto(question.get_absolute_url())
    page.locator(f"#a{theirs.pk} .vote__button--up").click()
    expect(page.locator(f"#a{theirs.pk} .vote__error")).to_contain_text("suspendu jusqu’au")
    expect(page.locator("h1")).to_contain_text(question.text)  # still the discussion
    assert not Vote.objects.exists()


def test_sort_menu_reorders_answers(page, question, alice, bob, make_member):
    first = old_answer(question, alice, "La plus ancienne.")
    second = old_answer(question, alice, "La préférée.")
    Answer.objects.filter(pk=second.pk).update(created_at=timezone.now() - timedelta(hours=2))
    for n in range(3):
        do_set_vote(voter=make_member(f"fan{n}"), answer=second, value=1)
    page.goto(question.get_absolute_url())
    nodes = page.locator("#thread > li.node")
    expect(nodes.first).to_contain_text("La préférée.")  # best first by default
    # With JavaScript the menu takes effect when changed: its button is for those without.
    expect(page.get_by_role("button", name="Trier")).to_be_hidden()
    page.select_option("#sort", "old")
    expect(page).to_have_url(re.compile(r"\?sort=old$"))
    expect(nodes.first).to_contain_text("La plus ancienne.")
    page.goto(question.get_absolute_url())  # the choice is remembered
    expect(page.locator("#thread > li.node").first).to_contain_text(first.body)
