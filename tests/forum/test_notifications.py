"""Notifications: who is told of what, the inbox, the header's count, e-mail at once or in
the daily digest, and the e-mails' one-click unsubscribe link."""

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from forum.models import Block, Follow, ModerationAction, Notification, User
from forum.moderation.actions import do_decide, do_flag
from forum.notifications import (
    fan_out,
    next_digest_time,
    send_digests,
    unsubscribe_url,
)
from tests.factories import make_answer
from tests.pages import soup, text_of

INBOX = "/en/notifications/"
Kind = Notification.Kind
Verb = ModerationAction.Verb


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run what waits for the commit (the fan-out task, the e-mails), as production does
    once the transaction that published an answer commits."""

    def run(action):
        with django_capture_on_commit_callbacks(execute=True):
            return action()

    return run


@pytest.fixture
def alices_answer(question, alice, committed):
    return committed(lambda: make_answer(question, alice, body="Le rapport de l’ASPI compte."))


def reply(committed, parent, author, body="Je ne suis pas d’accord."):
    return committed(lambda: make_answer(parent.question, author, parent=parent, body=body))


def told(member) -> list[tuple[str, int]]:
    return [
        (n.kind, n.answer_id) for n in Notification.objects.filter(recipient=member).order_by("pk")
    ]


def decide(moderator, answer, verb, **extra):
    answer.refresh_from_db()
    return do_decide(
        moderator=moderator, answer=answer, verb=verb, seen_version=answer.version, **extra
    )


# --- Who is told -------------------------------------------------------------------------


def test_a_reply_tells_the_author_at_once_by_email(alices_answer, bob, alice, committed):
    mail.outbox.clear()
    theirs = reply(committed, alices_answer, bob)
    assert told(alice) == [(Kind.REPLY, theirs.pk)]
    [message] = mail.outbox
    assert message.to == ["alice@example.org"]
    assert message.subject == "[Agora] bob a répondu à votre réponse"
    assert "Je ne suis pas d’accord." in message.body
    assert f"/a/{theirs.pk}/" in message.body
    assert message.from_email.startswith("Agora <")


def test_nobody_is_told_of_their_own_reply(alices_answer, alice, committed):
    reply(committed, alices_answer, alice, body="Je précise ma pensée.")
    assert told(alice) == []


def test_a_reply_waiting_for_review_tells_nobody_until_approved(
    alices_answer, bob, alice, moderator, committed
):
    User.objects.filter(pk=bob.pk).update(premoderated=True)  # his answers wait for review
    bob.refresh_from_db()
    mail.outbox.clear()
    waiting = reply(committed, alices_answer, bob)
    assert waiting.status == "pending"
    assert told(alice) == [] and mail.outbox == []
    committed(lambda: decide(moderator, waiting, Verb.APPROVE))
    assert told(alice) == [(Kind.REPLY, waiting.pk)]
    assert [m.to for m in mail.outbox if "répondu" in m.subject] == [["alice@example.org"]]


def test_a_reply_removed_later_leaves_the_inbox_and_a_restore_tells_nobody_twice(
    alices_answer, bob, alice, moderator, committed, client_for
):
    theirs = reply(committed, alices_answer, bob)
    committed(lambda: decide(moderator, theirs, Verb.REMOVE, rule="spam", reason="Pub."))
    assert "bob replied to your answer" not in text_of(client_for(alice).get(INBOX))
    committed(lambda: decide(moderator, theirs, Verb.RESTORE, reason="Erreur."))
    assert told(alice) == [(Kind.REPLY, theirs.pk)]
    assert "bob replied to your answer" in text_of(client_for(alice).get(INBOX))


def test_a_blocked_member_causes_no_notification(alices_answer, bob, alice, committed):
    Block.objects.create(blocker=alice, blocked=bob)
    mail.outbox.clear()
    reply(committed, alices_answer, bob)
    assert told(alice) == [] and mail.outbox == []


def test_blocking_after_the_fact_hides_what_they_caused(
    alices_answer, bob, alice, committed, client_for
):
    reply(committed, alices_answer, bob)
    Block.objects.create(blocker=alice, blocked=bob)
    assert "bob replied" not in text_of(client_for(alice).get(INBOX))


def test_an_author_who_stops_following_hears_no_more_replies(alices_answer, bob, alice, committed):
    Follow.objects.filter(member=alice, answer=alices_answer).delete()
    reply(committed, alices_answer, bob)
    assert told(alice) == []


def test_followers_of_an_answer_hear_of_its_replies(
    alices_answer, bob, charlie, alice, committed, client_for
):
    Follow.objects.create(member=charlie, answer=alices_answer)
    theirs = reply(committed, alices_answer, bob)
    assert told(charlie) == [(Kind.REPLY, theirs.pk)]
    assert "bob replied to an answer you follow" in text_of(client_for(charlie).get(INBOX))


def test_following_a_question_or_its_article_tells_of_new_answers_once(
    question, alice, bob, charlie, committed
):
    Follow.objects.create(member=bob, question=question)
    Follow.objects.create(member=charlie, article=question.article)
    Follow.objects.create(member=charlie, question=question)  # both: still told once
    answer = committed(lambda: make_answer(question, alice))
    assert told(bob) == [(Kind.FOLLOWED, answer.pk)]
    assert told(charlie) == [(Kind.FOLLOWED, answer.pk)]


def test_a_reply_to_a_followed_answer_in_a_followed_question_is_one_notification(
    alices_answer, bob, alice, committed
):
    Follow.objects.create(member=alice, question=alices_answer.question)
    theirs = reply(committed, alices_answer, bob)
    assert told(alice) == [(Kind.REPLY, theirs.pk)]


def test_the_fan_out_runs_again_without_telling_twice(alices_answer, bob, alice, committed):
    theirs = reply(committed, alices_answer, bob)
    assert fan_out(theirs.pk) == 0
    assert told(alice) == [(Kind.REPLY, theirs.pk)]


def test_featured_and_pinned_answers_tell_their_author(alices_answer, alice, moderator, committed):
    mail.outbox.clear()
    committed(lambda: decide(moderator, alices_answer, Verb.FEATURE))
    assert told(alice) == [(Kind.HIGHLIGHT, alices_answer.pk)]
    assert [m.subject for m in mail.outbox] == [
        "[Agora] Les modérateurs ont mis votre réponse en avant"
    ]


def test_the_members_who_flagged_hear_the_outcome(
    alices_answer, bob, charlie, moderator, committed, settings, client_for
):
    do_flag(reporter=bob, answer=alices_answer, reason="spam")
    do_flag(reporter=charlie, answer=alices_answer, reason="spam")
    committed(lambda: decide(moderator, alices_answer, Verb.APPROVE))
    assert told(bob) == told(charlie) == [(Kind.FLAG, alices_answer.pk)]
    page = text_of(client_for(bob).get(INBOX))
    assert "The moderators kept the answer you flagged" in page


# --- The inbox, the header ----------------------------------------------------------------


def test_replies_before_one_looks_are_grouped(
    alices_answer, bob, charlie, alice, committed, client_for
):
    for author in (bob, charlie, bob):
        reply(committed, alices_answer, author)
    page = client_for(alice).get(INBOX)
    items = soup(page).select(".inbox__item")
    assert len(items) == 1
    assert "3 new replies to your answer" in items[0].text
    # The group leads to the answer replied to, which shows them all.
    assert items[0].select_one("a")["href"] == f"/en/a/{alices_answer.pk}/"


def test_french_grouping_reads_naturally(alices_answer, bob, charlie, alice, committed, client_for):
    reply(committed, alices_answer, bob)
    reply(committed, alices_answer, charlie)
    assert "2 nouvelles réponses à votre réponse" in text_of(
        client_for(alice).get("/notifications/")
    )


def test_the_header_counts_unread_and_opening_the_reply_reads_it(
    alices_answer, bob, alice, committed, client_for
):
    theirs = reply(committed, alices_answer, bob)
    browser = client_for(alice)
    badge = soup(browser.get("/en/")).select_one("#inbox-link .badge")
    assert badge is not None and "1" in badge.text
    link = soup(browser.get(INBOX)).select_one(".inbox__item a")["href"]
    assert link == f"/en/a/{theirs.pk}/"
    browser.get(link)
    assert soup(browser.get("/en/")).select_one("#inbox-link .badge") is None
    assert Notification.objects.get(recipient=alice).read_at is not None


def test_mark_one_read_with_htmx_swaps_the_item_and_the_count(
    alices_answer, bob, alice, committed, client_for
):
    reply(committed, alices_answer, bob)
    reply(committed, Notification.objects.get().answer, alice)  # a reply to bob: he is told
    other = make_answer(alices_answer.question, bob)
    reply(committed, other, alice)  # two notifications for bob
    browser = client_for(bob)
    response = browser.submit(INBOX, ".inbox__item form", htmx=True)
    html = soup(response)
    assert response.status_code == 200
    assert html.select_one(".inbox__item--unread") is None  # the item, now read
    badge = html.select_one("#inbox-link[data-hx-swap-oob] .badge")
    assert badge is not None and "1" in badge.text
    assert Notification.objects.filter(recipient=bob, read_at__isnull=True).count() == 1


def test_mark_one_read_of_a_group_reads_the_group(
    alices_answer, bob, charlie, alice, committed, client_for
):
    reply(committed, alices_answer, bob)
    reply(committed, alices_answer, charlie)
    response = client_for(alice).submit(INBOX, ".inbox__item form")
    assert response.status_code == 302
    assert not Notification.objects.filter(recipient=alice, read_at__isnull=True).exists()


def test_mark_all_read(alices_answer, bob, charlie, alice, committed, client_for):
    reply(committed, alices_answer, bob)
    other = make_answer(alices_answer.question, alice)
    reply(committed, other, charlie)
    browser = client_for(alice)
    response = browser.submit(INBOX, "form[action='/en/notifications/read/']")
    assert response.status_code == 302 and response["Location"] == "/en/notifications/"
    assert not Notification.objects.filter(recipient=alice, read_at__isnull=True).exists()
    assert soup(browser.get(INBOX)).select(".inbox__item--unread") == []


def test_someone_elses_notification_is_not_found(alices_answer, bob, alice, committed, client_for):
    reply(committed, alices_answer, bob)
    theirs = Notification.objects.get(recipient=alice)
    browser = client_for(bob)
    browser.get(INBOX)
    assert browser.post(f"/en/notifications/{theirs.pk}/read/").status_code == 404
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_the_inbox_pages_older_notifications(question, alice, bob, client_for):
    answers = [make_answer(question, bob, body=f"Réponse {i}") for i in range(35)]
    Notification.objects.bulk_create(
        Notification(recipient=alice, kind=Kind.FOLLOWED, answer=a, actor=bob) for a in answers
    )
    browser = client_for(alice)
    first = soup(browser.get(INBOX))
    assert len(first.select(".inbox__item")) == 30
    older = first.select_one("a[rel=next]")["href"]
    second = soup(browser.get(INBOX + older))
    assert len(second.select(".inbox__item")) == 5
    assert second.select_one("a[rel=next]") is None
    assert browser.get(INBOX + "?before=abc").status_code == 404


def test_the_inbox_asks_the_same_queries_for_30_or_3_notifications(
    question, alice, bob, client_for, django_assert_max_num_queries
):
    browser = client_for(alice)
    answers = [make_answer(question, bob, body=f"Réponse {i}") for i in range(40)]
    Notification.objects.bulk_create(
        Notification(recipient=alice, kind=Kind.FOLLOWED, answer=a, actor=bob) for a in answers
    )
    browser.get(INBOX)
    with django_assert_max_num_queries(8):
        browser.get(INBOX)


def test_the_inbox_is_for_members(client):
    response = client.get(INBOX)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_an_empty_inbox_says_what_will_show(client_for, alice):
    assert "Replies to your answers, mentions" in text_of(client_for(alice).get(INBOX))


# --- E-mail preferences --------------------------------------------------------------------


def test_followed_questions_wait_for_the_digest_by_default(question, alice, bob, committed):
    Follow.objects.create(member=bob, question=question)
    mail.outbox.clear()
    committed(lambda: make_answer(question, alice))
    assert mail.outbox == []
    assert Notification.objects.get(recipient=bob).emailed_at is None


def test_never_means_no_email_but_the_inbox_still_shows_it(alices_answer, bob, alice, committed):
    User.objects.filter(pk=alice.pk).update(email_replies="never")
    mail.outbox.clear()
    reply(committed, alices_answer, bob)
    assert mail.outbox == [] and told(alice) != []


def test_an_unconfirmed_address_gets_no_email(question, bob, committed, make_member):
    louis = make_member("louis", verified=False)
    answer = committed(lambda: make_answer(question, louis))
    mail.outbox.clear()
    reply(committed, answer, bob)
    assert told(louis) != [] and mail.outbox == []


def test_the_email_is_in_the_members_language(alices_answer, bob, alice, committed):
    User.objects.filter(pk=alice.pk).update(language="en")
    mail.outbox.clear()
    reply(committed, alices_answer, bob)
    [message] = mail.outbox
    assert message.subject == "[Agora] bob replied to your answer"
    assert "/en/unsubscribe/" in message.body


def test_every_email_carries_the_one_click_unsubscribe_headers(
    alices_answer, bob, alice, committed
):
    mail.outbox.clear()
    reply(committed, alices_answer, bob)
    [message] = mail.outbox
    headers = message.extra_headers
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = headers["List-Unsubscribe"].strip("<>")
    assert link.startswith("http") and "/unsubscribe/" in link
    assert link in message.body
    html, mime = message.alternatives[0]
    assert mime == "text/html" and link.replace("&", "&amp;") in html


def test_the_settings_page_saves_each_kind(client_for, alice):
    browser = client_for(alice)
    response = browser.submit(
        "/en/accounts/preferences/",
        "form#email-settings",
        {"email_followed": "now", "email_replies": "daily", "email_moderation": "never"},
    )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert (alice.email_followed, alice.email_replies, alice.email_moderation) == (
        "now", "daily", "never",
    )  # fmt: skip
    assert "Your e-mail settings are saved." in text_of(browser.get(response["Location"]))


def test_a_made_up_choice_is_refused_and_nothing_changes(client_for, alice):
    response = client_for(alice).submit(
        "/en/accounts/preferences/", "form#email-settings", {"email_replies": "hourly"}
    )
    assert response.status_code == 400
    alice.refresh_from_db()
    assert alice.email_replies == "now"


# --- Unsubscribing ---------------------------------------------------------------------


def test_the_link_asks_first_then_turns_the_kind_off(alice):
    alice.language = "en"  # the link opens the page in the member's language
    url = unsubscribe_url(alice, "email_replies")
    assert url.startswith("/en/unsubscribe/")
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(url)
    assert page.status_code == 200
    assert "Stop e-mails about replies to your answers?" in text_of(page)
    alice.refresh_from_db()
    assert alice.email_replies == "now"  # a link scanner's GET changes nothing
    done = browser.post(url)
    assert done.status_code == 200
    assert "you will no longer receive e-mails about replies to your answers" in text_of(done)
    alice.refresh_from_db()
    assert alice.email_replies == "never"
    assert alice.email_mentions == "now"  # only that kind


def test_one_click_from_the_mail_client(alice):
    url = unsubscribe_url(alice, "email_mentions")
    response = Client(enforce_csrf_checks=True).post(
        url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    alice.refresh_from_db()
    assert alice.email_mentions == "never"


def test_a_tampered_link_changes_nothing(alice, bob):
    url = unsubscribe_url(alice, "email_replies")
    token = url.rstrip("/").rsplit("/", 1)[1]
    _payload, stamp, signature = token.split(":")
    other = unsubscribe_url(bob, "email_replies").rstrip("/").rsplit("/", 1)[1]
    forged = url.replace(token, f"{other.split(':')[0]}:{stamp}:{signature}")  # bob's, alice's seal
    response = Client().post(forged)
    assert response.status_code == 404
    assert Client().post("/unsubscribe/nonsense/").status_code == 404
    alice.refresh_from_db()
    assert alice.email_replies == alice.email_mentions == "now"


def test_the_digest_link_stops_every_kind_sent_in_the_digest(alice):
    User.objects.filter(pk=alice.pk).update(email_replies="daily")
    url = unsubscribe_url(alice, "digest")
    Client().post(url)
    alice.refresh_from_db()
    assert (alice.email_replies, alice.email_followed, alice.email_mentions) == (
        "never", "never", "now",
    )  # fmt: skip


# --- The digest ------------------------------------------------------------------------


def test_the_digest_groups_by_article_and_question_and_goes_once(
    question, alice, bob, charlie, committed
):
    Follow.objects.create(member=bob, article=question.article)
    first = committed(lambda: make_answer(question, alice, body="Premier point de vue."))
    second = committed(lambda: make_answer(question, charlie, body="Second point de vue."))
    mail.outbox.clear()
    assert send_digests() == 1
    [digest] = mail.outbox
    assert digest.to == ["bob@example.org"]
    assert digest.subject == "[Agora] Votre résumé du jour\u00a0: 2 nouvelles notifications"
    body = digest.body
    assert question.article.title in body and "Premier point de vue." in body
    assert body.index(question.article.title) < body.index("Premier point de vue.")
    assert f"/a/{first.pk}/" in body and f"/a/{second.pk}/" in body
    assert digest.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    mail.outbox.clear()
    assert send_digests() == 0 and mail.outbox == []  # nothing new, nothing sent


def test_the_digest_leaves_out_what_was_read_or_removed(
    question, alice, bob, moderator, committed, client_for
):
    Follow.objects.create(member=bob, question=question)
    read = committed(lambda: make_answer(question, alice, body="Lu déjà."))
    removed = committed(lambda: make_answer(question, alice, body="Retiré ensuite."))
    client_for(bob).get(f"/a/{read.pk}/")
    committed(lambda: decide(moderator, removed, Verb.REMOVE, rule="spam", reason="Pub."))
    mail.outbox.clear()
    assert send_digests() == 0 and mail.outbox == []


def test_the_next_digest_is_at_the_time_set(settings):
    settings.NOTIFICATION_DIGEST_TIME = "07:30"
    now = timezone.make_aware(timezone.datetime(2026, 12, 2, 9, 0))
    moment = timezone.localtime(next_digest_time(now))
    assert (moment.day, moment.hour, moment.minute) == (3, 7, 30)
    early = timezone.make_aware(timezone.datetime(2026, 12, 2, 6, 0))
    assert timezone.localtime(next_digest_time(early)).day == 2
    assert next_digest_time(now) - now < timedelta(days=1)


def test_a_deleted_account_leaves_no_follow_block_or_notification_and_hears_nothing(
    alices_answer, bob, alice, charlie, committed
):
    from forum.accounts import anonymise_member

    Follow.objects.create(member=alice, question=alices_answer.question)
    Block.objects.create(blocker=alice, blocked=charlie)
    reply(committed, alices_answer, bob)
    anonymise_member(user=alice)
    assert not Follow.objects.filter(member=alice).exists()
    assert not Block.objects.filter(blocker=alice).exists()
    assert not Notification.objects.filter(recipient=alice).exists()
    reply(committed, alices_answer, charlie)
    assert told(alice) == []


def test_one_digest_always_waits_for_its_time(db, database_tasks, settings):
    from django_tasks_db.models import DBTaskResult

    from forum.notifications import schedule_digest
    from forum.tasks import send_daily_digest

    settings.NOTIFICATION_DIGEST_TIME = "07:00"
    waiting = DBTaskResult.objects.filter(task_path="forum.tasks.send_daily_digest")
    assert schedule_digest() is True
    assert schedule_digest() is False  # a second `migrate` adds none
    [digest] = waiting
    assert digest.status == "READY" and digest.run_after == next_digest_time()
    digest.delete()  # as the worker takes it: it runs, and schedules tomorrow's
    send_daily_digest.call()
    assert waiting.count() == 1


def test_posting_only_enqueues_the_fan_out(question, alice, bob, database_tasks, committed):
    from django_tasks_db.models import DBTaskResult

    answer = committed(lambda: make_answer(question, alice))
    Follow.objects.create(member=bob, answer=answer)
    theirs = committed(lambda: make_answer(question, bob, parent=answer))
    queued = DBTaskResult.objects.filter(task_path="forum.tasks.fan_out")
    assert [task.args_kwargs["args"] for task in queued] == [[answer.pk], [theirs.pk]]
    assert not Notification.objects.exists()  # the worker writes them
    assert fan_out(theirs.pk) == 1


def test_the_digest_stops_following_a_question_from_the_email(question, alice, bob, committed):
    Follow.objects.create(member=bob, question=question)
    committed(lambda: make_answer(question, alice))
    mail.outbox.clear()
    send_digests()
    [digest] = mail.outbox
    link = next(
        line.split(" ")[-1]
        for line in digest.body.splitlines()
        if "/unsubscribe/" in line and "question" in line
    )
    path = urlsplit(link).path
    page = Client().get(path)
    assert page.status_code == 200 and question.text[:20] in text_of(page).replace("\u202f", " ")
    assert Follow.objects.filter(member=bob, question=question).exists()  # asked first
    Client().post(path)
    assert not Follow.objects.filter(member=bob, question=question).exists()


def test_a_reply_email_stops_following_that_answer(alices_answer, bob, alice, committed):
    User.objects.filter(pk=alice.pk).update(language="en")
    mail.outbox.clear()
    reply(committed, alices_answer, bob)
    [message] = mail.outbox
    assert "Stop following the replies to an answer by alice:" in message.body
    link = next(line for line in message.body.splitlines() if line.startswith("Stop following"))
    Client().post(urlsplit(link.split(" ")[-1]).path)
    assert not Follow.objects.filter(member=alice, answer=alices_answer).exists()


# --- Mentions --------------------------------------------------------------------------


def test_a_mention_tells_the_member_named(question, alice, bob, charlie, committed, client_for):
    answer = committed(
        lambda: make_answer(question, bob, body="Je rejoins @Alice, et pas `@charlie`.")
    )
    assert told(alice) == [(Kind.MENTION, answer.pk)]
    assert told(charlie) == []  # inside code: not a mention
    assert "bob mentioned you" in text_of(client_for(alice).get(INBOX))


def test_a_blocked_member_cannot_mention_you(question, alice, bob, committed):
    Block.objects.create(blocker=alice, blocked=bob)
    committed(lambda: make_answer(question, bob, body="N’est-ce pas, @alice ?"))
    assert told(alice) == []


def test_a_mention_edited_in_tells_once(question, alice, bob, committed):
    from forum.answers import do_edit_answer

    answer = committed(lambda: make_answer(question, bob, body="Un avis."))
    committed(lambda: do_edit_answer(answer=answer, editor=bob, body="Un avis, @alice."))
    committed(lambda: do_edit_answer(answer=answer, editor=bob, body="Un avis, @alice !"))
    assert told(alice) == [(Kind.MENTION, answer.pk)]


def test_a_mention_in_a_reply_counts_once_as_a_mention(alices_answer, bob, alice, committed):
    theirs = reply(committed, alices_answer, bob, body="@alice, voyez plutôt ceci.")
    assert told(alice) == [(Kind.MENTION, theirs.pk)]
