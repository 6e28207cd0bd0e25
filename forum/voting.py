"""Votes and the ranks they feed.

A member's vote on an answer is set, never toggled: +1, -1, or 0 to take it
back. The vote's difference (its new value against the old) is added to the
answer's counters, and the rank keys worked out from them, in the vote's
transaction: the voter's vote row locked while its old value is read, the answer's
row while its counters are read and written, so concurrent votes queue and the
counters always equal what the rows say, at a cost that does not grow with the
votes an answer has. repair_counters() counts the rows again, for counters that
drifted by other means.
"""

import math

from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone

from articles.models import Article, Question

from .models import Answer, User, Vote, instance_from_row
from .rules import VERIFIED_EMAIL_SQL, remember_verified

# z for an 80 % confidence lower bound, as Reddit and Lobsters use.
WILSON_Z = 1.281551565545
VALID_VALUES = (-1, 0, 1)
COUNTER_FIELDS = ("upvotes", "downvotes", "score", "rank_best", "rank_controversial")


def wilson_lower_bound(up: int, down: int, z: float = WILSON_Z) -> float:
    """Lower bound of the Wilson score interval for the share of upvotes."""
    n = up + down
    if n == 0:
        return 0.0
    p = up / n
    z2 = z * z
    return (p + z2 / (2 * n) - z * math.sqrt((p * (1 - p) + z2 / (4 * n)) / n)) / (1 + z2 / n)


def controversy(up: int, down: int) -> float:
    """Reddit's controversy: many votes, evenly split, rank highest."""
    if up <= 0 or down <= 0:
        return 0.0
    balance = down / up if up > down else up / down
    return (up + down) ** balance


# Everything deciding a vote needs, in one statement: the answer, its question's
# state, its article's dates and status, and whether the voter has a verified
# address. Plain SQL read through a plain cursor because this is the hot path:
# through the ORM, the joins and the EXISTS cost two queries and two milliseconds
# of Python. It reads facts only: forum.rules decides on the instances built from them.
ANSWER_FIELDS = (
    "id", "question_id", "parent_id", "author_id", "status", "created_at",
    "upvotes", "downvotes", "score",
)  # fmt: skip
QUESTION_FIELDS = ("id", "article_id", "state")
ARTICLE_FIELDS = ("id", "status", "published_at", "closes_at")
VOTE_TARGET = f"""
SELECT a.id, a.question_id, a.parent_id, a.author_id, a.status, a.created_at,
       a.upvotes, a.downvotes, a.score,
       q.id, q.article_id, q.state,
       ar.id, ar.status, ar.published_at, ar.closes_at,
       {VERIFIED_EMAIL_SQL}
FROM forum_answer a
JOIN articles_question q ON q.id = a.question_id
JOIN articles_article ar ON ar.id = q.article_id
WHERE a.id = %s
"""  # noqa: S608 (the one expression composed in is the rulebook's constant)


def vote_target(answer_id: int, voter) -> Answer | None:
    """The answer with its question and article (the fields forum.rules reads for a vote),
    or None if there is none. Records whether the voter has a verified address."""
    with connection.cursor() as cursor:
        cursor.execute(VOTE_TARGET, [voter.pk, answer_id])
        row = cursor.fetchone()
    if row is None:
        return None
    values = iter(row)
    answer, question, article = (
        instance_from_row(model, fields, [next(values) for _field in fields])
        for model, fields in (
            (Answer, ANSWER_FIELDS),
            (Question, QUESTION_FIELDS),
            (Article, ARTICLE_FIELDS),
        )
    )
    question.article = article
    answer.question = question
    if voter.is_authenticated:
        remember_verified(voter, bool(next(values)))  # SQLite returns booleans as integers
    return answer


def vote_of(user, answer: Answer) -> int:
    """The member's current vote on one answer: +1, -1 or 0."""
    value = Vote.objects.filter(user=user, answer=answer).values_list("value", flat=True)
    return value.first() or 0


def _sql(statement: str) -> str:
    return statement.format(votes=Vote._meta.db_table, answers=Answer._meta.db_table)


# The portable path (SQLite) in plain SQL: through the ORM each of these statements
# cost a millisecond of Python. PostgreSQL runs the same steps in forum_set_vote.
OLD_VOTE = "SELECT value FROM {votes} WHERE user_id = %s AND answer_id = %s"
UPSERT_VOTE = (
    "INSERT INTO {votes} (user_id, answer_id, value, created_at, updated_at) "
    "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (user_id, answer_id) "
    "DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at"
)
DELETE_VOTE = "DELETE FROM {votes} WHERE user_id = %s AND answer_id = %s"
READ_COUNTERS = (
    "SELECT upvotes, downvotes, score, rank_best, rank_controversial FROM {answers} WHERE id = %s"
)
COUNT_VOTES = (
    "SELECT COALESCE(SUM(CASE WHEN value = 1 THEN 1 ELSE 0 END), 0), "
    "COALESCE(SUM(CASE WHEN value = -1 THEN 1 ELSE 0 END), 0) "
    "FROM {votes} WHERE answer_id = %s"
)
WRITE_COUNTERS = (
    "UPDATE {answers} SET upvotes = %s, downvotes = %s, score = %s, rank_best = %s, "
    "rank_controversial = %s WHERE id = %s"
)


def counters(up: int, down: int) -> dict:
    """The counters and rank keys of an answer with ``up`` and ``down`` votes."""
    return {
        "upvotes": up,
        "downvotes": down,
        "score": up - down,
        "rank_best": wilson_lower_bound(up, down),
        "rank_controversial": controversy(up, down),
    }


def recount(answer_id: int) -> dict:
    """Counters and rank keys as the vote rows say they are."""
    with connection.cursor() as cursor:
        cursor.execute(_sql(COUNT_VOTES), [answer_id])
        up, down = (int(n) for n in cursor.fetchone())
    return counters(up, down)


SET_VOTE_IN_POSTGRESQL = (
    "SELECT upvotes, downvotes, score, rank_best, rank_controversial "
    "FROM forum_set_vote(%s, %s, %s)"
)


def do_set_vote(*, voter: User, answer: Answer, value: int) -> Answer:
    """Set ``voter``'s vote on ``answer`` to +1, -1 or 0 (none); idempotent."""
    if value not in VALID_VALUES:
        raise ValueError(f"a vote is -1, 0 or +1, not {value!r}")
    if connection.vendor == "postgresql":
        # The same steps as below, in one round trip: the function of migration
        # 0017 runs as one transaction, so a busy answer stays locked for less time.
        with connection.cursor() as cursor:
            cursor.execute(SET_VOTE_IN_POSTGRESQL, [voter.pk, answer.pk, value])
            fresh = dict(zip(COUNTER_FIELDS, cursor.fetchone(), strict=True))
    else:
        fresh = _set_vote_step_by_step(voter.pk, answer.pk, value)
    for field, number in fresh.items():
        setattr(answer, field, number)
    return answer


def _set_vote_step_by_step(voter_id: int, answer_id: int, value: int) -> dict:
    # SQLite has no row locks: its transactions here begin IMMEDIATE (forum.settings),
    # so one writer at a time reads the old vote and the counters and writes them.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_sql(OLD_VOTE), [voter_id, answer_id])
        row = cursor.fetchone()
        old = row[0] if row else 0
        cursor.execute(_sql(READ_COUNTERS), [answer_id])
        stored = dict(zip(COUNTER_FIELDS, cursor.fetchone(), strict=True))
        if old == value:  # nothing changes: nothing is written
            return stored
        if value == 0:
            cursor.execute(_sql(DELETE_VOTE), [voter_id, answer_id])
        else:
            now = connection.ops.adapt_datetimefield_value(timezone.now())
            cursor.execute(_sql(UPSERT_VOTE), [voter_id, answer_id, value, now, now])
        fresh = counters(
            stored["upvotes"] + (value == 1) - (old == 1),
            stored["downvotes"] + (value == -1) - (old == -1),
        )
        cursor.execute(
            _sql(WRITE_COUNTERS),
            [*(fresh[field] for field in COUNTER_FIELDS), answer_id],
        )
    return fresh


def repair_counters() -> list[tuple[int, dict, dict]]:
    """Rewrite every answer whose counters drifted from its votes; return what changed."""
    fixed = []
    voted = Vote.objects.values_list("answer_id", flat=True).distinct()
    suspects = Answer.objects.filter(Q(pk__in=voted) | ~Q(upvotes=0) | ~Q(downvotes=0))
    for answer_id in suspects.values_list("pk", flat=True).iterator():
        with transaction.atomic():
            answer = Answer.objects.select_for_update().only(*COUNTER_FIELDS).get(pk=answer_id)
            fresh = recount(answer_id)
            before = {field: getattr(answer, field) for field in COUNTER_FIELDS}
            if any(not math.isclose(before[f], fresh[f], abs_tol=1e-12) for f in COUNTER_FIELDS):
                Answer.objects.filter(pk=answer_id).update(**fresh)
                fixed.append((answer_id, before, fresh))
    return fixed


# An account deleted outright (from the admin: a spam account, say; closing one's account
# anonymises it and keeps the votes, forum.accounts) takes its vote rows with it, which no
# vote's difference accounts for: the answers they were on are counted again in the
# deletion's transaction.


def note_answers_voted_on(sender, instance, **kwargs):
    """pre_delete of a member: the answers their votes are on (one vote per answer)."""
    instance._voted_on = list(
        Vote.objects.filter(user=instance).values_list("answer_id", flat=True)
    )


def count_again_answers_voted_on(sender, instance, **kwargs):
    """post_delete of a member: their votes are gone; the answers they were on are locked
    (in the order of their ids, as a vote locks one, so two deletions never wait on each
    other in a circle), counted and rewritten: three statements, however many answers."""
    if not (voted_on := getattr(instance, "_voted_on", None)):
        return
    with transaction.atomic():
        locked = Answer.objects.select_for_update().filter(pk__in=voted_on).order_by("pk")
        answer_ids = list(locked.values_list("pk", flat=True))
        counted = {
            row["answer_id"]: (row["up"], row["down"])
            for row in Vote.objects.filter(answer_id__in=answer_ids)
            .values("answer_id")
            .annotate(up=Count("pk", filter=Q(value=1)), down=Count("pk", filter=Q(value=-1)))
        }
        Answer.objects.bulk_update(
            [Answer(pk=pk, **counters(*counted.get(pk, (0, 0)))) for pk in answer_ids],
            COUNTER_FIELDS,
            batch_size=500,
        )
