"""The vote workflow and the ranks it feeds, against numbers worked out by hand."""

import math

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction

from articles.models import Question
from forum.models import Answer, Vote
from forum.voting import controversy, do_set_vote, wilson_lower_bound
from tests.factories import make_answer, make_question, vote_on

pytestmark = pytest.mark.django_db

Z2 = 1.281551565545**2  # z² = 1.6423744 for the 80 % bound


def stored(answer) -> tuple:
    answer.refresh_from_db()
    return answer.upvotes, answer.downvotes, answer.score


@pytest.fixture
def answer(alice):
    return make_answer(make_question(), alice)


# --- Ranking functions --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("up", "down", "expected"),
    [
        (0, 0, 0.0),
        # n up and none down: (1 + z²/2n − z·√(z²/4n²)) / (1 + z²/n) = n / (n + z²)
        (1, 0, 1 / (1 + Z2)),  # 0.3784475
        (10, 0, 10 / (10 + Z2)),  # 0.8589314
        # p = 0.5, n = 10: (0.5 + 0.0821187 − 1.2815516·√((0.25 + 0.0410594) / 10)) / 1.1642374
        (5, 5, 0.3122044),
        (100, 10, 0.8676891),
        (0, 4, 0.0),
    ],
)
def test_wilson_lower_bound(up, down, expected):
    assert math.isclose(wilson_lower_bound(up, down), expected, rel_tol=1e-6, abs_tol=1e-12)


@pytest.mark.parametrize(
    ("up", "down", "expected"),
    [(0, 0, 0.0), (5, 0, 0.0), (0, 5, 0.0), (5, 5, 10.0), (10, 5, 15**0.5), (2, 8, 10**0.25)],
)
def test_controversy(up, down, expected):
    # (up + down) ** (smaller / larger): many votes, evenly split, rank highest.
    assert math.isclose(controversy(up, down), expected)


# --- Setting a vote ------------------------------------------------------------------------


def test_a_vote_is_set_changed_and_taken_back_never_toggled(answer, bob):
    do_set_vote(voter=bob, answer=answer, value=1)
    assert stored(answer) == (1, 0, 1)
    do_set_vote(voter=bob, answer=answer, value=1)  # the same vote again changes nothing
    assert stored(answer) == (1, 0, 1) and Vote.objects.count() == 1
    do_set_vote(voter=bob, answer=answer, value=-1)
    assert stored(answer) == (0, 1, -1)
    do_set_vote(voter=bob, answer=answer, value=0)
    assert stored(answer) == (0, 0, 0) and not Vote.objects.exists()
    assert answer.rank_best == 0.0 and answer.rank_controversial == 0.0


def test_two_up_and_three_down_store_the_counters_and_ranks_worked_out_by_hand(answer):
    vote_on(answer, up=2, down=3)
    assert stored(answer) == (2, 3, -1)
    # Wilson, n = 5, p = 0.4: (0.4 + 0.1642374 − 1.2815516·√((0.24 + 0.0821187) / 5)) / 1.3284749
    assert math.isclose(answer.rank_best, 0.1798725, rel_tol=1e-6)
    # Controversy: 5 ** (2/3)
    assert math.isclose(answer.rank_controversial, 2.9240177, rel_tol=1e-6)


def test_the_workflow_hands_back_the_fresh_counters(answer, bob):
    returned = do_set_vote(voter=bob, answer=answer, value=-1)
    assert (returned.upvotes, returned.downvotes, returned.score) == (0, 1, -1)


def test_values_other_than_plus_or_minus_one_or_zero_are_refused(answer, bob):
    with pytest.raises(ValueError, match="-1, 0 or"):
        do_set_vote(voter=bob, answer=answer, value=2)
    assert not Vote.objects.exists()


def test_the_database_refuses_a_second_vote_row_and_a_bad_value(answer, alice, bob):
    Vote.objects.create(user=bob, answer=answer, value=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Vote.objects.create(user=bob, answer=answer, value=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Vote.objects.create(user=alice, answer=answer, value=3)


# --- Counters stay exact ------------------------------------------------------------------------


def test_repair_fixes_drifted_counters_and_says_what_it_fixed(answer, bob, capsys):
    do_set_vote(voter=bob, answer=answer, value=1)
    Answer.objects.filter(pk=answer.pk).update(upvotes=7, score=7)  # the drift to repair
    call_command("repair_counts")
    out = capsys.readouterr().out
    assert f"answer {answer.pk}" in out and "upvotes 7 → 1" in out
    assert stored(answer) == (1, 0, 1)
    call_command("repair_counts")
    assert "nothing to repair" in capsys.readouterr().out.lower()


def test_an_account_deleted_outright_takes_its_votes_off_the_counters(
    answer, alice, make_member, admin_client
):
    """A spam account deleted from the admin takes its vote rows with it: the answers
    they were on are counted again, whether deleted one by one or several at once."""
    other = make_answer(answer.question, alice)
    ring = [make_member(f"sockpuppet{n}") for n in range(3)]
    honest = make_member("honest")
    for puppet in ring:
        do_set_vote(voter=puppet, answer=answer, value=1)
        do_set_vote(voter=puppet, answer=other, value=-1)
    do_set_vote(voter=honest, answer=answer, value=-1)
    assert stored(answer) == (3, 1, 2) and stored(other) == (0, 3, -3)

    ring[0].delete()
    assert stored(answer) == (2, 1, 1) and stored(other) == (0, 2, -2)
    response = admin_client.post(
        "/admin/forum/user/",
        {"action": "delete_selected", "_selected_action": [p.pk for p in ring[1:]], "post": "yes"},
    )
    assert response.status_code == 302
    assert stored(answer) == (0, 1, -1) and stored(other) == (0, 0, 0)
    assert answer.rank_best == wilson_lower_bound(0, 1)


def test_repair_fixes_drifted_answer_and_reply_counts_too(db, alice, bob, capsys):
    question = make_question()
    top = make_answer(question, alice)
    make_answer(question, bob, parent=top)
    make_answer(question, bob, parent=top, status="deleted")
    # The drift to repair: counts as a crash between two statements could leave them.
    Question.objects.filter(pk=question.pk).update(answer_count=9)
    Answer.objects.filter(pk=top.pk).update(reply_count=0)
    call_command("repair_counts")
    out = capsys.readouterr().out
    assert f"question {question.pk}: answers 9 → 2" in out
    assert f"answer {top.pk}: replies 0 → 2" in out  # replies ever written, deleted or not
    call_command("repair_counts")
    assert "nothing to repair" in capsys.readouterr().out.lower()
