"""Trust levels come from a member's record, and set what their flags weigh."""

from datetime import timedelta

import pytest

from forum.moderation.actions import do_decide, do_flag, do_sanction
from forum.moderation.trust import Level, flag_weight, level_for, trust_level
from tests.factories import long_ago, make_answer, make_member, make_question


@pytest.fixture(autouse=True)
def _thresholds(settings):
    settings.TRUST_MEMBER_ANSWERS, settings.TRUST_MEMBER_DAYS = 3, 7
    settings.TRUST_TRUSTED_ANSWERS, settings.TRUST_TRUSTED_DAYS = 20, 90
    settings.TRUST_MEMORY_DAYS = 90
    settings.FLAG_TRUSTED_UPHELD = 3


def member_with(answers: int, days: int, name="veteran"):
    member = make_member(name, date_joined=long_ago(days=days))
    question = make_question()
    for _ in range(answers):
        make_answer(question, member)
    return member


@pytest.mark.parametrize(
    ("answers", "days", "level"),
    [
        (0, 0, Level.NEW),
        (2, 30, Level.NEW),  # not enough answers
        (3, 6, Level.NEW),  # too young
        (3, 7, Level.MEMBER),
        (19, 365, Level.MEMBER),
        (20, 89, Level.MEMBER),
        (20, 90, Level.TRUSTED),
    ],
)
def test_levels_need_both_answers_and_age(answers, days, level):
    assert level_for(approved=answers, age=timedelta(days=days)) == level


def test_only_published_answers_count(db):
    member = member_with(3, 30)
    assert trust_level(member) == Level.MEMBER
    member.answers.filter(pk=member.answers.first().pk).update(status="removed")
    assert trust_level(member) == Level.NEW


def test_a_sanction_brings_a_member_back_to_new_for_a_while(moderator):
    member = member_with(25, 200)
    assert trust_level(member) == Level.TRUSTED
    do_sanction(moderator=moderator, member=member, verb="warn", reason="Calmez-vous.")
    assert trust_level(member) == Level.NEW


def test_a_flag_upheld_against_a_member_brings_them_back_to_new(moderator, bob):
    member = member_with(25, 200)
    answer = member.answers.first()
    do_flag(reporter=bob, answer=answer, reason="abuse")
    do_decide(moderator=moderator, answer=answer, verb="remove", seen_version=answer.version,
              rule="abuse", reason="Insulte.")  # fmt: skip
    assert trust_level(member) == Level.NEW


def test_old_sanctions_are_forgiven(moderator, settings):
    member = member_with(25, 400)
    do_sanction(moderator=moderator, member=member, verb="warn", reason="Calmez-vous.")
    settings.TRUST_MEMORY_DAYS = 0  # the log is append-only: forget sooner, not backdate
    assert trust_level(member) == Level.TRUSTED


def test_anonymous_visitors_are_new(rf):
    from django.contrib.auth.models import AnonymousUser

    assert trust_level(AnonymousUser()) == Level.NEW


def test_flag_weight_follows_trust_and_the_flag_record(moderator, alice):
    newcomer = make_member("nouveau")
    regular = member_with(3, 30, name="habitue")
    assert (flag_weight(newcomer), flag_weight(regular)) == (1, 2)
    question = make_question()
    for n in range(3):
        answer = make_answer(question, alice, body=f"Réponse {n}.")
        do_flag(reporter=regular, answer=answer, reason="spam")
        do_decide(moderator=moderator, answer=answer, verb="spam", seen_version=answer.version,
                  rule="spam", reason="Publicité.")  # fmt: skip
    assert flag_weight(regular) == 3


def test_moderators_see_a_members_trust_on_their_desk_page(moderator_client):
    member_with(3, 30, name="habitue")
    page = moderator_client.get("/en/moderation/members/habitue/").content.decode()
    assert "Trust: member" in page
