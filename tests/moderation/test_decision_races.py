"""Moderation writes that race, on PostgreSQL where transactions really run side by side
(SQLite lets one writer in at a time): two moderators deciding the same answer at once,
and many members flagging the same answer at once."""

import pytest
from django.conf import settings

from articles.models import Question
from forum.models import Answer, Flag, ModerationAction
from forum.moderation.actions import DecisionRefused, do_decide, do_flag
from tests.factories import long_ago, make_answer, make_member, make_question
from tests.forum.test_vote_concurrency import release_together

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
        reason="needs PostgreSQL: SQLite serialises every writer, so there is no race to test",
    ),
]

Verb = ModerationAction.Verb
ROUNDS = 5


@pytest.fixture(autouse=True)
def _established_by_age(settings):
    """A member of a month's standing is a member by trust here, whose flags weigh 2 (trust's
    own thresholds are tested in test_trust.py)."""
    settings.TRUST_MEMBER_ANSWERS = 0


@pytest.fixture
def other_moderator(moderator):
    other = make_member("modo2")
    other.groups.set(moderator.groups.all())
    return other


def flagged(question, author, n) -> Answer:
    """A published answer with one open flag (weight 2, below the threshold)."""
    answer = make_answer(question, author, body=f"Réponse signalée {n}.")
    reporter = make_member(f"vigie{n}", date_joined=long_ago(days=30))
    do_flag(reporter=reporter, answer=answer, reason=Flag.Reason.ABUSE)
    return Answer.objects.get(pk=answer.pk)


def test_two_moderators_deciding_one_answer_at_once_apply_one_decision(
    settings, alice, moderator, other_moderator
):
    settings.FLAG_HIDE_WEIGHT = 6
    question = make_question()
    answers = [flagged(question, alice, n) for n in range(ROUNDS)]
    assert Question.objects.get(pk=question.pk).answer_count == ROUNDS
    outcomes = {answer.pk: [] for answer in answers}

    def decide(answer, who, verb):
        def call():
            words = (
                {"rule": Flag.Reason.ABUSE, "reason": "Insultant."} if verb == Verb.REMOVE else {}
            )
            try:
                do_decide(
                    moderator=who, answer=Answer.objects.get(pk=answer.pk), verb=verb,
                    seen_version=answer.version, **words,
                )  # fmt: skip
                outcomes[answer.pk].append(("done", who.username, verb))
            except DecisionRefused as refusal:
                outcomes[answer.pk].append(("refused", refusal.action.actor.username, verb))

        return call

    calls = []
    for answer in answers:
        calls += [
            decide(answer, moderator, Verb.REMOVE),
            decide(answer, other_moderator, Verb.APPROVE),
        ]
    release_together(calls)

    removed = 0
    for answer in answers:
        done = [o for o in outcomes[answer.pk] if o[0] == "done"]
        refused = [o for o in outcomes[answer.pk] if o[0] == "refused"]
        assert len(done) == len(refused) == 1, outcomes[answer.pk]
        winner, verb = done[0][1], done[0][2]
        assert refused[0][1] == winner  # the loser is told who decided first
        action = ModerationAction.objects.exclude(verb=Verb.HOLD).get(answer=answer)
        assert (action.actor.username, action.verb) == (winner, verb)
        stored = Answer.objects.get(pk=answer.pk)
        expected = Answer.Status.REMOVED if verb == Verb.REMOVE else Answer.Status.PUBLISHED
        assert (stored.status, stored.flag_weight) == (expected, 0)
        flag = Flag.objects.get(answer=answer)
        assert flag.status == (Flag.Status.UPHELD if verb == Verb.REMOVE else Flag.Status.DISMISSED)
        removed += verb == Verb.REMOVE
    assert ModerationAction.objects.count() == ROUNDS
    assert Question.objects.get(pk=question.pk).answer_count == ROUNDS - removed


def test_the_same_decision_twice_at_once_applies_once(alice, moderator, other_moderator):
    question = make_question()
    answer = make_answer(question, alice)
    refused = []

    def remove(who):
        def call():
            try:
                do_decide(
                    moderator=who, answer=Answer.objects.get(pk=answer.pk), verb=Verb.REMOVE,
                    seen_version=answer.version, rule=Flag.Reason.SPAM, reason="Publicité.",
                )  # fmt: skip
            except DecisionRefused as refusal:
                refused.append(refusal)

        return call

    release_together([remove(moderator), remove(other_moderator)] * 2)
    assert len(refused) == 3
    assert ModerationAction.objects.filter(answer=answer).count() == 1
    assert Question.objects.get(pk=question.pk).answer_count == 0


def test_flags_at_once_weigh_their_sum_and_hold_the_answer_once(settings, alice):
    settings.FLAG_HIDE_WEIGHT = 6
    question = make_question()
    answer = make_answer(question, alice)
    reporters = [make_member(f"vigie{n}", date_joined=long_ago(days=30)) for n in range(6)]

    def flag(reporter):
        return lambda: do_flag(
            reporter=reporter, answer=Answer.objects.get(pk=answer.pk), reason=Flag.Reason.HATE
        )

    release_together([flag(reporter) for reporter in reporters])
    stored = Answer.objects.get(pk=answer.pk)
    weights = list(Flag.objects.filter(answer=answer).values_list("weight", flat=True))
    assert weights == [2] * 6
    assert stored.flag_weight == sum(weights) == 12
    assert stored.status == Answer.Status.PENDING
    holds = ModerationAction.objects.filter(answer=answer, verb=Verb.HOLD)
    assert holds.count() == 1
    assert ModerationAction.objects.count() == 1
    assert Question.objects.get(pk=question.pk).answer_count == 0


def test_a_member_flagging_twice_at_once_counts_once(alice):
    question = make_question()
    answer = make_answer(question, alice)
    reporter = make_member("vigie", date_joined=long_ago(days=30))

    def flag():
        do_flag(reporter=reporter, answer=Answer.objects.get(pk=answer.pk), reason=Flag.Reason.SPAM)

    release_together([flag] * 4)
    assert Flag.objects.filter(answer=answer).count() == 1
    assert Answer.objects.get(pk=answer.pk).flag_weight == 2
