"""The public moderation log: every decision, newest first, open to everyone."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from forum.accounts import anonymise_member
from forum.moderation.actions import do_decide, do_flag, do_sanction, do_set_question_state
from tests.factories import make_answer, make_article, make_member, make_question
from tests.pages import soup, text_of

LOG = "/moderation/log/"
REMOVED_TEXT = "Un texte injurieux que personne ne doit relire."


@pytest.fixture
def topic(db):
    article = make_article(title="La guerre des puces")
    return make_question(article, text="Faut-il s’en inquiéter ?")


@pytest.fixture
def removed(topic, bob, moderator):
    """Bob's answer, removed by the moderator for abuse."""
    answer = make_answer(topic, bob, body=REMOVED_TEXT)
    do_decide(
        moderator=moderator, answer=answer, verb="remove", seen_version=answer.version,
        rule="abuse", reason="Attaque personnelle contre un autre lecteur.",
    )  # fmt: skip
    return answer


def entries(response):
    return soup(response).select("li.log__entry")


def test_anyone_reads_the_log_newest_first(client, removed, bob, moderator, topic):
    warning = do_sanction(moderator=moderator, member=bob, verb="warn", reason="Restez courtois.")
    lock = do_set_question_state(moderator=moderator, question=topic, verb="lock")
    response = client.get("/en" + LOG)
    assert response.status_code == 200
    verbs = [entry.select_one(".log__what strong").text for entry in entries(response)]
    assert verbs == ["Locked", "Warned", "Removed"]
    assert [entry["id"] for entry in entries(response)] == [
        f"action-{lock.pk}",
        f"action-{warning.pk}",
        f"action-{removed.actions.get().pk}",
    ]


def test_a_removal_links_to_the_tombstone_and_never_shows_the_text(client, removed):
    response = client.get(LOG)
    assert REMOVED_TEXT not in response.content.decode()
    (entry,) = entries(response)
    link = entry.select_one(".log__what a")
    assert link["href"] == f"/a/{removed.pk}/"
    what = " ".join(entry.select_one(".log__what").text.split())
    assert "Faut-il s’en inquiéter" in what and "La guerre des puces" in what


def test_an_entry_says_the_rule_the_reason_and_the_source(client, removed):
    text = text_of(client.get("/en" + LOG))
    assert "Rule: harassment or abuse" in text  # the label, not the key "abuse"
    assert "Reason: Attaque personnelle contre un autre lecteur." in text
    assert "Source: a moderator’s own initiative" in text  # nobody had flagged it


def test_a_decision_on_flags_says_so(client, topic, alice, moderator):
    answer = make_answer(topic, alice)
    do_flag(reporter=make_member("louis"), answer=answer, reason="spam")
    answer.refresh_from_db()
    do_decide(
        moderator=moderator, answer=answer, verb="spam", seen_version=answer.version,
        rule="spam", reason="Lien publicitaire.",
    )  # fmt: skip
    assert "Source: flags from members" in text_of(client.get("/en" + LOG))


def test_moderators_are_not_named_unless_the_site_says_so(client, removed, settings):
    text = text_of(client.get("/en" + LOG))
    assert "decided by the moderation team" in text and "modo" not in text
    settings.MODERATION_LOG_NAMES_MODERATORS = True
    text = text_of(client.get("/en" + LOG))
    assert "decided by modo" in text and "moderation team" not in text


def test_an_automatic_hold_says_so(client, topic, alice, settings):
    settings.FLAG_HIDE_WEIGHT = 1
    answer = make_answer(topic, alice)
    do_flag(reporter=make_member("louis"), answer=answer, reason="spam")
    text = text_of(client.get("/en" + LOG))
    assert "Held for review" in text
    assert "Source: automatic (flags past the threshold) · automatic decision" in text


def test_a_sanction_names_the_member_and_links_to_their_page(client, bob, moderator):
    until = timezone.now() + timedelta(days=3)
    do_sanction(moderator=moderator, member=bob, verb="suspend", reason="Insultes.", until=until)
    (entry,) = entries(client.get("/en" + LOG))
    assert entry.select_one(".log__what a")["href"] == "/en/members/bob/"
    assert "until" in entry.select_one(".log__what").text


def test_an_anonymised_member_is_named_as_a_deleted_account(client, bob, moderator):
    do_sanction(moderator=moderator, member=bob, verb="warn", reason="Restez courtois.")
    anonymise_member(user=bob)
    (entry,) = entries(client.get(LOG))
    assert "[compte supprimé]" in entry.text
    assert entry.select_one(".log__what a") is None
    assert "bob" not in entry.text


def test_a_question_entry_links_to_the_question(client, topic, moderator):
    do_set_question_state(moderator=moderator, question=topic, verb="close", reason="Hors délai.")
    (entry,) = entries(client.get(LOG))
    link = entry.select_one(".log__what a")
    assert link["href"] == topic.get_absolute_url()
    assert "Faut-il s’en inquiéter" in link.text


def test_filter_by_action(client, removed, bob, moderator):
    do_sanction(moderator=moderator, member=bob, verb="warn", reason="Restez courtois.")
    (entry,) = entries(client.get(LOG + "?action=warn"))
    assert "bob" in entry.text


def test_filter_by_article(client, removed, moderator, alice):
    elsewhere = make_question(make_article(title="Autre article"))
    do_set_question_state(moderator=moderator, question=elsewhere, verb="lock")
    response = client.get(LOG + f"?article={removed.question.article.slug}")
    (entry,) = entries(response)
    assert entry["id"] == f"action-{removed.actions.get().pk}"
    both = client.get(LOG + f"?article={elsewhere.article.slug}&action=lock")
    assert len(entries(both)) == 1


def test_an_unknown_action_is_a_400_that_says_why(client, removed):
    response = client.get("/en" + LOG + "?action=obliterate")
    assert response.status_code == 400
    assert "There is no such action in the log." in text_of(response)


def test_an_unknown_article_is_a_400_that_says_why(client, removed):
    response = client.get("/en" + LOG + "?article=nope\x00")
    assert response.status_code == 400
    assert "There is no such article." in text_of(response)


def test_an_unpublished_articles_slug_is_unknown(client, removed):
    draft = make_article("draft")
    assert client.get(LOG + f"?article={draft.slug}").status_code == 400


def _many_actions(question, moderator, count):
    for n in range(count):
        do_set_question_state(
            moderator=moderator, question=question, verb="lock" if n % 2 == 0 else "reopen"
        )


def test_fifty_entries_a_page(client, topic, moderator):
    _many_actions(topic, moderator, 53)
    first = client.get(LOG)
    assert len(entries(first)) == 50
    second = client.get(LOG + "?page=2")
    assert len(entries(second)) == 3
    assert soup(first).select_one("a[rel=next]")["href"] == "?page=2"


def test_pages_keep_the_filters(client, topic, moderator):
    _many_actions(topic, moderator, 120)
    page = client.get(LOG + "?action=lock")
    assert soup(page).select_one("a[rel=next]")["href"] == "?action=lock&page=2"


@pytest.mark.parametrize(("page", "shown"), [("abc", 50), ("999999999999999999999", 3), ("-1", 3)])
def test_a_page_out_of_range_is_never_an_error(client, topic, moderator, page, shown):
    _many_actions(topic, moderator, 53)
    response = client.get(LOG + f"?page={page}")
    assert response.status_code == 200
    assert len(entries(response)) == shown


def test_an_empty_log_says_so(client, db):
    assert "The moderators have decided nothing yet." in text_of(client.get("/en" + LOG))


def test_no_entry_for_these_filters_says_so(client, removed):
    text = text_of(client.get("/en" + LOG + "?action=ban"))
    assert "No entry matches these filters." in text


@pytest.mark.parametrize("count", [3, 50])
def test_a_page_costs_three_queries_whatever_it_shows(client, topic, moderator, bob, count):
    for n in range(count):
        answer = make_answer(topic, bob, body=f"Réponse {n}.")
        do_decide(
            moderator=moderator, answer=answer, verb="remove", seen_version=answer.version,
            rule="spam", reason="Publicité.",
        )  # fmt: skip
    do_sanction(moderator=moderator, member=bob, verb="warn", reason="Restez courtois.")
    do_set_question_state(moderator=moderator, question=topic, verb="lock")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(LOG)
    assert len(entries(response)) == min(count + 2, 50)
    # The count of entries, the page of them with what they are about, the articles.
    assert len(queries) == 3, [q["sql"] for q in queries]


def test_the_log_is_open_to_a_moderator_without_a_second_factor(client_for, moderator, removed):
    assert client_for(moderator).get(LOG).status_code == 200


def test_every_page_links_to_the_log_in_its_footer(client, db):
    assert soup(client.get("/")).select_one(f".site-footer a[href='{LOG}']")
    assert soup(client.get("/en/")).select_one(".site-footer a[href='/en/moderation/log/']")


def test_post_is_405(client, db):
    client.open_a_form_page()  # the CSRF cookie of a visitor about to write
    assert client.post(LOG).status_code == 405
