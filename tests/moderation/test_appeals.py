"""Appeals (DSA art. 20): the member a decision restricts appeals it once, within the window
(moderation:appeal); a notifier contests a decision not to act from a signed link
(moderation:contest); another moderator than the one who decided upholds or reverses it from
the desk (moderation:appeals, moderation:appeal_decide), and the appellant is told."""

import re
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from forum.models import Answer, Appeal, ModerationAction, Notification
from forum.moderation.actions import do_decide, do_sanction
from forum.moderation.appeals import AppealRefused, do_appeal, do_decide_appeal
from forum.moderation.notices import contest_token, do_notify, do_reject_notice
from tests.conftest import signed_in_with_mfa
from tests.factories import make_answer, make_member, make_question
from tests.pages import refusal, soup, text_of

DESK = "/en/moderation/appeals/"
FORM = "form.appeal-form"
SITE = "http://127.0.0.1:8000"


def appeal_url(action) -> str:
    return f"/en/moderation/appeal/{action.pk}/"


@pytest.fixture
def answer(alice):
    return make_answer(make_question(text="Faut-il taxer le kérosène ?"), alice,
                       body="Les écologistes sont tous des imbéciles.")  # fmt: skip


@pytest.fixture
def removal(answer, moderator):
    return do_decide(
        moderator=moderator, answer=answer, verb="remove", seen_version=answer.version,
        rule="abuse", reason="Insulte générale.",
    )  # fmt: skip


@pytest.fixture
def second_moderator(moderator):
    other = make_member("modo2")
    other.groups.set(moderator.groups.all())
    return other


@pytest.fixture
def second_client(second_moderator):
    return signed_in_with_mfa(second_moderator)


def remove(answer, moderator):
    return do_decide(
        moderator=moderator, answer=answer, verb="remove", seen_version=answer.version,
        rule="abuse", reason="Insulte.",
    )  # fmt: skip


def suspend(member, moderator):
    return do_sanction(
        moderator=moderator, member=member, verb="suspend", reason="Insultes.",
        until=timezone.now() + timedelta(days=3),
    )  # fmt: skip


def actions() -> list[tuple]:
    return list(ModerationAction.objects.order_by("pk").values_list("verb", "source"))


def decide_on(browser, appeal, verb, reason="Après relecture."):
    return browser.submit(DESK, f"#appeal-{appeal.pk} form", {"verb": verb, "reason": reason})


# --- Appealing: the member concerned -----------------------------------------------------------


def test_the_statement_of_reasons_links_to_the_appeal(
    client_for, alice, answer, moderator, mailoutbox, django_capture_on_commit_callbacks
):
    alice.remember_language("en")
    with django_capture_on_commit_callbacks(execute=True):
        removal = remove(answer, moderator)

    (mail,) = mailoutbox
    assert f"To appeal it: {SITE}/en/moderation/appeal/{removal.pk}/\n" in mail.body
    banner = soup(client_for(alice).get("/en/")).select_one("#notices")
    link = banner.find("a", string="Appeal this decision")
    assert link["href"] == appeal_url(removal)


def test_the_author_appeals_a_removal_once(client_for, alice, removal):
    browser = client_for(alice)
    form = browser.get(appeal_url(removal))
    assert form.status_code == 200
    assert "Decision: removed" in text_of(form) and "Reason: Insulte générale." in text_of(form)

    response = browser.submit(appeal_url(removal), FORM, {"text": "C’était de l’humour."})

    assert response.status_code == 302
    assert response["Location"] == appeal_url(removal)
    appeal = Appeal.objects.get()
    assert (appeal.action, appeal.appellant, appeal.notice) == (removal, alice, None)
    assert (appeal.text, appeal.status) == ("C’était de l’humour.", "open")
    assert ModerationAction.objects.count() == 1  # an appeal is not a decision
    status = browser.get(appeal_url(removal))
    assert "Your appeal is received. You will be told the outcome." in text_of(status)
    assert "A moderator other than the one who decided will examine it." in text_of(status)
    again = browser.post(appeal_url(removal), {"text": "Encore."})
    assert again.status_code == 403
    assert refusal(again) == "You already appealed this decision: an appeal is heard once."
    assert Appeal.objects.count() == 1
    banner = text_of(browser.get("/en/"))
    assert "You appealed this decision." in banner and "Appeal this decision" not in banner


def test_a_suspended_member_appeals_the_suspension(client_for, dave_suspended, moderator):
    suspension = suspend(dave_suspended, moderator)

    response = client_for(dave_suspended).submit(
        appeal_url(suspension), FORM, {"text": "Je n’ai insulté personne."}
    )

    assert response.status_code == 302
    assert Appeal.objects.get().action == suspension


def test_only_the_person_a_decision_is_about_may_appeal_it(client_for, client, bob, removal):
    response = client_for(bob).get(appeal_url(removal))

    assert response.status_code == 403
    assert refusal(response) == "Only the person this decision is about can appeal it."
    assert client.get(appeal_url(removal))["Location"].startswith("/en/accounts/login/")


def test_after_the_window_an_appeal_is_refused_with_the_date(client_for, alice, removal, settings):
    settings.APPEAL_WINDOW = timedelta(0)

    response = client_for(alice).get(appeal_url(removal))

    assert response.status_code == 403
    assert refusal(response).startswith("The time to appeal this decision ended on ")


def test_a_restored_answer_leaves_nothing_to_appeal(client_for, alice, removal, moderator):
    answer = Answer.objects.get(pk=removal.answer_id)
    do_decide(moderator=moderator, answer=answer, verb="restore", seen_version=answer.version)

    response = client_for(alice).get(appeal_url(removal))

    assert response.status_code == 403
    assert refusal(response) == "Your answer was restored since: there is nothing left to appeal."


def test_a_decision_that_restricts_no_one_cannot_be_appealed(client_for, alice, moderator):
    held = make_answer(make_question(), alice, status="pending")
    approval = do_decide(moderator=moderator, answer=held, verb="approve", seen_version=1)

    response = client_for(alice).get(appeal_url(approval))

    assert response.status_code == 403
    assert refusal(response) == "This decision restricts no one: there is nothing to appeal."


def test_an_appeal_needs_a_text(client_for, alice, removal):
    response = client_for(alice).submit(appeal_url(removal), FORM, {"text": "  "})

    assert response.status_code == 400
    assert "Say why you think this decision is wrong." in text_of(response)
    assert Appeal.objects.count() == 0


def test_the_appeal_page_takes_get_and_post_only(client_for, alice, removal):
    browser = client_for(alice)
    browser.get(appeal_url(removal))

    assert browser.delete(appeal_url(removal)).status_code == 405


def test_an_unknown_decision_is_not_found(client_for, alice):
    assert client_for(alice).get("/en/moderation/appeal/999999/").status_code == 404


# --- The desk -----------------------------------------------------------------------------------


def test_the_desk_lists_open_appeals_oldest_first_with_the_decision_and_the_text(
    second_client, alice, removal, dave_suspended, moderator
):
    first = do_appeal(appellant=alice, action=removal, text="C’était de l’humour.")
    warning = do_sanction(moderator=moderator, member=dave_suspended, verb="warn", reason="Ton.")
    second = do_appeal(appellant=dave_suspended, action=warning, text="Je conteste.")

    page = second_client.get(DESK)

    items = soup(page).select("li.queue-item")
    assert [item["id"] for item in items] == [f"appeal-{first.pk}", f"appeal-{second.pk}"]
    text = " ".join(items[0].text.split())
    assert f"Appeal no. {first.pk} by alice" in text
    assert "Removed · modo" in text and "Insulte générale." in text
    assert "Les écologistes sont tous des imbéciles." in text  # the answer in its context
    assert "C’était de l’humour." in text
    assert "Reversing restores the answer." in text
    assert "Warned · modo" in " ".join(items[1].text.split())
    tabs = " ".join(soup(page).select_one("#queue-tabs").text.split())
    assert "Appeals 2" in tabs


def test_the_moderator_who_took_the_decision_cannot_decide_the_appeal(
    moderator_client, alice, removal
):
    appeal = do_appeal(appellant=alice, action=removal, text="Injuste.")

    page = moderator_client.get(DESK)
    item = soup(page).select_one(f"#appeal-{appeal.pk}")
    sentence = "You took this decision: another moderator must decide the appeal."
    assert sentence in item.text and item.select_one("form") is None
    response = moderator_client.post(
        f"/en/moderation/appeals/{appeal.pk}/decide/", {"verb": "reverse", "reason": "Erreur."}
    )

    assert response.status_code == 403
    assert refusal(response) == sentence
    assert Appeal.objects.get().status == "open"
    assert actions() == [("remove", "own")]


def test_another_moderator_upholds_and_the_author_is_told(
    second_client, second_moderator, alice, removal, mailoutbox,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    alice.remember_language("en")
    appeal = do_appeal(appellant=alice, action=removal, text="Injuste.")

    with django_capture_on_commit_callbacks(execute=True):
        response = decide_on(second_client, appeal, "uphold", "L’insulte est manifeste.")

    assert response.status_code == 302
    assert response["Location"] == DESK
    outcome = ModerationAction.objects.get(verb="uphold")
    assert (outcome.actor, outcome.source, outcome.answer_id, outcome.member) == (
        second_moderator, "appeal", removal.answer_id, None,
    )  # fmt: skip
    assert (outcome.rule, outcome.reason) == ("abuse", "L’insulte est manifeste.")
    appeal.refresh_from_db()
    assert (appeal.status, appeal.outcome) == ("upheld", outcome)
    assert appeal.decided_at is not None
    assert Answer.objects.get(pk=removal.answer_id).status == "removed"
    assert Notification.objects.filter(recipient=alice, action=outcome).exists()
    (mail,) = mailoutbox
    assert mail.to == ["alice@example.org"]
    assert "Decision: decision upheld on appeal\n" in mail.body
    assert "Reason: L’insulte est manifeste.\n" in mail.body
    assert "appeal it" not in mail.body  # an appeal is heard once
    assert f"Appeal no. {appeal.pk}: the decision is upheld." in text_of(second_client.get(DESK))


def test_reversing_a_removal_restores_the_answer(
    second_client, alice, removal, mailoutbox, django_capture_on_commit_callbacks
):
    appeal = do_appeal(appellant=alice, action=removal, text="Injuste.")

    with django_capture_on_commit_callbacks(execute=True):
        decide_on(second_client, appeal, "reverse", "Une opinion, pas une insulte.")

    answer = Answer.objects.get(pk=removal.answer_id)
    assert (answer.status, answer.removal_reason) == ("published", "")
    assert answer.question.answer_count == 1
    assert actions()[1:] == [("reverse", "appeal"), ("restore", "appeal")]
    assert Appeal.objects.get().status == "reversed"
    assert [m.to for m in mailoutbox] == [["alice@example.org"], ["alice@example.org"]]


def test_reversing_a_suspension_lifts_it(second_client, dave_suspended, moderator):
    suspension = suspend(dave_suspended, moderator)
    appeal = do_appeal(appellant=dave_suspended, action=suspension, text="Erreur.")

    decide_on(second_client, appeal, "reverse")

    dave_suspended.refresh_from_db()
    assert dave_suspended.suspended_until is None and dave_suspended.sanction_reason == ""
    assert [verb for verb, _ in actions()] == ["suspend", "reverse", "lift"]
    reversal = ModerationAction.objects.get(verb="reverse")
    assert (reversal.member, reversal.answer) == (dave_suspended, None)


def test_reversing_a_warning_writes_the_reversal_alone(second_client, bob, moderator):
    warning = do_sanction(moderator=moderator, member=bob, verb="warn", reason="Ton.")
    appeal = do_appeal(appellant=bob, action=warning, text="Erreur.")

    decide_on(second_client, appeal, "reverse")

    assert [verb for verb, _ in actions()] == ["warn", "reverse"]


def test_reversing_a_sanction_a_later_one_replaced_lifts_nothing(second_client, bob, moderator):
    suspension = suspend(bob, moderator)
    do_sanction(moderator=moderator, member=bob, verb="ban", reason="Récidive.")
    appeal = do_appeal(appellant=bob, action=suspension, text="Erreur.")

    decide_on(second_client, appeal, "reverse")

    bob.refresh_from_db()
    assert bob.banned is True  # the ban is another decision, with its own appeal
    assert [verb for verb, _ in actions()] == ["suspend", "ban", "reverse"]


def test_reversing_a_spam_ban_lifts_it_and_brings_back_the_answers_it_marked(
    second_client, bob, moderator
):
    question = make_question()
    marked = make_answer(question, bob, body="Une vraie réponse.")
    spam = make_answer(question, bob, body="Achetez !")
    do_decide(moderator=moderator, answer=spam, verb="spam", seen_version=spam.version,
              rule="spam", reason="Publicité.")  # fmt: skip
    ban = do_sanction(moderator=moderator, member=bob, verb="spam_ban", reason="Spam.")
    appeal = do_appeal(appellant=bob, action=ban, text="Je ne suis pas un robot.")

    decide_on(second_client, appeal, "reverse")

    bob.refresh_from_db()
    assert bob.banned is False
    assert Answer.objects.get(pk=marked.pk).status == "published"
    assert Answer.objects.get(pk=spam.pk).status == "spam"  # its own decision stands
    assert [verb for verb, _ in actions()] == ["spam", "spam_ban", "reverse", "lift", "restore"]


def test_deciding_an_appeal_needs_reasons_and_a_known_outcome(second_client, alice, removal):
    appeal = do_appeal(appellant=alice, action=removal, text="Injuste.")

    no_reason = decide_on(second_client, appeal, "reverse", reason="")
    unknown = decide_on(second_client, appeal, "restore")

    assert (no_reason.status_code, unknown.status_code) == (400, 400)
    assert "Give the reasons of the decision on the appeal" in text_of(no_reason)
    assert Appeal.objects.get().status == "open"


def test_an_appeal_decided_by_another_moderator_first_is_refused_with_who(
    second_client, alice, removal, moderator
):
    appeal = do_appeal(appellant=alice, action=removal, text="Injuste.")
    third = make_member("modo3")
    third.groups.set(moderator.groups.all())
    action, fields, headers = second_client.read_form(DESK, f"#appeal-{appeal.pk} form")
    do_decide_appeal(moderator=third, appeal=appeal, verb="uphold", reason="Manifeste.")

    response = second_client.post_form(
        action, fields | {"verb": "reverse", "reason": "Erreur."}, headers
    )

    assert response.status_code == 409
    assert "modo3 already decided this appeal: decision upheld." in text_of(response)
    assert [verb for verb, _ in actions()] == ["remove", "uphold"]
    assert Answer.objects.get(pk=removal.answer_id).status == "removed"


def test_a_second_decision_on_a_decided_appeal_is_refused_by_the_workflow(
    alice, removal, second_moderator
):
    appeal = do_appeal(appellant=alice, action=removal, text="Injuste.")
    do_decide_appeal(moderator=second_moderator, appeal=appeal, verb="reverse", reason="Erreur.")

    with pytest.raises(AppealRefused):
        do_decide_appeal(moderator=second_moderator, appeal=appeal, verb="uphold", reason="Non.")

    assert [verb for verb, _ in actions()] == ["remove", "reverse", "restore"]


def test_only_moderators_open_the_appeals_desk(client_for, bob, alice, removal):
    appeal = do_appeal(appellant=alice, action=removal, text="Injuste.")
    browser = client_for(bob)
    browser.get("/en/")

    assert browser.get(DESK).status_code == 403
    response = browser.post(
        f"/en/moderation/appeals/{appeal.pk}/decide/", {"verb": "reverse", "reason": "?"}
    )
    assert response.status_code == 403


def test_the_appeals_desk_takes_its_methods_only_and_knows_its_appeals(second_client):
    second_client.get(DESK)

    assert second_client.post(DESK).status_code == 405
    assert second_client.get("/en/moderation/appeals/1/decide/").status_code == 405
    missing = second_client.post(
        "/en/moderation/appeals/999999/decide/", {"verb": "uphold", "reason": "?"}
    )
    assert missing.status_code == 404


# --- Contesting a decision not to act: the notifier, from a signed link -------------------------


@pytest.fixture
def rejected(answer, moderator, mailoutbox, django_capture_on_commit_callbacks):
    """Léa's notice on alice's answer, on which the moderator decided not to act; the link
    of her e-mail."""
    notice = do_notify(answer=answer, ground="hate_speech", explanation="Injure envers un groupe.",
                       name="Léa", email="lea@example.org", language="en")  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        do_reject_notice(moderator=moderator, notice=notice, reason="Une opinion outrancière.")
    (decision,) = [m for m in mailoutbox if "decision" in m.subject]
    link = re.search(rf"{SITE}(/en/moderation/contest/[^/\s]+/)", decision.body).group(1)
    mailoutbox.clear()
    notice.refresh_from_db()
    notice.link = link
    return notice


def test_the_notifier_contests_a_decision_not_to_act_without_an_account(client, rejected):
    form = client.get(rejected.link)
    assert form.status_code == 200
    assert "Decision: no action on a notice" in text_of(form)

    response = client.submit(rejected.link, FORM, {"text": "C’est une injure raciste."})

    assert response.status_code == 302
    appeal = Appeal.objects.get()
    assert (appeal.notice, appeal.action, appeal.appellant) == (
        rejected, rejected.decision, None,
    )  # fmt: skip
    assert "Your complaint is received." in text_of(client.get(rejected.link))
    again = client.post(rejected.link, {"text": "Encore."})
    assert again.status_code == 403
    assert refusal(again) == "You already contested this decision: a complaint is heard once."


def test_a_tampered_link_is_not_found(client, rejected):
    token = contest_token(rejected)
    forged = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")

    assert client.get(f"/en/moderation/contest/{forged}/").status_code == 404
    assert client.get(f"/en/moderation/contest/{rejected.pk}/").status_code == 404


def test_a_link_to_a_notice_acted_upon_has_nothing_to_contest(client, answer, moderator):
    from forum.moderation.notices import do_act_on_notice

    notice = do_notify(answer=answer, ground="defamation", explanation="Faux.", email="a@b.org")
    do_act_on_notice(moderator=moderator, notice=notice, seen_version=answer.version,
                     reason="Diffamatoire.")  # fmt: skip

    response = client.get(f"/en/moderation/contest/{contest_token(notice)}/")

    assert response.status_code == 403
    assert refusal(response) == (
        "The answer was removed on this notice: there is nothing to contest."
    )


def test_the_time_to_contest_ends(client, rejected, settings):
    settings.APPEAL_WINDOW = timedelta(0)

    response = client.get(rejected.link)

    assert response.status_code == 403
    assert refusal(response).startswith("The time to contest this decision ended on ")


def test_reversing_a_contested_rejection_removes_the_answer_and_tells_both(
    second_client, second_moderator, rejected, mailoutbox, django_capture_on_commit_callbacks
):
    appeal = Appeal.objects.create(action=rejected.decision, notice=rejected, text="Raciste.")

    with django_capture_on_commit_callbacks(execute=True):
        response = decide_on(second_client, appeal, "reverse", "Injure à caractère raciste.")

    assert response.status_code == 302
    answer = Answer.objects.get(pk=rejected.answer_id)
    assert (answer.status, answer.removal_reason) == ("removed", "illegal")
    assert [verb for verb, _ in actions()] == ["reject_notice", "reverse", "remove"]
    reversal, removal = ModerationAction.objects.order_by("pk")[1:]
    assert (reversal.answer_id, reversal.source) == (answer.pk, "appeal")
    assert (removal.source, removal.rule, removal.actor) == ("notice", "illegal", second_moderator)
    rejected.refresh_from_db()
    assert (rejected.status, rejected.decision) == ("acted", removal)
    to_notifier = next(m for m in mailoutbox if m.to == ["lea@example.org"])
    assert to_notifier.subject == (
        f"[Agora] The outcome of your complaint about notice no. {rejected.pk}"
    )
    assert "Outcome: the decision is reversed; the answer is no longer published." in (
        to_notifier.body
    )
    assert "Reason: Injure à caractère raciste.\n" in to_notifier.body
    assert any(m.to == ["alice@example.org"] for m in mailoutbox)  # the removal's statement


def test_upholding_a_contested_rejection_tells_the_notifier(
    second_client, rejected, mailoutbox, django_capture_on_commit_callbacks
):
    appeal = Appeal.objects.create(action=rejected.decision, notice=rejected, text="Raciste.")

    with django_capture_on_commit_callbacks(execute=True):
        decide_on(second_client, appeal, "uphold", "Une opinion, même outrancière.")

    assert Answer.objects.get(pk=rejected.answer_id).status == "published"
    assert [verb for verb, _ in actions()] == ["reject_notice", "uphold"]
    (mail,) = mailoutbox
    assert mail.to == ["lea@example.org"]
    assert "Outcome: the decision is upheld; the answer stays published." in mail.body


def test_the_moderator_who_rejected_the_notice_cannot_decide_the_complaint(
    moderator_client, rejected
):
    appeal = Appeal.objects.create(action=rejected.decision, notice=rejected, text="Raciste.")

    item = soup(moderator_client.get(DESK)).select_one(f"#appeal-{appeal.pk}")

    assert "You took this decision: another moderator must decide the appeal." in item.text
    assert "Reversing removes the answer as illegal content." not in item.text


def test_the_appeals_desk_reads_a_page_in_a_fixed_number_of_queries(
    second_moderator, moderator, django_assert_max_num_queries
):
    question = make_question()
    for n in range(5):
        author = make_member(f"auteur{n}")
        answer = make_answer(question, author)
        removal = remove(answer, moderator)
        do_appeal(appellant=author, action=removal, text="Injuste.")
    browser = signed_in_with_mfa(second_moderator)
    browser.get(DESK)

    with django_assert_max_num_queries(25):
        assert browser.get(DESK).status_code == 200


def test_the_window_is_six_months_by_default():
    assert timedelta(days=183) == django_settings.APPEAL_WINDOW


# --- Two moderators at once (PostgreSQL: transactions really run side by side) ----------------

ON_POSTGRES = django_settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not ON_POSTGRES, reason="needs PostgreSQL: SQLite serialises every writer")
def test_two_moderators_deciding_one_appeal_at_once_apply_one_outcome(alice, moderator):
    from tests.forum.test_vote_concurrency import release_together

    judges = []
    for name in ("modo2", "modo3"):
        judges.append(make_member(name))
        judges[-1].groups.set(moderator.groups.all())
    question = make_question()
    appeals = []
    for n in range(5):
        answer = make_answer(question, alice, body=f"Réponse {n}.")
        appeals.append(do_appeal(appellant=alice, action=remove(answer, moderator), text="Non."))
    outcomes = {appeal.pk: [] for appeal in appeals}

    def decide(appeal, judge, verb):
        def call():
            try:
                do_decide_appeal(moderator=judge, appeal=Appeal.objects.get(pk=appeal.pk),
                                 verb=verb, reason="Vu.")  # fmt: skip
                outcomes[appeal.pk].append(("done", verb))
            except AppealRefused as refused:
                outcomes[appeal.pk].append(("refused", refused.message))

        return call

    calls = []
    for appeal in appeals:
        calls += [decide(appeal, judges[0], "reverse"), decide(appeal, judges[1], "uphold")]
    release_together(calls)

    for appeal in appeals:
        (done,) = [o for o in outcomes[appeal.pk] if o[0] == "done"]
        (refused,) = [o for o in outcomes[appeal.pk] if o[0] == "refused"]
        # The threads speak the site's language: French.
        assert "a déjà statué sur ce recours" in refused[1]
        decided = Appeal.objects.get(pk=appeal.pk)
        answer = Answer.objects.get(pk=decided.action.answer_id)
        later = ModerationAction.objects.filter(answer=answer, pk__gt=decided.action_id)
        if done[1] == "reverse":
            assert decided.status == "reversed" and answer.status == "published"
            assert sorted(later.values_list("verb", flat=True)) == ["restore", "reverse"]
        else:
            assert decided.status == "upheld" and answer.status == "removed"
            assert list(later.values_list("verb", flat=True)) == ["uphold"]


# --- Valid HTML -----------------------------------------------------------------------------------


@pytest.mark.usefixtures("fast_forms")
def test_every_legal_page_is_valid_html(
    tmp_path, client, client_for, alice, removal, second_client, rejected, moderator_client
):
    from tests.test_html_validity import Rendered, assert_valid

    rendered = Rendered(tmp_path)
    answer = make_answer(make_question(), make_member("zoe"), body="Une réponse à signaler.")
    author = client_for(alice)
    for prefix in ("", "/en"):
        notice_form = f"{prefix}/a/{answer.pk}/notice/"
        rendered.add(f"{prefix} notice form", client.get(notice_form), 200)
        rendered.add(
            f"{prefix} notice form, errors", client.submit(notice_form, "form.notice-form"), 400
        )
        rendered.add(f"{prefix} banner with appeal link", author.get(f"{prefix}/"), 200)
        rendered.add(f"{prefix} appeal form", author.get(prefix + appeal_url(removal)[3:]), 200)
        rendered.add(f"{prefix} contest form", client.get(prefix + rejected.link[3:]), 200)
    sent = client.submit(
        f"/a/{answer.pk}/notice/", "form.notice-form",
        {"ground": "privacy", "explanation": "Mon adresse.", "good_faith": "on"},
    )  # fmt: skip
    rendered.add("notice received", client.get(sent["Location"]), 200)
    author.submit(appeal_url(removal), FORM, {"text": "Injuste."})
    rendered.add("appeal sent", author.get(appeal_url(removal)), 200)
    rendered.add("notices desk", second_client.get("/moderation/notices/"), 200)
    Appeal.objects.create(action=rejected.decision, notice=rejected, text="Raciste.")
    rendered.add("appeals desk", second_client.get("/moderation/appeals/"), 200)
    rendered.add("appeals desk, own decision", moderator_client.get("/moderation/appeals/"), 200)
    assert_valid(rendered)
