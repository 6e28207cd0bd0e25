"""Notices of illegal content (DSA art. 16): anyone notifies an answer from the public form
(forum:notice), and a moderator decides on it from the desk (moderation:notices,
moderation:notice_decide); the notifier is acknowledged, then sent the decision."""

import re
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext

from forum.answers import do_edit_answer
from forum.models import Answer, ModerationAction, Notice
from forum.moderation.actions import do_decide
from forum.moderation.notices import (
    NoticeRefused,
    do_act_on_notice,
    do_notify,
    do_reject_notice,
)
from tests.conftest import signed_in_with_mfa
from tests.factories import make_answer, make_member, make_question
from tests.pages import refusal, soup, text_of

pytestmark = pytest.mark.usefixtures("fast_forms")

BODY = "Ce député est un escroc notoire, il a volé la caisse."
EXPLANATION = "Accusation de vol sans aucune preuve : c’est une diffamation."
FORM = "form.notice-form"
DESK = "/en/moderation/notices/"


def fr(text: str) -> str:
    """What the French site says for ``text``."""
    with translation.override("fr"):
        return gettext(text)


@pytest.fixture
def answer(alice):
    return make_answer(make_question(text="Faut-il réformer le Sénat ?"), alice, body=BODY)


def form_url(answer, lang="en") -> str:
    return f"{'/en' if lang == 'en' else ''}/a/{answer.pk}/notice/"


def notify(client, answer, lang="en", **data):
    fields = {"ground": "defamation", "explanation": EXPLANATION, "good_faith": "on"} | data
    return client.submit(form_url(answer, lang), FORM, {k: v for k, v in fields.items() if v})


def notice_on(answer, email="lea@example.org", **fields) -> Notice:
    return do_notify(
        answer=answer, ground=fields.pop("ground", "defamation"), explanation=EXPLANATION,
        email=email, language="en", **fields,
    )  # fmt: skip


# --- The public form ------------------------------------------------------------------------------


def test_anyone_without_an_account_sees_the_form_with_the_answer_quoted(client, answer):
    page = soup(client.get(form_url(answer)))

    quoted = page.select_one("#notice-quoted")
    assert quoted.text == BODY
    assert quoted.has_attr("readonly") and not quoted.has_attr("name")
    grounds = [radio["value"] for radio in page.select(f"{FORM} input[name=ground]")]
    assert grounds == [
        "hate_speech", "defamation", "terrorism", "child_abuse", "privacy",
        "intellectual_property", "other",
    ]  # fmt: skip
    good_faith = page.select_one("input[name=good_faith]")
    assert good_faith.has_attr("required")
    label = page.select_one(f"label[for={good_faith['id']}]").text
    assert label == (
        "I declare in good faith that the information and allegations in this notice are "
        "accurate and complete."
    )
    help_text = page.select_one("#notice-email-help").text
    assert "Without an address you will receive neither an acknowledgement nor the decision" in (
        help_text
    )


def test_a_reader_without_an_account_notifies_an_answer_and_is_acknowledged(
    client, answer, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = notify(client, answer, name="Léa", email="lea@example.org")

    notice = Notice.objects.get()
    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == f"/en/a/{answer.pk}/notice/"
    assert (notice.answer, notice.ground, notice.status) == (answer, "defamation", "open")
    assert (notice.explanation, notice.quoted_text) == (EXPLANATION, BODY)
    assert (notice.name, notice.email, notice.language) == ("Léa", "lea@example.org", "en")
    assert notice.good_faith is True and notice.notifier is None
    assert ModerationAction.objects.count() == 0  # a notice is not a decision
    (mail,) = mailoutbox
    assert mail.to == ["lea@example.org"]
    assert mail.subject == f"[Agora] Your notice of illegal content is received (no. {notice.pk})"
    assert "Hello Léa," in mail.body
    assert f"Reference: no. {notice.pk}\n" in mail.body
    assert "Legal ground: defamation\n" in mail.body
    assert f"http://127.0.0.1:8000/en/a/{answer.pk}/" in mail.body
    assert "A moderator will examine it." in mail.body
    assert mail.alternatives[0][1] == "text/html"

    confirmation = client.get(response["Location"])
    assert confirmation.status_code == 200
    assert f"Your notice is received under number {notice.pk}." in text_of(confirmation)
    assert "We sent an acknowledgement to the address you gave" in text_of(confirmation)


def test_in_french_the_notice_is_recorded_in_french(
    client, answer, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notify(client, answer, lang="fr", email="lea@example.org")

    assert Notice.objects.get().language == "fr"
    (mail,) = mailoutbox
    assert f"http://127.0.0.1:8000/a/{answer.pk}/" in mail.body  # French: no prefix


def test_without_an_address_nothing_is_sent_and_the_page_says_so(
    client, answer, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = notify(client, answer, email="")

    assert Notice.objects.get().email == ""
    assert mailoutbox == []
    page = text_of(client.get(response["Location"]))
    assert "You gave no e-mail address: keep this number" in page


def test_a_signed_in_member_is_recorded_as_the_notifier(client_for, answer, bob):
    browser = client_for(bob)
    prefilled = soup(browser.get(form_url(answer))).select_one("#notice-email")["value"]

    notify(browser, answer, email=prefilled)

    notice = Notice.objects.get()
    assert (prefilled, notice.email, notice.notifier) == ("bob@example.org", prefilled, bob)


def test_suspended_and_banned_members_may_still_notify(client_for, answer, dave_suspended):
    assert notify(client_for(dave_suspended), answer).status_code == 302
    assert Notice.objects.count() == 1


def test_the_good_faith_declaration_is_required(client, answer):
    response = notify(client, answer, good_faith="")

    assert response.status_code == 400
    assert "Tick the declaration of good faith: a notice cannot be sent without it." in text_of(
        response
    )
    assert Notice.objects.count() == 0


def test_an_explanation_and_a_ground_from_the_list_are_required(client, answer):
    blank = notify(client, answer, explanation="   ")
    unknown = notify(client, answer, ground="blasphemy")

    assert (blank.status_code, unknown.status_code) == (400, 400)
    assert "Explain why this answer is illegal." in text_of(blank)
    assert "Choose the legal ground from the list." in text_of(unknown)
    assert Notice.objects.count() == 0


def test_what_was_typed_stays_in_the_form_after_an_error(client, answer):
    response = notify(client, answer, good_faith="", name="Léa")

    page = soup(response)
    assert page.select_one("#notice-explanation").text == EXPLANATION
    assert page.select_one("#notice-name")["value"] == "Léa"
    assert page.select_one("#notice-ground-defamation").has_attr("checked")


def test_a_bot_filling_the_honeypot_sends_nothing(client, answer):
    response = notify(client, answer, website="http://spam.example")

    assert response.status_code == 400
    assert "This notice could not be sent." in text_of(response)
    assert Notice.objects.count() == 0


def test_a_form_sent_faster_than_a_person_reads_is_refused(client, answer, settings):
    settings.ANSWER_MIN_FILL_SECONDS = 60

    response = notify(client, answer)

    assert response.status_code == 400
    assert "That was very fast" in text_of(response)
    assert Notice.objects.count() == 0


def test_notices_are_limited_per_address(client, answer, settings):
    settings.RATE_LIMIT_NOTICE_IP = "2/3600"

    statuses = [notify(client, answer).status_code for _ in range(2)]
    third = notify(client, answer, name="Léa")

    assert statuses == [302, 302]
    assert third.status_code == 429
    assert 0 < int(third["Retry-After"]) <= 3600
    assert "Too many notices were sent from your connection." in text_of(third)
    assert soup(third).select_one("#notice-name")["value"] == "Léa"  # nothing typed is lost
    assert Notice.objects.count() == 2


def test_an_answer_edited_since_the_form_opened_is_shown_again(client, answer, alice):
    url = form_url(answer)
    action, fields, headers = client.read_form(url, FORM)
    do_edit_answer(answer=answer, editor=alice, body="Texte corrigé, sans accusation.")

    data = {"ground": "defamation", "explanation": EXPLANATION, "good_faith": "on"}
    response = client.post_form(action, fields | data, headers)

    assert response.status_code == 409
    assert "This answer changed since you opened the form." in text_of(response)
    assert soup(response).select_one("#notice-quoted").text == "Texte corrigé, sans accusation."
    assert Notice.objects.count() == 0


def test_a_removed_answer_has_nothing_left_to_notify(client, answer, moderator):
    do_decide(moderator=moderator, answer=answer, verb="remove", seen_version=answer.version,
              rule="abuse", reason="Insulte.")  # fmt: skip

    response = client.get(form_url(answer))

    assert response.status_code == 403
    assert refusal(response) == "This answer is no longer published: there is nothing to notify."


def test_an_answer_nobody_else_may_see_is_not_found(client, alice):
    held = make_answer(make_question(), alice, status="pending")

    assert client.get(form_url(held)).status_code == 404
    assert client.get("/en/a/999999/notice/").status_code == 404


def test_the_form_takes_get_and_post_only(client, answer):
    client.get(form_url(answer))  # the token, as a browser would have it
    assert client.delete(form_url(answer)).status_code == 405
    assert client.put(form_url(answer)).status_code == 405


def test_a_forged_confirmation_address_is_not_found(client, answer):
    assert client.get(form_url(answer) + "?sent=42").status_code == 404


def test_every_published_answer_links_to_the_form_even_for_a_reader_without_account(
    client, alice, bob, moderator
):
    question = make_question()
    shown = make_answer(question, alice, body="Réponse publiée.")
    removed = make_answer(question, bob, body="Réponse retirée.")
    do_decide(moderator=moderator, answer=removed, verb="remove", seen_version=removed.version,
              rule="abuse", reason="Insulte.")  # fmt: skip

    page = soup(client.get("/en" + question.get_absolute_url()))

    link = page.select_one(f"#a{shown.pk} a.answer__report")
    assert (link["href"], link.text) == (f"/en/a/{shown.pk}/notice/", "Report illegal content")
    assert page.select_one(f"#a{removed.pk} a.answer__report") is None


# --- The desk -------------------------------------------------------------------------------------


def test_the_desk_lists_open_notices_oldest_first_with_the_answer_in_context(
    moderator_client, answer, bob
):
    reply = make_answer(answer.question, bob, parent=answer, body="Propos haineux envers eux.")
    first = notice_on(reply, ground="hate_speech", name="Léa")
    second = notice_on(answer, email="")
    decided = notice_on(answer)
    Notice.objects.filter(pk=decided.pk).update(status="rejected")

    page = moderator_client.get(DESK)

    items = soup(page).select("li.queue-item")
    ids = [item["id"] for item in items]
    assert ids == [f"legal-notice-{first.pk}", f"legal-notice-{second.pk}"]
    text = " ".join(items[0].text.split())
    assert f"Notice no. {first.pk}: hate speech" in text
    assert "from Léa (lea@example.org)" in text
    assert EXPLANATION in text and "Propos haineux envers eux." in text
    assert "In reply to alice:" in text  # the answer in its context
    assert "Faut-il réformer le Sénat" in text
    assert "anonymous notifier, no address" in " ".join(items[1].text.split())
    tabs = " ".join(soup(page).select_one("#queue-tabs").text.split())
    assert "Notices 2" in tabs and "Appeals 0" in tabs


def test_the_queue_tabs_count_open_notices(moderator_client, answer):
    notice_on(answer)

    tabs = soup(moderator_client.get("/en/moderation/")).select_one("#queue-tabs")

    assert "Notices 1" in " ".join(tabs.text.split())
    assert tabs.select_one("a[href='/en/moderation/notices/']") is not None


def test_removing_an_answer_on_a_notice_acts_on_every_notice_about_it(
    moderator_client, moderator, answer, mailoutbox, django_capture_on_commit_callbacks
):
    notice = notice_on(answer)
    other = notice_on(answer, email="noe@example.org")

    with django_capture_on_commit_callbacks(execute=True):
        response = moderator_client.submit(
            DESK,
            f"#legal-notice-{notice.pk} form",
            {"verb": "remove", "reason": "Accusation de vol."},
        )

    assert response.status_code == 302
    assert response["Location"] == DESK
    answer.refresh_from_db()
    assert (answer.status, answer.removal_reason) == ("removed", "illegal")
    action = ModerationAction.objects.get()
    assert (action.verb, action.source, action.rule, action.actor) == (
        "remove", "notice", "illegal", moderator,
    )  # fmt: skip
    # The legal ground, then the moderator's words, in the site's language (French).
    assert action.reason == fr("%(ground)s: %(reason)s") % {
        "ground": fr("defamation").capitalize(),
        "reason": "Accusation de vol.",
    }
    for each in (notice, other):
        each.refresh_from_db()
        assert (each.status, each.decision) == ("acted", action)
        assert each.decided_at is not None
    to_notifiers = sorted(m.to[0] for m in mailoutbox if "notice" in m.subject)
    assert to_notifiers == ["lea@example.org", "noe@example.org"]
    to_notifier = next(m for m in mailoutbox if m.to == ["lea@example.org"])
    assert "Decision: the answer is removed.\n" in to_notifier.body
    assert f"Reason: {action.reason}\n" in to_notifier.body
    assert "contest" not in to_notifier.body
    (to_author,) = [m for m in mailoutbox if m.to == ["alice@example.org"]]
    assert action.reason in to_author.body  # in French, the author's language
    assert "Notice no." in text_of(moderator_client.get(DESK))  # the message after the redirect


def test_no_action_is_recorded_and_the_notifier_may_contest_it(
    moderator_client, moderator, answer, mailoutbox, django_capture_on_commit_callbacks
):
    notice = notice_on(answer)

    with django_capture_on_commit_callbacks(execute=True):
        response = moderator_client.submit(
            DESK, f"#legal-notice-{notice.pk} form", {"verb": "reject", "reason": "Une opinion."}
        )

    assert response.status_code == 302
    answer.refresh_from_db()
    assert answer.status == "published"
    action = ModerationAction.objects.get()
    assert (action.verb, action.source, action.answer, action.reason) == (
        "reject_notice", "notice", answer, "Une opinion.",
    )  # fmt: skip
    notice.refresh_from_db()
    assert (notice.status, notice.decision) == ("rejected", action)
    (mail,) = mailoutbox  # the notifier; the author was restricted in nothing
    assert mail.subject == (
        f"[Agora] The decision on your notice of illegal content (no. {notice.pk})"
    )
    assert "Decision: no action; the answer stays published.\n" in mail.body
    assert "Reason: Une opinion.\n" in mail.body
    assert re.search(r"http://127\.0\.0\.1:8000/en/moderation/contest/[^/\s]+/", mail.body)


def test_a_decision_needs_its_reasons(moderator_client, answer):
    notice = notice_on(answer)

    response = moderator_client.submit(DESK, f"#legal-notice-{notice.pk} form", {"verb": "reject"})

    assert response.status_code == 400
    assert "Give the reasons of the decision: the notifier is sent them." in text_of(response)
    assert Notice.objects.get().status == "open"
    assert ModerationAction.objects.count() == 0


def test_an_unknown_decision_is_bad_input(moderator_client, answer):
    notice = notice_on(answer)

    response = moderator_client.submit(
        DESK, f"#legal-notice-{notice.pk} form", {"verb": "approve", "reason": "?"}
    )

    assert response.status_code == 400


def test_a_notice_decided_first_by_another_moderator_is_refused_with_who(
    moderator_client, moderator, answer
):
    notice = notice_on(answer)
    other = make_member("modo2")
    other.groups.set(moderator.groups.all())
    action, fields, headers = moderator_client.read_form(DESK, f"#legal-notice-{notice.pk} form")
    do_reject_notice(moderator=other, notice=notice, reason="Rien d’illégal.")

    response = moderator_client.post_form(
        action, fields | {"verb": "remove", "reason": "Diffamatoire."}, headers
    )

    assert response.status_code == 409
    assert "modo2 already decided on this notice: no action on a notice." in text_of(response)
    assert Answer.objects.get(pk=answer.pk).status == "published"
    assert ModerationAction.objects.count() == 1


def test_a_removal_of_a_text_changed_since_it_was_shown_is_refused(moderator_client, answer, alice):
    notice = notice_on(answer)
    action, fields, headers = moderator_client.read_form(DESK, f"#legal-notice-{notice.pk} form")
    do_edit_answer(answer=answer, editor=alice, body="Texte corrigé.")

    response = moderator_client.post_form(
        action, fields | {"verb": "remove", "reason": "Diffamatoire."}, headers
    )

    assert response.status_code == 409
    assert "The author changed this answer since you saw it." in text_of(response)
    assert Notice.objects.get().status == "open"


def test_a_notice_on_an_answer_removed_meanwhile_is_closed_with_that_removal(
    moderator, answer, mailoutbox, django_capture_on_commit_callbacks
):
    notice = notice_on(answer)
    removal = do_decide(moderator=moderator, answer=answer, verb="remove",
                        seen_version=answer.version, rule="abuse", reason="Insulte.")  # fmt: skip

    with django_capture_on_commit_callbacks(execute=True):
        decision = do_act_on_notice(
            moderator=moderator, notice=notice, seen_version=answer.version, reason="Déjà fait."
        )

    assert decision == removal
    assert ModerationAction.objects.count() == 1  # nothing decided twice
    notice.refresh_from_db()
    assert (notice.status, notice.decision) == ("acted", removal)
    (mail,) = mailoutbox
    assert "Decision: the answer is removed." in mail.body


def test_only_moderators_open_the_desk(client_for, bob, answer):
    notice = notice_on(answer)
    browser = client_for(bob)
    browser.get("/en/")

    assert browser.get(DESK).status_code == 403
    decide = browser.post(f"/en/moderation/notices/{notice.pk}/decide/", {"verb": "reject"})
    assert decide.status_code == 403
    assert Notice.objects.get().status == "open"


def test_the_desk_pages_take_their_methods_only(moderator_client, answer):
    notice = notice_on(answer)
    moderator_client.get(DESK)  # the token, as a browser would have it

    assert moderator_client.post(DESK).status_code == 405
    assert moderator_client.get(f"/en/moderation/notices/{notice.pk}/decide/").status_code == 405


def test_an_unknown_notice_is_not_found(moderator_client, moderator):
    moderator_client.get(DESK)
    response = moderator_client.post(
        "/en/moderation/notices/999999/decide/", {"verb": "reject", "reason": "?"}
    )

    assert response.status_code == 404


def test_a_wrong_position_in_the_list_is_bad_input(moderator_client):
    assert moderator_client.get(DESK + "?after=abc").status_code == 400


def test_the_second_page_of_notices(moderator_client, answer, settings):
    made = [notice_on(answer) for _ in range(21)]

    first = soup(moderator_client.get(DESK)).select("li.queue-item")
    more = soup(moderator_client.get(DESK + "?after=20")).select("li.queue-item")

    assert len(first) == 20
    assert [item["id"] for item in more] == [f"legal-notice-{made[20].pk}"]


def test_the_desk_reads_a_page_in_a_fixed_number_of_queries(
    moderator, answer, bob, django_assert_max_num_queries
):
    for n in range(5):
        reply = make_answer(answer.question, make_member(f"auteur{n}"), parent=answer)
        notice_on(reply)
    browser = signed_in_with_mfa(moderator)
    browser.get(DESK)

    with django_assert_max_num_queries(25):
        assert browser.get(DESK).status_code == 200


# --- Two moderators at once (PostgreSQL: transactions really run side by side) ----------------

ON_POSTGRES = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not ON_POSTGRES, reason="needs PostgreSQL: SQLite serialises every writer")
def test_two_moderators_deciding_notices_of_one_answer_at_once_decide_once(alice, moderator):
    from tests.forum.test_vote_concurrency import release_together

    other = make_member("modo2")
    other.groups.set(moderator.groups.all())
    question = make_question()
    pairs = []
    for n in range(5):
        answer = make_answer(question, alice, body=f"Réponse {n}.")
        pairs.append((answer, notice_on(answer), notice_on(answer, email="")))
    outcomes = {answer.pk: [] for answer, *_ in pairs}

    def act(answer, notice):
        def call():
            try:
                do_act_on_notice(moderator=moderator, notice=notice, seen_version=answer.version,
                                 reason="Diffamatoire.")  # fmt: skip
                outcomes[answer.pk].append("removed")
            except NoticeRefused:
                outcomes[answer.pk].append("refused")

        return call

    def reject(answer, notice):
        def call():
            try:
                do_reject_notice(moderator=other, notice=notice, reason="Une opinion.")
                outcomes[answer.pk].append("rejected")
            except NoticeRefused:
                outcomes[answer.pk].append("refused")

        return call

    calls = []
    for answer, first, second in pairs:
        calls += [act(answer, first), reject(answer, second)]
    release_together(calls)

    for answer, first, second in pairs:
        first.refresh_from_db()
        second.refresh_from_db()
        verbs = sorted(
            ModerationAction.objects.filter(answer=answer).values_list("verb", flat=True)
        )
        if first.status == second.status == "acted":  # the removal came first, for both
            assert sorted(outcomes[answer.pk]) == ["refused", "removed"]
            assert verbs == ["remove"]
        else:  # the rejection came first: then the removal, for the other notice
            assert (first.status, second.status) == ("acted", "rejected")
            assert sorted(outcomes[answer.pk]) == ["rejected", "removed"]
            assert verbs == ["reject_notice", "remove"]
