"""Statements of reasons by e-mail: what was decided, about what, on which rule, why, and
that the decision may be appealed, in the language of the member it is sent to."""

from datetime import datetime

import pytest
from django.db import connection
from django.template import RequestContext, Template
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from forum.models import Notification, User
from forum.moderation.actions import do_decide, do_sanction
from tests.factories import make_answer, make_article, make_question
from tests.pages import soup

SITE = "http://127.0.0.1:8000"


@pytest.fixture
def topic(db):
    return make_question(make_article(title="La guerre des puces"), text="Faut-il s’inquiéter ?")


def speaks(member: User, language: str) -> User:
    member.remember_language(language)
    return member


def remove(answer, moderator, rule="abuse", reason="Attaque personnelle."):
    return do_decide(
        moderator=moderator, answer=answer, verb="remove", seen_version=answer.version,
        rule=rule, reason=reason,
    )  # fmt: skip


def test_a_removal_is_explained_in_english_to_an_english_reader(
    topic, bob, moderator, mailoutbox, django_capture_on_commit_callbacks
):
    answer = make_answer(topic, speaks(bob, "en"), body="Mon premier argument, un peu vif.")
    with django_capture_on_commit_callbacks(execute=True):
        remove(answer, moderator)
    (mail,) = mailoutbox
    assert mail.to == ["bob@example.org"]
    assert mail.subject == "[Agora] A moderation decision about your answer"
    assert "Hello bob," in mail.body
    assert "your answer to the question “Faut-il s’inquiéter\u202f?”" in mail.body
    assert "Decision: removed\n" in mail.body
    assert "Rule: harassment or abuse\n" in mail.body
    assert "Reason: Attaque personnelle.\n" in mail.body
    assert "Your answer began: “Mon premier argument, un peu vif.”" in mail.body
    assert f"Where it was: {SITE}/en/a/{answer.pk}/\n" in mail.body
    assert "You will be able to appeal this decision." in mail.body
    assert f"{SITE}/en/moderation/log/" in mail.body


def test_a_french_reader_reads_it_in_french(
    topic, bob, moderator, mailoutbox, django_capture_on_commit_callbacks
):
    answer = make_answer(topic, speaks(bob, "fr"))
    with django_capture_on_commit_callbacks(execute=True):
        remove(answer, moderator)
    (mail,) = mailoutbox
    assert "Motif\u00a0: Attaque personnelle.\n" in mail.body  # "Reason: …" in French
    assert f"{SITE}/a/{answer.pk}/" in mail.body and "/en/" not in mail.body
    assert "Reason:" not in mail.body


def test_the_html_part_says_the_same_with_links(
    topic, bob, moderator, mailoutbox, django_capture_on_commit_callbacks
):
    answer = make_answer(topic, speaks(bob, "en"))
    with django_capture_on_commit_callbacks(execute=True):
        remove(answer, moderator, reason="Vous visez <b>une personne</b>.")
    ((html, mimetype),) = mailoutbox[0].alternatives
    assert mimetype == "text/html"
    assert '<html lang="en">' in html
    assert f'<a href="{SITE}/en/a/{answer.pk}/">' in html
    assert "Reason: Vous visez &lt;b&gt;une personne&lt;/b&gt;." in html
    assert "<b>" not in html


def test_a_suspension_says_until_when(
    bob, moderator, mailoutbox, django_capture_on_commit_callbacks
):
    until = datetime(2999, 3, 4, 18, 30, tzinfo=timezone.get_fixed_timezone(60))
    with django_capture_on_commit_callbacks(execute=True):
        do_sanction(
            moderator=moderator, member=speaks(bob, "en"), verb="suspend",
            reason="Insultes répétées.", until=until,
        )  # fmt: skip
    (mail,) = mailoutbox
    assert mail.subject == "[Agora] A moderation decision about your account"
    assert "made a decision about your account." in mail.body
    assert "Decision: suspended, until 4 March 2999, 18:30\n" in mail.body
    assert "Reason: Insultes répétées.\n" in mail.body
    assert "Rule:" not in mail.body  # none was named
    assert "You will be able to appeal this decision." in mail.body


def test_a_warning_is_a_warning(bob, moderator, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        do_sanction(
            moderator=moderator, member=speaks(bob, "en"), verb="warn",
            reason="Restez courtois.", rule="abuse",
        )  # fmt: skip
    (mail,) = mailoutbox
    assert mail.subject == "[Agora] A warning from the moderators"
    assert "are warning you" in mail.body
    assert "Rule: harassment or abuse\n" in mail.body


def test_a_restored_answer_is_no_decision_to_appeal(
    topic, bob, moderator, mailoutbox, django_capture_on_commit_callbacks
):
    answer = make_answer(topic, speaks(bob, "en"))
    with django_capture_on_commit_callbacks(execute=True):
        remove(answer, moderator)
        do_decide(
            moderator=moderator, answer=answer, verb="restore", seen_version=answer.version,
            reason="Retiré par erreur.",
        )  # fmt: skip
    _removal, restoration = mailoutbox
    assert "Decision: restored\n" in restoration.body
    assert "appeal" not in restoration.body


def test_the_excerpt_is_never_the_markup(
    topic, bob, moderator, mailoutbox, django_capture_on_commit_callbacks
):
    answer = make_answer(topic, speaks(bob, "en"), body="**Gras** et [lien](https://x.example)")
    with django_capture_on_commit_callbacks(execute=True):
        remove(answer, moderator)
    assert "Your answer began: “Gras et lien”" in mailoutbox[0].body


# --- On the site, at the member's next visit ---------------------------------------------

# A page that every member can open, and another one.
HOME, OTHER = "/en/", "/en/moderation/log/"


def notices(response):
    return soup(response).select("#notices article")


def read_url(notice) -> str:
    return f"/notifications/{notice.pk}/read/"


@pytest.fixture
def removal(topic, bob, moderator):
    """Bob's answer removed: one unread statement for him."""
    answer = make_answer(topic, bob)
    action = remove(answer, moderator)
    return Notification.objects.get(action=action)


def test_the_next_page_shows_what_was_decided_and_why(client_for, removal, bob):
    (notice,) = notices(client_for(bob).get(HOME))
    text = " ".join(notice.text.split())
    assert notice.h3.text == "A moderation decision about your answer"
    assert "Decision: removed · your answer to “Faut-il s’inquiéter ?”" in text
    assert "Rule: harassment or abuse" in text and "Reason: Attaque personnelle." in text
    assert "You will be able to appeal this decision." in text
    assert notice.select_one("a")["href"] == f"/en/a/{removal.action.answer_id}/"
    assert notice.select_one("time")["datetime"]


def test_a_warning_stays_on_every_page_until_acknowledged(client_for, bob, moderator):
    do_sanction(moderator=moderator, member=bob, verb="warn", reason="Restez courtois.")
    browser = client_for(bob)
    for page in (HOME, OTHER, HOME):
        (notice,) = notices(browser.get(page))
        assert notice.h3.text == "A warning from the moderators"
    browser.submit(HOME, "#notices form", {})
    assert notices(browser.get(OTHER)) == []


def test_a_suspension_says_until_when_on_the_site(client_for, bob, moderator):
    until = datetime(2999, 3, 4, 18, 30, tzinfo=timezone.get_fixed_timezone(60))
    do_sanction(moderator=moderator, member=bob, verb="suspend", reason="Insultes.", until=until)
    (notice,) = notices(client_for(bob).get(HOME))
    assert "Decision: suspended · your account, until 4 March 2999, 18:30" in " ".join(
        notice.text.split()
    )


def test_nobody_else_sees_them(client, client_for, removal, alice):
    assert notices(client_for(alice).get(HOME)) == []
    assert notices(client.get(HOME)) == []


def test_a_few_at_a_time_say_that_more_follow(client_for, topic, bob, moderator):
    for _ in range(6):
        remove(make_answer(topic, bob), moderator)
    page = client_for(bob).get(HOME)
    assert len(notices(page)) == 5
    assert "More messages from the moderators follow" in soup(page).select_one("#notices").text


def test_an_anonymous_page_never_asks_about_notices(client, removal):
    with CaptureQueriesContext(connection) as queries:
        client.get(HOME)
    assert not [q for q in queries if "forum_notification" in q["sql"]]


def _notification_queries(browser) -> list[str]:
    browser.get(HOME)
    with CaptureQueriesContext(connection) as queries:
        browser.get(HOME)
    return [q["sql"] for q in queries if "forum_notification" in q["sql"]]


def test_a_members_page_asks_the_count_then_the_statements(client_for, removal, bob):
    asked = _notification_queries(client_for(bob))
    assert len(asked) == 2 and "COUNT(*)" in asked[0]


def test_a_member_with_nothing_unread_is_asked_only_the_count(client_for, removal, bob):
    Notification.objects.filter(recipient=bob).update(read_at=timezone.now())
    asked = _notification_queries(client_for(bob))
    assert len(asked) == 1 and "COUNT(*)" in asked[0]


def test_a_fragment_that_prints_no_banner_never_asks(rf, removal, bob):
    request = rf.get(HOME)
    request.user = bob
    with CaptureQueriesContext(connection) as queries:
        Template("{% load i18n %}{% translate 'Answers' %}").render(RequestContext(request))
    assert len(queries) == 0


# --- "I have read this" (forum:notification_read) -------------------------------------------


def test_read_without_javascript_goes_back_to_the_page(client_for, removal, bob):
    browser = client_for(bob)
    response = browser.submit(OTHER, "#notices form", {})
    assert response.status_code == 302
    assert response["Location"] == OTHER
    removal.refresh_from_db()
    assert removal.read_at is not None
    assert notices(browser.get(OTHER)) == []


def test_read_with_htmx_leaves_the_others_in_place(client_for, topic, removal, bob, moderator):
    older = removal
    newer = Notification.objects.get(action=remove(make_answer(topic, bob), moderator))
    browser = client_for(bob)
    response = browser.submit(HOME, f"#notice-{newer.pk} form", {}, htmx=True)
    assert response.status_code == 200
    fragment = soup(response)
    assert [a["id"] for a in fragment.select("article")] == [f"notice-{older.pk}"]
    assert fragment.select_one("[data-autofocus]").text == "From the moderators"
    assert "Marked as read." in response["HX-Trigger-After-Settle"]
    # The forms left keep the page to go back to, not this address.
    assert fragment.select_one("input[name=next]")["value"] == HOME


def test_reading_the_last_one_leaves_nothing_but_a_word_for_screen_readers(
    client_for, removal, bob
):
    response = client_for(bob).submit(HOME, "#notices form", {}, htmx=True)
    fragment = soup(response)
    assert fragment.select("article") == []
    assert fragment.select_one("[data-autofocus]").text == "Marked as read."


def test_someone_elses_notice_is_404(client_for, removal, alice):
    browser = client_for(alice)
    browser.get(HOME)
    assert browser.post(read_url(removal)).status_code == 404
    removal.refresh_from_db()
    assert removal.read_at is None


def test_an_unknown_notice_is_404(client_for, bob):
    browser = client_for(bob)
    browser.get(HOME)
    assert browser.post("/notifications/99999/read/").status_code == 404
    assert browser.post(f"/notifications/{2**64}/read/").status_code == 404


def test_get_is_405(client_for, removal, bob):
    assert client_for(bob).get(read_url(removal)).status_code == 405


def test_an_anonymous_visitor_is_sent_to_sign_in(client, removal):
    client.open_a_form_page()  # the CSRF cookie of a visitor about to write
    response = client.post(read_url(removal), {"next": "/en/"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/en/")
    removal.refresh_from_db()
    assert removal.read_at is None


def test_an_anonymous_htmx_request_is_sent_to_sign_in(client, removal):
    client.open_a_form_page()  # the CSRF cookie of a visitor about to write
    response = client.post(read_url(removal), {"next": "/en/"}, headers={"HX-Request": "true"})
    assert response["HX-Redirect"] == "/accounts/login/?next=%2Fen%2F"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "javascript:x"])
def test_a_next_elsewhere_goes_home(client_for, removal, bob, target):
    browser = client_for(bob)
    browser.get(HOME)
    response = browser.post(read_url(removal), {"next": target})
    assert response["Location"] == "/"


def test_reading_twice_changes_nothing(client_for, removal, bob):
    browser = client_for(bob)
    browser.submit(HOME, "#notices form", {})
    first = Notification.objects.get(pk=removal.pk).read_at
    browser.get(HOME)
    assert browser.post(read_url(removal), {"next": HOME}).status_code == 302
    assert Notification.objects.get(pk=removal.pk).read_at == first
