"""Moderators see a link to the queue in the header, with how many answers wait in it."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from forum.moderation.actions import do_flag
from tests.factories import make_answer, make_member, make_question
from tests.pages import soup

HOME = "/en/"


@pytest.fixture
def waiting(db, alice, bob):
    """Three answers for the desk: two held for review, one flagged."""
    question = make_question()
    make_answer(question, alice, status="pending")
    make_answer(question, bob, status="pending")
    do_flag(reporter=make_member("louis"), answer=make_answer(question, alice), reason="spam")


def desk_link(response):
    return soup(response).select_one(".site-nav a[href$='/moderation/']")


def test_a_moderator_sees_the_queue_and_its_count(client_for, moderator, waiting):
    link = desk_link(client_for(moderator).get(HOME))
    assert link["href"] == "/en/moderation/"
    assert link.text == "Moderation (3)"
    assert link["aria-label"] == "Moderation queue: 3 waiting"


def test_staff_see_it_too(client_for, make_member, waiting):
    staff = make_member("staffer", is_staff=True)
    assert desk_link(client_for(staff).get(HOME)).text == "Moderation (3)"


def test_members_and_readers_do_not(client, client_for, alice, waiting):
    assert desk_link(client_for(alice).get(HOME)) is None
    assert desk_link(client.get(HOME)) is None


def test_the_count_is_kept_a_few_seconds(client_for, moderator, waiting, alice):
    browser = client_for(moderator)
    browser.get(HOME)
    make_answer(make_question(), alice, status="pending")
    assert desk_link(browser.get(HOME)).text == "Moderation (3)"  # cached
    cache.delete("moderation:waiting")  # as when it expires
    assert desk_link(browser.get(HOME)).text == "Moderation (4)"


def _counting_waiting(queries):
    return [
        q
        for q in queries
        if q["sql"].startswith('SELECT COUNT(*) AS "__count" FROM "forum_answer"')
    ]


def test_nothing_is_counted_for_a_member(client_for, alice, waiting):
    with CaptureQueriesContext(connection) as queries:
        client_for(alice).get(HOME)
    assert _counting_waiting(queries) == []


def test_a_moderators_pages_count_once_for_a_few_seconds(client_for, moderator, waiting):
    browser = client_for(moderator)
    with CaptureQueriesContext(connection) as first:
        browser.get(HOME)
    with CaptureQueriesContext(connection) as second:
        browser.get(HOME)
    assert len(_counting_waiting(first)) == 2  # pending, flagged
    assert _counting_waiting(second) == []


def test_whether_a_member_moderates_is_asked_once_a_minute(client_for, alice):
    browser = client_for(alice)
    with CaptureQueriesContext(connection) as first:
        browser.get(HOME)
    with CaptureQueriesContext(connection) as second:
        browser.get(HOME)
    assert len([q for q in first if "auth_group" in q["sql"]]) == 1
    assert [q for q in second if "auth_group" in q["sql"]] == []


def test_a_signed_in_page_costs_one_query_more_than_before(client_for, alice):
    """The home page of a member: the session with the member, then the banner's one
    query."""
    browser = client_for(alice)
    browser.get(HOME)  # whether alice moderates is now known for a minute
    with CaptureQueriesContext(connection) as queries:
        browser.get(HOME)
    tables = [q["sql"].split(" FROM ")[1].split()[0] for q in queries]
    assert tables.count('"forum_notification"') == 1
    assert len(queries) == 3, tables  # session with member, notices, the articles


def test_the_link_is_current_on_the_queue(moderator_client, waiting):
    link = desk_link(moderator_client.get("/en/moderation/"))
    assert link["aria-current"] == "page"
    assert desk_link(moderator_client.get(HOME)).get("aria-current") is None


def test_open_notices_and_appeals_count_too(client_for, moderator, waiting, alice):
    from forum.models import Notice

    answer = make_answer(make_question(), alice, body="Propos diffamatoires.")
    Notice.objects.create(answer=answer, ground="defamation", explanation="Faux.",
                          quoted_text=answer.body, good_faith=True)  # fmt: skip
    cache.clear()
    assert desk_link(client_for(moderator).get(HOME)).text == "Moderation (4)"


def test_a_question_page_reads_whether_its_reader_moderates_with_their_other_facts(
    client_for, alice, moderator
):
    """The question page asks it in the one statement of the member's facts
    (forum.views.threads), so it needs neither the minute-long memo in the cache nor a
    query of its own, and a member made a moderator sees the link on the next one."""
    from django.contrib.auth.models import Group

    from forum.models import MODERATORS_GROUP

    question = make_question()
    url = "/en" + question.get_absolute_url()
    browser = client_for(alice)
    assert desk_link(browser.get(url)) is None
    alice.groups.add(Group.objects.get(name=MODERATORS_GROUP))
    with CaptureQueriesContext(connection) as queries:
        assert desk_link(browser.get(url)) is not None
    assert not [q for q in queries if q["sql"].startswith('SELECT 1 AS "a" FROM "auth_group"')]
    assert desk_link(client_for(moderator).get(url)) is not None
    assert cache.get(f"moderation:is-moderator:{alice.pk}") is None
