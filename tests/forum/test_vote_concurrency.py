"""Votes under real concurrency: separate connections, real transactions, a barrier.

SQLite takes one writer at a time for the whole file, so the races these tests
look for cannot happen there; they run on PostgreSQL (CI runs them).
"""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings
from django.db import connection
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from forum.answers import do_post_answer
from forum.models import Answer, User, Vote
from forum.voting import do_set_vote, recount

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
        reason="needs PostgreSQL: SQLite serialises every writer, so there is no race to test",
    ),
]

BATCH = 50  # votes released together by one barrier


def release_together(calls):
    """Run the calls in threads that all start at the same instant; re-raise any error."""
    barrier = threading.Barrier(len(calls))
    errors = []

    def run(call):
        try:
            barrier.wait()
            call()
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()  # each thread has its own connection: give it back

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


@pytest.fixture
def target(question, alice):
    return do_post_answer(author=alice, question=question, body="Très discutée.")[0]


def test_200_members_voting_at_once_count_200(target, make_member):
    voters = [make_member(f"voter{n}") for n in range(200)]
    for start in range(0, len(voters), BATCH):
        batch = voters[start : start + BATCH]
        release_together([lambda v=v: do_set_vote(voter=v, answer=target, value=1) for v in batch])
    target.refresh_from_db()
    assert Vote.objects.filter(answer=target).count() == 200
    assert (target.upvotes, target.downvotes, target.score) == (200, 0, 200)


def test_one_member_sending_50_identical_votes_counts_once(target, bob):
    release_together([lambda: do_set_vote(voter=bob, answer=target, value=1)] * BATCH)
    target.refresh_from_db()
    assert Vote.objects.filter(answer=target).count() == 1
    assert target.upvotes == 1


@hypothesis_settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.tuples(st.integers(min_value=0, max_value=3), st.sampled_from([1, 0, -1])),
        min_size=1,
        max_size=40,
    )
)
def test_random_concurrent_votes_leave_counters_equal_to_rows(question, alice, make_member, moves):
    # Hypothesis runs many examples in one test: members are made once, and each
    # example votes on a fresh answer.
    voters = [
        User.objects.filter(username=f"h{n}").first() or make_member(f"h{n}") for n in range(4)
    ]
    answer = do_post_answer(author=alice, question=question, body="Hypothèse.")[0]
    with ThreadPoolExecutor(max_workers=8) as pool:
        futures = [pool.submit(_vote_and_close, voters[who], answer, value) for who, value in moves]
        for future in futures:
            future.result()
    stored = Answer.objects.get(pk=answer.pk)
    assert recount(answer.pk) == {
        "upvotes": stored.upvotes,
        "downvotes": stored.downvotes,
        "score": stored.score,
        "rank_best": stored.rank_best,
        "rank_controversial": stored.rank_controversial,
    }
    # whatever order the moves ran in, each member's vote is one they actually sent
    for who in {who for who, _value in moves}:
        row = Vote.objects.filter(user=voters[who], answer=answer).first()
        assert (row.value if row else 0) in {value for w, value in moves if w == who}


def _vote_and_close(voter, answer, value):
    try:
        do_set_vote(voter=voter, answer=answer, value=value)
    finally:
        connection.close()
