"""The moderation workflows (forum.moderation.actions): flags and their weights, decisions
on an answer, sanctions on a member, the state of a question, and the statements of reasons
sent to the people they affect. Every decision writes exactly one ModerationAction."""

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation

from articles.models import Question
from forum import rules
from forum.answers import do_edit_answer, do_post_answer
from forum.models import Answer, Flag, ModerationAction, Notification, User
from forum.moderation.actions import (
    DecisionRefused,
    check_flag,
    do_bulk_decide,
    do_decide,
    do_flag,
    do_sanction,
    do_set_question_state,
    do_withdraw_flag,
    flag_weight,
)
from tests.factories import long_ago, make_answer, make_member, make_question

pytestmark = pytest.mark.django_db

Verb = ModerationAction.Verb
Source = ModerationAction.Source
Status = Answer.Status


@pytest.fixture(autouse=True)
def _in_english_with_known_thresholds(settings):
    """Refusals are compared with the sentences as written in the code; the thresholds are
    the defaults, written here so the numbers below do not depend on the environment."""
    settings.FLAG_HIDE_WEIGHT = 6
    settings.FLAG_TRUSTED_UPHELD = 3
    # "Established" below means a member by trust (forum.moderation.trust) through the age of
    # their account alone: trust's own thresholds are tested in test_trust.py.
    settings.TRUST_MEMBER_DAYS = 7
    settings.TRUST_MEMBER_ANSWERS = 0
    with translation.override("en"):
        yield


@pytest.fixture
def question():
    return make_question()


@pytest.fixture
def answer(question, alice):
    return make_answer(question, alice, body="Une réponse discutable.")


@pytest.fixture
def other_moderator(db, moderator):
    other = make_member("modo2")
    other.groups.set(moderator.groups.all())
    return other


def established(name: str) -> User:
    """A member who joined a month ago: past the new-account age."""
    return make_member(name, date_joined=long_ago(days=30))


def fresh(answer) -> Answer:
    return Answer.objects.get(pk=answer.pk)


def count_of(question) -> int:
    return Question.objects.get(pk=question.pk).answer_count


def held(answer, flaggers=("f1", "f2", "f3")) -> Answer:
    """``answer`` held for review by the flags of three established members (2 + 2 + 2)."""
    for name in flaggers:
        do_flag(reporter=established(name), answer=answer, reason=Flag.Reason.ABUSE)
    assert fresh(answer).status == Status.PENDING
    return fresh(answer)


def decide(moderator, answer, verb, **words) -> ModerationAction:
    answer = fresh(answer)
    return do_decide(
        moderator=moderator, answer=answer, verb=verb, seen_version=answer.version, **words
    )


def remove(moderator, answer) -> ModerationAction:
    return decide(moderator, answer, Verb.REMOVE, rule=Flag.Reason.ABUSE, reason="Insultant.")


def record_of(member, *, upheld: int, dismissed: int, question, moderator) -> None:
    """Give ``member`` a past of flags: ``upheld`` on answers removed since, ``dismissed``
    on answers approved since."""
    author = make_member(f"cible{member.pk}")
    for outcome, times in ((Verb.REMOVE, upheld), (Verb.APPROVE, dismissed)):
        for _ in range(times):
            target = make_answer(question, author)
            do_flag(reporter=member, answer=target, reason=Flag.Reason.SPAM)
            if outcome == Verb.REMOVE:
                remove(moderator, target)
            else:
                decide(moderator, target, Verb.APPROVE)


# --- Flags and their weights ---------------------------------------------------------


def test_a_new_accounts_flag_weighs_one(answer, bob):
    flag = do_flag(reporter=bob, answer=answer, reason=Flag.Reason.SPAM)
    assert flag.weight == 1 and fresh(answer).flag_weight == 1


def test_an_established_members_flag_weighs_two(answer):
    flag = do_flag(reporter=established("ancien"), answer=answer, reason=Flag.Reason.SPAM)
    assert flag.weight == 2 and fresh(answer).flag_weight == 2


@pytest.mark.parametrize(
    ("upheld", "dismissed", "weight"),
    [(2, 0, 2), (3, 0, 3), (3, 2, 2), (4, 2, 3), (6, 4, 2)],
)
def test_members_whose_flags_were_upheld_weigh_three(
    question, moderator, upheld, dismissed, weight
):
    """Trusted: FLAG_TRUSTED_UPHELD upheld, and twice as many upheld as dismissed."""
    member = established("vigie")
    record_of(member, upheld=upheld, dismissed=dismissed, question=question, moderator=moderator)
    assert flag_weight(member) == weight


def test_a_new_account_weighs_one_whatever_its_record(question, moderator, bob):
    record_of(bob, upheld=4, dismissed=0, question=question, moderator=moderator)
    assert flag_weight(bob) == 1


def test_open_flags_do_not_count_in_the_record(question, alice):
    member = established("vigie")
    for _ in range(3):
        do_flag(reporter=member, answer=make_answer(question, alice), reason=Flag.Reason.SPAM)
    assert flag_weight(member) == 2


def test_flags_below_the_threshold_leave_the_answer_published(question, answer):
    do_flag(reporter=established("f1"), answer=answer, reason=Flag.Reason.HATE)
    do_flag(reporter=established("f2"), answer=answer, reason=Flag.Reason.HATE)
    answer = fresh(answer)
    assert (answer.status, answer.flag_weight, count_of(question)) == (Status.PUBLISHED, 4, 1)
    assert not ModerationAction.objects.exists()


def test_flags_reaching_the_threshold_hold_the_answer_for_review(question, answer, alice, bob):
    version = answer.version
    for name in ("f1", "f2", "f3"):
        do_flag(reporter=established(name), answer=answer, reason=Flag.Reason.HATE)
    answer = fresh(answer)
    assert (answer.status, answer.flag_weight, count_of(question)) == (Status.PENDING, 6, 0)
    assert answer.version == version  # held, not changed: a decision on what was seen applies
    hold = ModerationAction.objects.get()
    assert (hold.verb, hold.source, hold.actor, hold.answer, hold.answer_version) == (
        Verb.HOLD,
        Source.AUTOMATIC,
        None,
        answer,
        version,
    )
    assert rules.may_see(alice, answer) and not rules.may_see(bob, answer)


def test_a_flag_on_a_held_answer_holds_it_no_second_time(question, answer):
    held(answer)
    do_flag(reporter=established("f4"), answer=fresh(answer), reason=Flag.Reason.SPAM)
    assert fresh(answer).flag_weight == 8
    assert ModerationAction.objects.filter(verb=Verb.HOLD).count() == 1
    assert count_of(question) == 0


def test_a_second_flag_by_the_same_member_changes_nothing(answer, bob):
    first = do_flag(reporter=bob, answer=answer, reason=Flag.Reason.SPAM)
    again = do_flag(reporter=bob, answer=answer, reason=Flag.Reason.HATE, note="Encore.")
    assert again.pk == first.pk and again.reason == Flag.Reason.SPAM
    assert Flag.objects.count() == 1 and fresh(answer).flag_weight == 1


def test_withdrawing_a_flag_recounts_the_weight(answer, bob):
    do_flag(reporter=bob, answer=answer, reason=Flag.Reason.SPAM)
    do_flag(reporter=established("ancien"), answer=answer, reason=Flag.Reason.SPAM)
    assert fresh(answer).flag_weight == 3
    assert do_withdraw_flag(reporter=bob, answer=answer) is True
    assert fresh(answer).flag_weight == 2 and Flag.objects.count() == 1
    assert do_withdraw_flag(reporter=bob, answer=answer) is False
    assert fresh(answer).flag_weight == 2


def test_a_decided_flag_cannot_be_withdrawn(answer, bob, moderator):
    do_flag(reporter=bob, answer=answer, reason=Flag.Reason.SPAM)
    remove(moderator, answer)
    assert do_withdraw_flag(reporter=bob, answer=answer) is False
    assert Flag.objects.get().status == Flag.Status.UPHELD


def test_check_flag_asks_the_rulebook(answer, alice, dave_suspended):
    with pytest.raises(PermissionDenied, match=r"You cannot flag your own answer\."):
        check_flag(reporter=alice, answer=answer, reason=Flag.Reason.SPAM)
    with pytest.raises(PermissionDenied, match="Your account is suspended"):
        check_flag(reporter=dave_suspended, answer=answer, reason=Flag.Reason.SPAM)
    assert not Flag.objects.exists()


# --- Decisions on an answer ---------------------------------------------------------


def test_approving_a_held_answer_publishes_it_and_dismisses_its_flags(question, answer, moderator):
    seen = held(answer)
    action = decide(moderator, seen, Verb.APPROVE)
    answer = fresh(answer)
    assert (answer.status, answer.flag_weight, answer.reviewed) == (Status.PUBLISHED, 0, True)
    assert answer.version == seen.version + 1
    assert count_of(question) == 1
    assert set(Flag.objects.values_list("status", flat=True)) == {Flag.Status.DISMISSED}
    assert (action.verb, action.source, action.actor, action.answer_version) == (
        Verb.APPROVE,
        Source.FLAG,
        moderator,
        seen.version,
    )


def test_an_edit_after_review_sends_the_answer_back_to_the_queue(
    question, answer, alice, moderator
):
    decide(moderator, held(answer), Verb.APPROVE)
    edited = do_edit_answer(answer=fresh(answer), editor=alice, body="Une réponse corrigée.")
    assert edited.status == fresh(answer).status == Status.PENDING
    assert count_of(question) == 0


def test_approving_a_flagged_published_answer_keeps_it_published(question, answer, moderator):
    do_flag(reporter=established("f1"), answer=answer, reason=Flag.Reason.OFF_TOPIC)
    decide(moderator, answer, Verb.APPROVE)
    answer = fresh(answer)
    assert (answer.status, answer.flag_weight, answer.reviewed) == (Status.PUBLISHED, 0, False)
    assert count_of(question) == 1
    assert Flag.objects.get().status == Flag.Status.DISMISSED


def test_an_unflagged_published_answer_has_nothing_to_approve(answer, moderator):
    with pytest.raises(DecisionRefused, match="no longer applies"):
        decide(moderator, answer, Verb.APPROVE)
    assert not ModerationAction.objects.exists()


@pytest.mark.parametrize(
    ("rule", "reason"),
    [("", "Insultant."), (Flag.Reason.ABUSE, ""), (Flag.Reason.ABUSE, "   ")],
)
@pytest.mark.parametrize("verb", [Verb.REMOVE, Verb.SPAM])
def test_a_removal_needs_a_rule_and_a_reason(question, answer, moderator, verb, rule, reason):
    with pytest.raises(ValueError):
        decide(moderator, answer, verb, rule=rule, reason=reason)
    assert fresh(answer).status == Status.PUBLISHED and count_of(question) == 1
    assert not ModerationAction.objects.exists()


def test_removing_an_answer_upholds_its_flags_and_unpins_it(question, alice, moderator):
    answer = make_answer(question, alice, pinned=True)
    decide(moderator, answer, Verb.FEATURE)
    do_flag(reporter=established("f1"), answer=answer, reason=Flag.Reason.ABUSE)
    action = decide(moderator, answer, Verb.REMOVE, rule=Flag.Reason.ABUSE, reason=" Insultant. ")
    answer = fresh(answer)
    assert (answer.status, answer.removal_reason, answer.pinned, answer.featured) == (
        Status.REMOVED,
        Flag.Reason.ABUSE,
        False,
        False,
    )
    assert answer.is_tombstone and count_of(question) == 0
    assert Flag.objects.get().status == Flag.Status.UPHELD
    assert (action.verb, action.source, action.rule, action.reason) == (
        Verb.REMOVE,
        Source.FLAG,
        Flag.Reason.ABUSE,
        "Insultant.",
    )


def test_removing_a_held_answer_keeps_the_count(question, answer, moderator):
    remove(moderator, held(answer))
    assert fresh(answer).status == Status.REMOVED and count_of(question) == 0


def test_marking_as_spam_hides_the_answer_from_everyone_but_the_count(
    question, answer, moderator, bob
):
    decide(moderator, answer, Verb.SPAM, rule=Flag.Reason.SPAM, reason="Publicité.")
    answer = fresh(answer)
    assert answer.status == Status.SPAM and count_of(question) == 0
    assert not rules.may_see(bob, answer) and not answer.is_tombstone


@pytest.mark.parametrize("verb", [Verb.REMOVE, Verb.SPAM])
def test_restoring_publishes_the_answer_again(question, answer, moderator, verb):
    decide(moderator, answer, verb, rule=Flag.Reason.SPAM, reason="Par erreur.")
    action = decide(moderator, answer, Verb.RESTORE)
    answer = fresh(answer)
    assert (answer.status, answer.removal_reason) == (Status.PUBLISHED, "")
    assert count_of(question) == 1
    assert (action.verb, action.source) == (Verb.RESTORE, Source.OWN_INITIATIVE)


@pytest.mark.parametrize(
    ("verb", "field", "before", "after"),
    [
        (Verb.PIN, "pinned", False, True),
        (Verb.UNPIN, "pinned", True, False),
        (Verb.FEATURE, "featured", False, True),
        (Verb.UNFEATURE, "featured", True, False),
    ],
)
def test_pinning_and_featuring_apply_where_they_apply(
    question, alice, moderator, verb, field, before, after
):
    answer = make_answer(question, alice)
    if before:  # pinned or featured first, by the opposite decision
        decide(moderator, answer, {Verb.UNPIN: Verb.PIN, Verb.UNFEATURE: Verb.FEATURE}[verb])
    decide(moderator, answer, verb)
    assert getattr(fresh(answer), field) is after
    with pytest.raises(DecisionRefused, match="no longer applies"):
        decide(moderator, answer, verb)  # already so
    assert getattr(fresh(answer), field) is after
    assert ModerationAction.objects.filter(verb=verb).count() == 1


@pytest.mark.parametrize("verb", [Verb.PIN, Verb.FEATURE])
def test_only_published_answers_are_pinned_or_featured(question, alice, moderator, verb):
    waiting = make_answer(question, alice, status="pending")
    with pytest.raises(DecisionRefused, match="no longer applies"):
        decide(moderator, waiting, verb)
    assert not ModerationAction.objects.exists()


def test_a_decision_on_a_version_edited_since_is_refused(question, answer, alice, moderator):
    seen = held(answer)
    do_edit_answer(answer=fresh(answer), editor=alice, body="Un autre texte.")
    with pytest.raises(DecisionRefused) as refused:
        do_decide(
            moderator=moderator, answer=seen, verb=Verb.REMOVE, seen_version=seen.version,
            rule=Flag.Reason.ABUSE, reason="Insultant.",
        )  # fmt: skip
    assert "The author changed this answer since you saw it" in refused.value.message
    assert refused.value.answer.body == "Un autre texte."  # the new text, to decide again
    assert refused.value.action is None
    assert fresh(answer).status == Status.PENDING
    assert not ModerationAction.objects.exclude(verb=Verb.HOLD).exists()


def test_a_decision_after_another_is_refused_naming_the_first_moderator(
    question, answer, moderator, other_moderator
):
    seen = held(answer)
    first = do_decide(
        moderator=moderator, answer=fresh(answer), verb=Verb.REMOVE,
        seen_version=seen.version, rule=Flag.Reason.ABUSE, reason="Insultant.",
    )  # fmt: skip
    with pytest.raises(DecisionRefused) as refused:
        do_decide(
            moderator=other_moderator, answer=seen, verb=Verb.APPROVE, seen_version=seen.version
        )
    assert refused.value.message == "modo already decided on this answer: removed."
    assert refused.value.action == first
    assert ModerationAction.objects.exclude(verb=Verb.HOLD).get() == first
    assert fresh(answer).status == Status.REMOVED and count_of(question) == 0


def test_bulk_decisions_apply_one_by_one(question, alice, moderator):
    answers = [make_answer(question, alice, body=f"Réponse {n}.") for n in range(3)]
    seen = {a.pk: a.version for a in answers}
    do_edit_answer(answer=answers[1], editor=alice, body="Changée entre-temps.")
    done, refused = do_bulk_decide(
        moderator=moderator, seen=seen, verb=Verb.REMOVE, rule=Flag.Reason.OFF_TOPIC,
        reason="Hors sujet.",
    )  # fmt: skip
    assert [action.answer_id for action in done] == [answers[0].pk, answers[2].pk]
    assert [refusal.answer.pk for refusal in refused] == [answers[1].pk]
    assert [fresh(a).status for a in answers] == [Status.REMOVED, Status.PUBLISHED, Status.REMOVED]
    assert count_of(question) == 1
    assert ModerationAction.objects.count() == 2


@pytest.mark.parametrize(
    ("verb", "start", "source"),
    [
        (Verb.APPROVE, "held", Source.FLAG),
        (Verb.APPROVE, "flagged", Source.FLAG),
        (Verb.REMOVE, "published", Source.OWN_INITIATIVE),
        (Verb.REMOVE, "flagged", Source.FLAG),
        (Verb.SPAM, "held", Source.FLAG),
        (Verb.RESTORE, "removed", Source.OWN_INITIATIVE),
        (Verb.PIN, "published", Source.OWN_INITIATIVE),
        (Verb.UNPIN, "pinned", Source.OWN_INITIATIVE),
        (Verb.FEATURE, "flagged", Source.FLAG),
        (Verb.UNFEATURE, "featured", Source.OWN_INITIATIVE),
    ],
)
def test_every_decision_writes_exactly_one_action(question, alice, moderator, verb, start, source):
    answer = make_answer(question, alice, pinned=start == "pinned")
    if start == "held":
        held(answer)
    elif start == "flagged":
        do_flag(reporter=established("f1"), answer=answer, reason=Flag.Reason.SPAM)
    elif start == "removed":
        remove(moderator, answer)
    elif start == "featured":
        decide(moderator, answer, Verb.FEATURE)
    before = set(ModerationAction.objects.values_list("pk", flat=True))
    seen = fresh(answer)
    decide(moderator, seen, verb, rule=Flag.Reason.SPAM, reason="Motif.")
    new = ModerationAction.objects.exclude(pk__in=before)
    assert new.count() == 1
    action = new.get()
    assert (action.verb, action.source, action.actor, action.answer_id) == (
        verb,
        source,
        moderator,
        answer.pk,
    )
    assert action.answer_version == seen.version and action.member is None


# --- Sanctions on a member ------------------------------------------------------------


def sanction(moderator, member, verb, **fields) -> ModerationAction:
    return do_sanction(moderator=moderator, member=member, verb=verb, **fields)


def test_a_warning_is_told_and_restricts_nothing(question, moderator, bob):
    action = sanction(moderator, bob, Verb.WARN, reason="Restez courtois.")
    notification = Notification.objects.get()
    assert (notification.recipient, notification.kind, notification.action) == (
        bob,
        Notification.Kind.WARNING,
        action,
    )
    assert (action.verb, action.member, action.actor, action.reason) == (
        Verb.WARN,
        bob,
        moderator,
        "Restez courtois.",
    )
    assert rules.answering_refusal(User.objects.get(pk=bob.pk), question) == ""


def test_pre_moderation_holds_the_members_next_answer(question, moderator, alice, bob):
    sanction(moderator, bob, Verb.PREMODERATE, reason="Nouveaux messages à relire.")
    bob = User.objects.get(pk=bob.pk)
    assert bob.premoderated
    waiting, _created = do_post_answer(author=bob, question=question, body="À relire.")
    assert waiting.status == Status.PENDING and count_of(question) == 0
    assert rules.may_see(bob, waiting) and not rules.may_see(alice, waiting)
    visible_to_alice = Answer.objects.filter(rules.visible_answers(alice))
    assert waiting not in visible_to_alice


def test_approving_a_pre_moderated_answer_publishes_it_as_reviewed(question, moderator, bob):
    sanction(moderator, bob, Verb.PREMODERATE, reason="À relire.")
    waiting, _created = do_post_answer(
        author=User.objects.get(pk=bob.pk), question=question, body="À relire."
    )
    action = decide(moderator, waiting, Verb.APPROVE)
    assert action.source == Source.OWN_INITIATIVE
    assert fresh(waiting).reviewed and count_of(question) == 1


@pytest.mark.parametrize("until", [None, long_ago(minutes=1)])
def test_a_suspension_ends_in_the_future(moderator, bob, until):
    with pytest.raises(ValueError):
        sanction(moderator, bob, Verb.SUSPEND, reason="Insultes.", until=until)
    assert User.objects.get(pk=bob.pk).suspended_until is None
    assert not ModerationAction.objects.exists()


def test_a_suspension_says_until_when_and_why(moderator, bob):
    until = long_ago(days=-3)
    action = sanction(moderator, bob, Verb.SUSPEND, reason="Insultes.", until=until)
    bob.refresh_from_db()
    assert (bob.suspended_until, bob.sanction_reason, action.until) == (until, "Insultes.", until)
    refusal = rules.sanction_refusal(bob)
    assert refusal.startswith("Your account is suspended until") and "Insultes." in refusal


def test_a_ban(moderator, bob):
    action = sanction(moderator, bob, Verb.BAN, reason="Menaces.")
    bob.refresh_from_db()
    assert bob.banned and bob.sanction_reason == "Menaces."
    assert action.verb == Verb.BAN
    assert Notification.objects.get().kind == Notification.Kind.DECISION


def test_a_sanction_needs_a_reason(moderator, bob):
    with pytest.raises(ValueError):
        sanction(moderator, bob, Verb.BAN, reason="  ")
    assert not User.objects.get(pk=bob.pk).banned


def test_a_spam_ban_marks_every_live_answer_as_spam_in_one_act(question, moderator, alice, bob):
    published = make_answer(question, bob, body="Achetez.", pinned=True)
    decide(moderator, published, Verb.FEATURE)
    reply = make_answer(question, bob, parent=make_answer(question, alice), body="Achetez !")
    waiting = make_answer(question, bob, status="pending", body="Achetez ?")
    deleted = make_answer(question, bob, status="deleted", body="Retiré.")
    do_flag(reporter=alice, answer=published, reason=Flag.Reason.SPAM)
    assert count_of(question) == 3  # bob's two live ones and alice's
    before = list(ModerationAction.objects.values_list("pk", flat=True))
    action = sanction(moderator, bob, Verb.SPAM_BAN, reason="Spam.", rule=Flag.Reason.SPAM)
    statuses = [fresh(a).status for a in (published, reply, waiting, deleted)]
    assert statuses == [Status.SPAM, Status.SPAM, Status.SPAM, Status.DELETED]
    assert count_of(question) == 1
    assert Flag.objects.get().status == Flag.Status.UPHELD
    # As when each is marked as spam: a restored answer does not come back pinned.
    assert (fresh(published).pinned, fresh(published).featured) == (False, False)
    assert User.objects.get(pk=bob.pk).banned
    assert list(ModerationAction.objects.exclude(pk__in=before)) == [action]
    assert action.verb == Verb.SPAM_BAN and action.member == bob


def test_lifting_clears_every_sanction(moderator, bob):
    sanction(moderator, bob, Verb.PREMODERATE, reason="À relire.")
    sanction(moderator, bob, Verb.SUSPEND, reason="Insultes.", until=long_ago(days=-1))
    sanction(moderator, bob, Verb.BAN, reason="Récidive.")
    sanction(moderator, bob, Verb.LIFT, reason="Levée après échange.")
    bob.refresh_from_db()
    assert (bob.premoderated, bob.suspended_until, bob.banned, bob.sanction_reason) == (
        False,
        None,
        False,
        "",
    )
    assert rules.sanction_refusal(bob) == ""
    assert ModerationAction.objects.filter(member=bob).count() == 4


@pytest.mark.parametrize(
    "verb", [Verb.WARN, Verb.PREMODERATE, Verb.SUSPEND, Verb.BAN, Verb.SPAM_BAN]
)
def test_a_moderator_cannot_be_sanctioned(moderator, other_moderator, verb):
    with pytest.raises(PermissionDenied):
        sanction(other_moderator, moderator, verb, reason="Non.", until=long_ago(days=-1))
    moderator.refresh_from_db()
    assert not (moderator.banned or moderator.premoderated or moderator.suspended_until)
    assert not ModerationAction.objects.exists() and not Notification.objects.exists()


def test_unknown_verbs_are_refused(answer, moderator, bob):
    with pytest.raises(ValueError):
        sanction(moderator, bob, Verb.REMOVE, reason="Non.")
    with pytest.raises(ValueError):
        decide(moderator, answer, Verb.BAN)
    assert not ModerationAction.objects.exists()


# --- Questions ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("verb", "state"),
    [(Verb.LOCK, "locked"), (Verb.CLOSE, "closed"), (Verb.REOPEN, "open")],
)
def test_a_question_changes_state_once_with_one_action(moderator, verb, state):
    question = make_question(state="open" if verb != Verb.REOPEN else "locked")
    action = do_set_question_state(
        moderator=moderator, question=question, verb=verb, reason="Débat épuisé."
    )
    assert Question.objects.get(pk=question.pk).state == state == question.state
    assert (action.verb, action.question, action.actor, action.reason) == (
        verb,
        question,
        moderator,
        "Débat épuisé.",
    )
    again = do_set_question_state(moderator=moderator, question=question, verb=verb)
    assert again is None
    assert ModerationAction.objects.count() == 1


# --- Statements of reasons --------------------------------------------------------------


def test_the_author_of_a_removed_answer_is_told_on_the_site_and_by_email(
    answer, alice, moderator, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        action = remove(moderator, answer)
    notification = Notification.objects.get()
    assert (notification.recipient, notification.kind, notification.action) == (
        alice,
        Notification.Kind.DECISION,
        action,
    )
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["alice@example.org"]
    assert "Insultant." in mail.body and "Une réponse discutable" in mail.body


def test_a_sanctioned_member_is_told_in_their_language(
    moderator, bob, django_capture_on_commit_callbacks, mailoutbox
):
    User.objects.filter(pk=bob.pk).update(language="en")
    bob.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        sanction(moderator, bob, Verb.WARN, reason="Restez courtois.")
    assert [mail.subject for mail in mailoutbox] == ["[Agora] A warning from the moderators"]
    assert mailoutbox[0].to == ["bob@example.org"] and "Restez courtois." in mailoutbox[0].body


def test_pinning_or_featuring_is_good_news_not_a_statement_of_reasons(question, alice, moderator):
    answer = make_answer(question, alice)
    decide(moderator, answer, Verb.PIN)
    decide(moderator, answer, Verb.FEATURE)
    decide(moderator, answer, Verb.UNPIN)
    told = Notification.objects.filter(recipient=alice).order_by("pk")
    assert [(n.kind, n.action.verb) for n in told] == [
        (Notification.Kind.HIGHLIGHT, Verb.PIN),
        (Notification.Kind.HIGHLIGHT, Verb.FEATURE),
    ]
